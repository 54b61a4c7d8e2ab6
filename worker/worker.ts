/**
 * A harness worker: the workflows, the activities and the interceptors on the `mlebench` task
 * queue. Any number of them may poll the same queue.
 */
import { NativeConnection, Worker, Runtime, DefaultLogger, type ActivityInterceptorsFactory, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities';
import { harnessPaths, type HarnessPaths } from '../core/config';
import { TASK_QUEUE } from '../workflows/ids';
import { activityInterceptors } from './interceptors';
import { WORKFLOW_BUNDLE_FILE } from './bundle';
import { existsSync } from 'node:fs';
import { log } from '../core/log';
import { reapLeftovers, temporalWorkflowState } from '../core/sandbox/reaper';
import type { Gateway } from '../core/gateway';

let runtimeInstalled = false;

/** The SDK's own logs are noisy at INFO; ours go through pino. */
function installRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger((process.env.MLEBENCH_TEMPORAL_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN') });
  } catch {
    // Already installed by the embedding process (tests): keep theirs.
  }
}

/** A worker connection, with our runtime (quiet SDK logs) installed before the first one is made. */
export async function connectWorker(address: string): Promise<NativeConnection> {
  installRuntime();
  return NativeConnection.connect({ address });
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
}

/** The bundle given, else the one `npm run build` made, else bundle the sources now (slower, more memory). */
function workflowCode(given?: WorkflowBundleOption): { workflowBundle: WorkflowBundleOption } | { workflowsPath: string } {
  if (given) return { workflowBundle: given };
  // Only a bundle built from this very dist/ matches the code; sources run through a test runner bundle themselves.
  if (__filename.endsWith('.js') && existsSync(WORKFLOW_BUNDLE_FILE)) return { workflowBundle: { codePath: WORKFLOW_BUNDLE_FILE } };
  return { workflowsPath: require.resolve('../workflows') };
}

export async function createHarnessWorker(opts: HarnessWorkerOptions): Promise<Worker> {
  installRuntime();
  const paths = opts.paths ?? harnessPaths();
  const namespace = opts.namespace ?? 'default';
  sweepLeftovers(opts.connection, namespace, paths.runsDir);
  return Worker.create({
    connection: opts.connection,
    namespace,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    ...workflowCode(opts.workflowBundle),
    activities: createActivities(paths, { gateway: opts.gateway }),
    interceptors: { activity: [activityInterceptors, ...(opts.activityInterceptors ?? [])] },
  });
}

/**
 * At start-up, in the background (a silent Docker engine must not delay the worker): remove the
 * Docker leftovers of this runs folder's runs whose workflow is closed or unknown; logged.
 */
function sweepLeftovers(connection: NativeConnection, namespace: string, runsDir: string): void {
  reapLeftovers({ runsDir, workflowState: temporalWorkflowState(connection.workflowService, namespace) }).then(
    (report) => log.info({ event: 'reaper.sweep', runsDir, reaped: report.reaped.length, kept: report.kept.length }, `start-up sweep: ${report.reaped.length} leftover(s) removed`),
    (err: unknown) => log.warn({ event: 'reaper.sweep', runsDir, error: (err as Error).message }, 'start-up sweep of leftovers failed (nothing removed)'),
  );
}
