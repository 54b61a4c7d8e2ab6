/**
 * `mlebench serve`: the REST API and the results page (port 8000, as the seed system's server).
 * Like `mlebench run`, it starts a Temporal dev server when none answers and a worker when none
 * polls (`--no-worker` never starts one); Ctrl-C stops what it started.
 */
import { Command, InvalidArgumentError } from 'commander';
import { harnessPaths } from '../../core/config';
import { loadAccessPolicy } from '../server/access';
import { buildServer } from '../server/app';
import { openSession } from './session';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`"${value}" is not a port number`);
  return n;
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the REST API and the results page (starts Temporal and a worker when none is running)')
    .option('--port <n>', 'HTTP port (MLEBENCH_API_PORT, default 8000)', port)
    .option('--host <address>', 'address to listen on (MLEBENCH_API_HOST, default 127.0.0.1)')
    .option('--no-worker', 'never start a worker in this process')
    .action(async (flags: { port?: number; host?: string; worker: boolean }) => {
      const listenPort = flags.port ?? (process.env.MLEBENCH_API_PORT ? port(process.env.MLEBENCH_API_PORT) : 8000);
      const host = flags.host ?? process.env.MLEBENCH_API_HOST ?? '127.0.0.1';
      // Before anything starts: a server bound beyond loopback without tokens is refused, with why.
      const access = await loadAccessPolicy(host);
      const session = await openSession({ startServer: true, worker: flags.worker ? 'if-none' : 'never' });
      const app = await buildServer({ client: session.client, paths: harnessPaths(), access });
      try {
        const url = await app.listen({ port: listenPort, host });
        const who = access.users ? `${access.users.size} user(s) with tokens` : 'no tokens: loopback only';
        process.stderr.write(
          `REST API and results page on ${url} (${who}) (OpenAPI: ${url}/openapi.json); Temporal ${session.target.address}` +
            `${session.target.uiUrl ? `, Web UI ${session.target.uiUrl}` : ''}${session.worker ? ', worker in this process' : ''}; Ctrl-C stops it\n`,
        );
        await untilSignal();
      } finally {
        await app.close();
        await session.close();
      }
    });
}
