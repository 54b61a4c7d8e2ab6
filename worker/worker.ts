/**
 * A harness worker: the workflows, the activities and the interceptors on the `mlebench` task
 * queue, and the container steps on its Docker host's own queue (`mlebench-host-<id>`). Any number
 * of them may poll the same queues.
 */
import {
  NativeConnection,
  Worker,
  Runtime,
  DefaultLogger,
  type LogEntry,
  type ActivityInterceptorsFactory,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { createActivities } from '../activities';
import { harnessPaths, useEnvironment, type HarnessPaths } from '../core/config';
import { TASK_QUEUE } from '../temporal/contract';
import { claimedHost, hostIdentity, hostSlots } from './host';
import { workerSettings } from './settings';
import { staleLeases, type HostTemporal } from '../activities/host';
import type { HostSlots } from '../core/hosts/slots';
import { HarnessWorker } from './harnessWorker';
import { activityInterceptors, trustedInputInterceptors } from './interceptors';
import { WORKFLOW_BUNDLE_FILE } from './bundle';
import { existsSync } from 'node:fs';
import { log } from '../core/log';
import { temporalConnectionOptions, withConnectContext } from '../temporal/connection';
import { reaperIntervalSecs, startPeriodicReaper } from './reaper';
import type { Gateway } from '../core/gateway';

let runtimeInstalled = false;

/**
 * The SDK's own logs (noisy at INFO) go through the harness's log, in its format, instead of
 * spilling raw onto the terminal between the progress lines; with `MLEBENCH_METRICS_PORT`, the
 * SDK's metrics (slots, schedule-to-start latency, failures, per task queue) are served for
 * Prometheus. The runtime is the process's: installed once, before the first connection.
 */
export function installRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const { metricsAddress } = workerSettings(process.env);
  try {
    const level = (process.env.MLEBENCH_TEMPORAL_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN';
    Runtime.install({
      logger: new DefaultLogger(level, forwardSdkLog),
      telemetryOptions: {
        // The SDK core's own lines (Rust, coloured) go through the same log, not raw onto stderr.
        logging: { filter: { core: level, other: 'ERROR' }, forward: {} },
        ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress } } } : {}),
      },
    });
    if (metricsAddress) log.info({ event: 'worker.metrics', address: metricsAddress }, `SDK metrics on http://${metricsAddress}/metrics`);
  } catch {
    // Already installed by the embedding process (tests): keep theirs.
    if (metricsAddress)
      log.warn({ event: 'worker.metrics', address: metricsAddress }, 'the SDK runtime was installed before: no metrics served');
  }
}

/** One SDK log entry, at its level; the host queue's worker has no workflows by design, so its warning about it is not one. */
export function forwardSdkLog(entry: LogEntry): void {
  const expected = entry.message.startsWith('No workflows registered');
  const level = expected ? 'debug' : (entry.level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error');
  log[level]({ event: 'temporal.sdk', ...entry.meta }, entry.message);
}

/**
 * A worker connection, with our runtime (quiet SDK logs) installed before the first one is made,
 * and the environment's TLS and API key (the same options as every client connection).
 */
export async function connectWorker(address: string): Promise<NativeConnection> {
  installRuntime();
  return withConnectContext(NativeConnection.connect(temporalConnectionOptions(address)), address);
}

export interface HarnessWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  paths?: HarnessPaths;
  /** A pre-built bundle (tests bundle once per file); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundleOption;
  /** More activity interceptors, run inside the harness's own (e.g. a test's crash at a chosen activity). */
  activityInterceptors?: ActivityInterceptorsFactory[];
  /** The LLM gateway LLM agents' calls go through (see gateway.ts); the caller closes it after the worker. */
  gateway?: Gateway;
  /** This worker's Docker host (its task queue is `mlebench-host-<id>`); default `MLEBENCH_HOST_ID`, `DOCKER_HOST` or the hostname. */
  hostId?: string;
}

