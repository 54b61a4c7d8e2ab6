/**
 * What the crash tests share: a Temporal dev server of their own (free ports, its SQLite file in a
 * temporary home), workers as separate processes that can be SIGKILLed, Docker's container events
 * of a group, and a run group's records with the fields that differ between two runs taken out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { REPO_ROOT } from '../../core/config';
import { startDevServer, type DevServer } from '../../temporal/devServer';
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

/** A harness home (runs, data, the server's SQLite file) and a headless dev server's port for it. */
export async function crashHome(): Promise<CrashHome> {
  const port = await freePort();
  const { home, env } = cliEnv({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
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
const streams: Readable[] = [];

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
  for (const stream of streams.splice(0)) stream.destroy();
  for (const proc of started.splice(0).reverse()) await proc.stop('SIGTERM');
}

export const CRASH_WORKER = path.join(REPO_ROOT, 'test', 'helpers', 'crashWorker.mjs');

/** `mlebench worker` against the home's server; its logs at info, so re-attachment shows. */
export function mlebenchWorker(home: CrashHome): Proc {
  return spawnProc([path.join(REPO_ROOT, 'bin', 'mlebench.js'), 'worker'], { ...home.env, MLEBENCH_LOG_LEVEL: 'info' });
}

export interface ContainerEvent {
  action: string;
  run: string;
  at: number;
}

export interface ContainerEvents {
  events: ContainerEvent[];
  /** Resolves with the first event of `action` (already seen or coming). */
  next(action: string): Promise<ContainerEvent>;
  count(action: string): number;
  stop(): void;
}

/** Docker's create/start/die/destroy events of a group's containers, from now on. */
export async function watchContainerEvents(groupId: string): Promise<ContainerEvents> {
  const stream = (await new Docker().getEvents({
    filters: { type: ['container'], event: ['create', 'start', 'die', 'destroy'], label: [`mlebench.group=${groupId}`] },
  })) as Readable;
  streams.push(stream);
  const events: ContainerEvent[] = [];
  const waiters: { action: string; resolve: (e: ContainerEvent) => void }[] = [];
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line) continue;
      const raw = JSON.parse(line) as { Action?: string; status?: string; Actor?: { Attributes?: Record<string, string> } };
      const event = { action: raw.Action ?? raw.status ?? '', run: raw.Actor?.Attributes?.['mlebench.run'] ?? '', at: Date.now() };
      events.push(event);
      for (const w of waiters.filter((w) => w.action === event.action)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  });
  return {
    events,
    next(action) {
      const seen = events.find((e) => e.action === action);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ action, resolve }));
    },
    count: (action) => events.filter((e) => e.action === action).length,
    stop: () => stream.destroy(),
  };
}

/** Fields that differ between two runs of the same thing: times, ids of this group and container. */
const VOLATILE = new Set(['created_at', 'finished_at', 'startedAt', 'finishedAt', 'timings', 'containerId', 'containerName', 'versions']);

function withoutVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutVolatile);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => !VOLATILE.has(k)).map(([k, v]) => [k, withoutVolatile(v)]));
  }
  return value;
}

/**
 * A group folder as the comparison sees it: every file's path, and the contents of run.json,
 * container.json, grading_report.json and metadata.json (volatile fields out, the group's id
 * and folder replaced by placeholders) and of every submission (bytes).
 */
export async function groupRecords(groupDir: string, groupId: string): Promise<Record<string, unknown>> {
  const files = (await fs.readdir(groupDir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => path.relative(groupDir, path.join(d.parentPath, d.name)))
    .sort();
  const records: Record<string, unknown> = { files };
  for (const file of files) {
    const text = await fs.readFile(path.join(groupDir, file), 'utf8');
    if (file.endsWith('.json')) {
      const anonymous = text.replaceAll(groupDir, '<group-dir>').replaceAll(groupId, '<group-id>');
      records[file] = withoutVolatile(JSON.parse(anonymous));
    } else if (file.includes(`submission${path.sep}`)) records[file] = text;
  }
  return records;
}
