/**
 * The embedded Temporal: `temporal server start-dev` with its SQLite file under `.mlebench/`,
 * the Web UI on :8233 and our search attributes registered. Started when TEMPORAL_ADDRESS is
 * unset and nothing answers on localhost:7233.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { harnessPaths, temporalCliPath } from '../core/config';
import { SEARCH_ATTRIBUTE_FLAGS } from './contract';

export interface DevServerOptions {
  port?: number;
  uiPort?: number;
  /** SQLite file; `<home>/temporal.db` by default. */
  dbFile?: string;
  headless?: boolean;
  /** A file for the server's output (default `<home>/temporal-server.log`), or 'inherit' to show it. */
  output?: string;
  /** Its own process group, so a Ctrl-C in the terminal reaches only the caller, which stops it in order. */
  detached?: boolean;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function isPortOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function devServerArgs(opts: Required<Pick<DevServerOptions, 'port' | 'uiPort' | 'dbFile'>> & { headless: boolean }): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--db-filename',
    opts.dbFile,
    '--log-level',
    'warn',
  ];
  if (opts.headless) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort));
  for (const flag of SEARCH_ATTRIBUTE_FLAGS) args.push('--search-attribute', flag);
  return args;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const paths = harnessPaths();
  const port = options.port ?? 7233;
  const uiPort = options.uiPort ?? 8233;
  const dbFile = options.dbFile ?? path.join(paths.home, 'temporal.db');
  const cli = temporalCliPath();
  if (!existsSync(cli)) {
    throw new Error(`the Temporal CLI is not installed at ${cli}: run "bash scripts/setup.sh" (or set MLEBENCH_TEMPORAL_CLI)`);
  }
  mkdirSync(path.dirname(dbFile), { recursive: true });
  const outputFile = options.output === 'inherit' ? undefined : (options.output ?? path.join(paths.home, 'temporal-server.log'));
  const out = outputFile ? openSync(outputFile, 'a') : 'inherit';
  const child = spawn(cli, devServerArgs({ port, uiPort, dbFile, headless: options.headless ?? false }), {
    stdio: ['ignore', out, out],
    detached: options.detached ?? false,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!(await isPortOpen(port))) {
    const early = await Promise.race([exited, new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), 200))]);
    if (early !== 'waiting') {
      throw new Error(`the Temporal dev server exited with code ${early} before answering on :${port}; see ${outputFile ?? 'its output'}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the Temporal dev server did not answer on :${port} within 60 s; see ${outputFile ?? 'its output'}`);
    }
  }
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: options.headless ? null : `http://localhost:${uiPort}`,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
