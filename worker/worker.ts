/**
 * A harness worker: the workflows, the activities and the interceptors on the `mlebench` task
 * queue. Any number of them may poll the same queue.
 */
import { NativeConnection, Worker, Runtime, DefaultLogger, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities';
import { harnessPaths, type HarnessPaths } from '../core/config';
import { TASK_QUEUE } from '../workflows/ids';
import { activityInterceptors } from './interceptors';
import { WORKFLOW_BUNDLE_FILE } from './bundle';
import { existsSync } from 'node:fs';

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
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    ...workflowCode(opts.workflowBundle),
    activities: createActivities(opts.paths ?? harnessPaths()),
    interceptors: { activity: [activityInterceptors] },
  });
}
