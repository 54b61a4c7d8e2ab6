/**
 * What the crash tests share: a Temporal dev server of their own (free ports, its SQLite file in a
 * temporary home), workers as separate processes that can be SIGKILLed, Docker's container events
 * of a group, and a run group's records with the fields that differ between two runs taken out.
 * A test file sets the server and a client up with `temporalSuite('processes')` (temporalSuite.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { REPO_ROOT } from '../../core/config';
import { startDevServer, type DevServer } from '../../temporal/devServer';
import { watchGroupEvents, type GroupEvents } from './dockerEvents';
import { cliEnv } from './cli';

/** A port nothing listens on right now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface CrashHome {
  home: string;
  env: NodeJS.ProcessEnv;
  port: number;
  dbFile: string;
  /** Starts (or restarts, on the same port and SQLite file) the dev server. */
  startServer(): Promise<DevServer>;
}

/**
 * The agent step's heartbeat time-out of the crash tests' workers (MLEBENCH_AGENT_HEARTBEAT_SECS):
 * short, so that a killed worker's try is given up in seconds; the default is for loaded machines.
 */
export const CRASH_HEARTBEAT_SECS = 10;

/** A harness home (runs, data, the server's SQLite file) and a headless dev server's port for it; `extra`: more settings for its workers. */
export async function crashHome(extra: NodeJS.ProcessEnv = {}): Promise<CrashHome> {
  const port = await freePort();
  const { home, env } = cliEnv({
    TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    MLEBENCH_AGENT_HEARTBEAT_SECS: String(CRASH_HEARTBEAT_SECS),
    ...extra,
  });
  const dbFile = path.join(home, 'temporal.db');
  return {
    home,
    env,
    port,
    dbFile,
    startServer: () => startDevServer({ port, dbFile, headless: true, output: path.join(home, 'temporal-server.log') }),
  };
}

export interface Proc {
  child: ChildProcess;
  /** Everything written to stderr so far. */
  output(): string;
  /** Resolves once stderr holds `text` (rejects if the process exits first). */
  waitFor(text: string | RegExp): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (unless already gone) and awaits the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const started: Proc[] = [];
const watches: GroupEvents[] = [];

export function spawnProc(args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, args, { env, cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let seen = '';
  const listeners = new Set<() => void>();
  child.stderr.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
    for (const l of listeners) l();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const proc: Proc = {
    child,
    output: () => seen,
    waitFor(text) {
      const has = () => (typeof text === 'string' ? seen.includes(text) : text.test(seen));
      if (has()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!has()) return;
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        void exited.then(({ code, signal }) => {
          if (!has()) reject(new Error(`exited (${code ?? signal}) before "${String(text)}": ${seen}`));
        });
      });
    },
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  started.push(proc);
  return proc;
}

/** Stops every process these helpers started, newest first, and every event stream (for afterAll). */
export async function stopAll(): Promise<void> {
  for (const watch of watches.splice(0)) watch.stop();
  for (const proc of started.splice(0).reverse()) await proc.stop('SIGTERM');
}

export const CRASH_WORKER = path.join(REPO_ROOT, 'test', 'helpers', 'crashWorker.mjs');

/** `mlebench worker` against the home's server; its logs at info, so re-attachment shows. */
export function mlebenchWorker(home: CrashHome): Proc {
  return spawnProc([path.join(REPO_ROOT, 'bin', 'mlebench.js'), 'worker'], { ...home.env, MLEBENCH_LOG_LEVEL: 'info' });
}

/**
 * `mlebench worker` as Docker host `hostId` (its own host queue), logs at info (claims, attaches),
 * giving a silent host up after `deadSecs`; resolves once it polls.
 */
export async function hostWorker(home: CrashHome, hostId: string, deadSecs: number, env: NodeJS.ProcessEnv = {}): Promise<Proc> {
  const proc = spawnProc([path.join(REPO_ROOT, 'bin', 'mlebench.js'), 'worker'], {
    ...home.env,
    MLEBENCH_LOG_LEVEL: 'info',
    MLEBENCH_HOST_ID: hostId,
    MLEBENCH_HOST_DEAD_SECS: String(deadSecs),
    ...env,
  });
  await proc.waitFor(`(host ${hostId})`);
  return proc;
}

/** A group's container events (test/helpers/dockerEvents.ts), stopped with the processes by stopAll. */
export async function watchContainerEvents(groupId: string): Promise<GroupEvents> {
  const events = await watchGroupEvents(groupId);
  watches.push(events);
  return events;
}

/** Fields that differ between two runs of the same thing: times, ids of this group and container. */
const VOLATILE = new Set(['created_at', 'finished_at', 'startedAt', 'finishedAt', 'timings', 'containerId', 'containerName', 'versions']);

function withoutVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutVolatile);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !VOLATILE.has(k))
        .map(([k, v]) => [k, withoutVolatile(v)]),
    );
  }
  return value;
}

/**
 * A group folder as the comparison sees it: every file's path, and the contents of run.json,
 * container.json, grading_report.json and metadata.json (volatile fields out, the group's id
 * and folder, and the host id when given, replaced by placeholders) and of every submission (bytes).
 */
export async function groupRecords(groupDir: string, groupId: string, hostId?: string): Promise<Record<string, unknown>> {
  const files = (await fs.readdir(groupDir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => path.relative(groupDir, path.join(d.parentPath, d.name)))
    .sort();
  const records: Record<string, unknown> = { files };
  for (const file of files) {
    const text = await fs.readFile(path.join(groupDir, file), 'utf8');
    if (file.endsWith('.json')) {
      let anonymous = text.replaceAll(groupDir, '<group-dir>').replaceAll(groupId, '<group-id>');
      if (hostId) anonymous = anonymous.replaceAll(hostId, '<host>');
      records[file] = withoutVolatile(JSON.parse(anonymous));
    } else if (file.includes(`submission${path.sep}`)) records[file] = text;
  }
  return records;
}
