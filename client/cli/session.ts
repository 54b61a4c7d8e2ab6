/**
 * What a CLI command needs of Temporal: the target (maybe an embedded dev server) and, for `run`,
 * an in-process worker when no other worker polls the task queue. `close()` undoes what was started.
 */
import type { NativeConnection } from '@temporalio/worker';
import { ensureSearchAttributes, resolveTemporal, type TemporalTarget } from '../../temporal/connection';
import { connectWorker, createHarnessWorker } from '../../worker/worker';
import type { HarnessWorker } from '../../worker/harnessWorker';
import { startGatewayFromEnv } from '../../worker/gateway';
import type { Gateway } from '../../core/gateway';
import { Client } from '../sdk';
import { TASK_QUEUE } from '../../temporal/contract';
import { log } from '../../core/log';

export interface Session {
  target: TemporalTarget;
  client: Client;
  /** The worker this process runs, if any. */
  worker: HarnessWorker | null;
  close(): Promise<void>;
}

export async function openSession(opts: { startServer: boolean; worker: 'always' | 'if-none' | 'never' }): Promise<Session> {
  const target = await resolveTemporal({ startIfMissing: opts.startServer });
  const client = new Client({ address: target.address, namespace: target.namespace, uiUrl: target.uiUrl });
  let worker: HarnessWorker | null = null;
  let workerRun: Promise<void> | null = null;
  let connection: NativeConnection | null = null;
  let gateway: Gateway | undefined;
  try {
    const wantWorker = opts.worker === 'always' || (opts.worker === 'if-none' && (target.devServer || !(await hasPollers(client))));
    if (wantWorker) {
      await ensureSearchAttributes(await client.connection(), target.namespace);
      connection = await connectWorker(target.address);
      gateway = await startGatewayFromEnv();
      worker = await createHarnessWorker({ connection, namespace: target.namespace, gateway });
      workerRun = worker.run();
      log.debug({ event: 'worker.started', taskQueue: TASK_QUEUE }, 'in-process worker started');
    }
  } catch (err) {
    await gateway?.close();
    await target.devServer?.stop();
    throw err;
  }
  return {
    target,
    client,
    worker,
    async close() {
      if (worker && workerRun) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await workerRun;
      }
      await gateway?.close();
      await connection?.close();
      await client.close();
      await target.devServer?.stop();
    },
  };
}

/** Does any worker poll our task queue? Then `run` need not start one. */
async function hasPollers(client: Client): Promise<boolean> {
  const connection = await client.connection();
  const response = await connection.workflowService.describeTaskQueue({
    namespace: client.namespace,
    taskQueue: { name: TASK_QUEUE },
    taskQueueType: 1, // workflow task queue
  });
  return (response.pollers ?? []).length > 0;
}