/** The bundle given, else the one `npm run build` made, else bundle the sources now (slower, more memory). */
export function workflowCode(given?: WorkflowBundleOption): { workflowBundle: WorkflowBundleOption } | { workflowsPath: string } {
  if (given) return { workflowBundle: given };
  // Only a bundle built from this very dist/ matches the code; sources run through a test runner bundle themselves.
  if (__filename.endsWith('.js') && existsSync(WORKFLOW_BUNDLE_FILE)) return { workflowBundle: { codePath: WORKFLOW_BUNDLE_FILE } };
  return { workflowsPath: require.resolve('../workflows') };
}

/** The harness worker (harnessWorker.ts): the shared queue's SDK worker and its host queue's, run and stopped as one. */
export async function createHarnessWorker(opts: HarnessWorkerOptions): Promise<HarnessWorker> {
  installRuntime();
  // A worker is an entry point (also without the CLI: test/helpers/crashWorker.mjs): core/ sees the environment through this.
  useEnvironment(process.env);
  const paths = opts.paths ?? harnessPaths();
  const namespace = opts.namespace ?? 'default';
  const host = hostIdentity(process.env, opts.hostId);
  const slots = hostSlots(host, paths.runsDir);
  const temporal: HostTemporal = { service: opts.connection.workflowService, namespace };
  const activities = createActivities(paths, { gateway: opts.gateway, host: claimedHost(host), slots, temporal });
  // The harness's interceptor outermost: a refused input is logged and mapped like any error.
  const interceptors = { activity: [activityInterceptors, trustedInputInterceptors(paths), ...(opts.activityInterceptors ?? [])] };
  const settings = workerSettings(process.env);
  sweepLeases(slots, temporal);
  const shared = await Worker.create({
    connection: opts.connection,
    namespace,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    ...workflowCode(opts.workflowBundle),
    activities,
    interceptors,
    maxConcurrentWorkflowTaskExecutions: settings.workflowTaskSlots,
    maxConcurrentActivityTaskExecutions: settings.activitySlots,
    shutdownGraceTime: settings.shutdownGraceMs,
  });
  const onHost = await Worker.create({
    connection: opts.connection,
    namespace,
    taskQueue: host.taskQueue,
    activities: { runAgent: activities.runAgent.bind(activities) },
    interceptors,
    shutdownGraceTime: settings.shutdownGraceMs,
    // Never more agent containers than slots, even if a lease went wrong.
    maxConcurrentActivityTaskExecutions: slots.capacity.slots,
  });
  log.info(
    { event: 'worker.settings', ...settings },
    `shared queue: ${settings.workflowTaskSlots} workflow task slots, ${settings.activitySlots} activity slots; shutdown grace ${settings.shutdownGraceMs / 1000} s`,
  );
  const { capacity } = slots;
  log.info(
    { event: 'worker.host', hostId: host.hostId, taskQueue: host.taskQueue, slots: capacity.slots, gpus: capacity.gpus },
    `host ${host.hostId}: polling ${host.taskQueue}, ${capacity.slots} agent slot(s)${capacity.gpus.length ? `, GPUs ${capacity.gpus.join(',')}` : ''}`,
  );
  const reaper = startPeriodicReaper(opts.connection, namespace, paths.runsDir, reaperIntervalSecs(process.env));
  return new HarnessWorker(shared, onHost, host, reaper);
}

/**
 * At start-up, in the background: give back the slots of runs whose workflow is closed or that
 * moved on (a worker that died with containers). A full host does the same before refusing a claim.
 */
function sweepLeases(slots: HostSlots, temporal: HostTemporal): void {
  slots.freeStale(staleLeases(temporal)).then(
    (freed) => {
      if (freed.length)
        log.info(
          { event: 'slots.sweep', hostId: slots.hostId, freed: freed.map((l) => l.runId) },
          `freed ${freed.length} stale slot lease(s)`,
        );
    },
    (err: unknown) =>
      log.warn({ event: 'slots.sweep', hostId: slots.hostId, error: (err as Error).message }, 'start-up sweep of slot leases failed'),
  );
}
