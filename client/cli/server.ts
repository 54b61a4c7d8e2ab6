/** `mlebench server` and `mlebench worker`: each in the foreground, for a several-terminal set-up. */
import { Command } from 'commander';
import { startDevServer } from '../../temporal/devServer';
import { configuredTarget, connectClient, ensureSearchAttributes, temporalSecurity } from '../../temporal/connection';
import { connectWorker, createHarnessWorker } from '../../worker/worker';
import { startGatewayFromEnv } from '../../worker/gateway';
import { TASK_QUEUE, hostTaskQueue } from '../../temporal/contract';

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

export function serverCommand(): Command {
  return new Command('server')
    .description('run the Temporal dev server (SQLite under .mlebench/, Web UI on :8233) in the foreground')
    .option('--port <n>', 'frontend port', '7233')
    .option('--ui-port <n>', 'Web UI port', '8233')
    .option('--db-file <file>', 'SQLite file (default .mlebench/temporal.db)')
    .action(async (flags: { port: string; uiPort: string; dbFile?: string }) => {
      const server = await startDevServer({
        port: Number(flags.port),
        uiPort: Number(flags.uiPort),
        dbFile: flags.dbFile,
        output: 'inherit',
      });
      process.stderr.write(`Temporal dev server on ${server.address}, Web UI ${server.uiUrl ?? 'off'}; Ctrl-C stops it\n`);
      await untilSignal();
      await server.stop();
    });
}

export function workerCommand(): Command {
  return new Command('worker')
    .description(
      `run a harness worker on the task queue "${TASK_QUEUE}" and its Docker host's "${hostTaskQueue('<host-id>')}" (any number may run)`,
    )
    .option('--host-id <id>', "this worker's Docker host (default MLEBENCH_HOST_ID, else derived from DOCKER_HOST, else the hostname)")
    .action(async (flags: { hostId?: string }) => {
      const target = configuredTarget();
      const client = await connectClient(target.address);
      await ensureSearchAttributes(client, target.namespace);
      await client.close();
      const connection = await connectWorker(target.address);
      const gateway = await startGatewayFromEnv();
      const worker = await createHarnessWorker({ connection, namespace: target.namespace, gateway, hostId: flags.hostId });
      const { host } = worker;
      process.stderr.write(
        `worker polling "${TASK_QUEUE}" and "${host.taskQueue}" (host ${host.hostId}) on ${target.address} (${temporalSecurity().summary}, namespace ${target.namespace}); Ctrl-C stops it\n`,
      );
      // The SDK stops the worker on SIGINT/SIGTERM; running activities end WORKER_SHUTDOWN and their
      // containers are left running for the next worker to re-attach to.
      await worker.run();
      await gateway?.close();
      await connection.close();
    });
}
