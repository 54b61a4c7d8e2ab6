/**
 * What the chaos benchmark breaks: its own Temporal dev server (its SQLite file in the scratch
 * folder, so a restart keeps its state), one worker process per Docker host, and the Docker engine,
 * paused. Each fault here stops one of them and brings it back, saying what it took.
 *
 * The Docker engine is paused (SIGSTOP, then SIGCONT to dockerd), not stopped: it runs without
 * live-restore and is shared with everything else on the machine, so stopping it would kill every
 * container on it, this group's and others'. Paused, it answers no call (as a hung or restarting
 * engine), while containerd keeps the containers running. A detached watchdog resumes it even if
 * the script dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../core/config';
import { startDevServer, type DevServer } from '../temporal/devServer';
import type { Fault } from './chaosSchedule';
import { secs, type FaultRecord } from './chaosReport';
import { exitWithin, pidsNamed, stopProcess } from './measure';

export const hostName = (i: number) => `chaos-host-${i}`;

/** What a fault says once what it stopped is back. */
export type FaultOutcome = Omit<FaultRecord, 'fault' | 'startedAt'>;

export interface ChaosProcessOptions {
  /** Logs and the server's SQLite file go here. */
  scratch: string;
  port: number;
  hosts: number;
  /** Each host's MLEBENCH_HOST_SLOTS. */
  slots: number;
  /** The workers' environment (TEMPORAL_ADDRESS is set here). */
  env: NodeJS.ProcessEnv;
}

export interface ChaosProcesses {
  address: string;
  /** Each host's worker now, and how many times it was started. */
  workers: readonly { proc?: ChildProcess; incarnations: number }[];
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  /** Starts host `host`'s worker (1-based); resolves once it polls. */
  startWorker(host: number): Promise<ChildProcess>;
  stopWorkers(graceMs: number): Promise<void>;
  workerFault(f: Extract<Fault, { kind: 'worker' }>): Promise<FaultOutcome>;
  serverFault(f: Extract<Fault, { kind: 'server' }>): Promise<FaultOutcome>;
  /** Pauses the Docker engine for `ms`; says what it did. */
  pauseEngine(ms: number): Promise<string>;
  /** Resumes a paused engine at once (idempotent): on every way out. */
  resumeEngine(): void;
  /** SIGKILLs every process started here (the last resort of an exit). */
  killAll(): void;
}

export function chaosProcesses(opts: ChaosProcessOptions): ChaosProcesses {
  const address = `127.0.0.1:${opts.port}`;
  const children = new Set<ChildProcess>();
  const track = (child: ChildProcess) => {
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  // The server starting or started: a stop waits for a start under way, so none is left running.
  let server: Promise<DevServer> | undefined;
  const workers: { proc?: ChildProcess; incarnations: number }[] = Array.from({ length: opts.hosts }, () => ({ incarnations: 0 }));
  let pausedEngine: number | undefined;

  const startServer = async () => {
    // Its own process group, as the workers': a Ctrl-C reaches only the script, which stops everything in order.
    const output = path.join(opts.scratch, 'temporal-server.log');
    server = startDevServer({ port: opts.port, dbFile: path.join(opts.scratch, 'temporal.db'), headless: true, output, detached: true });
    track((await server).process);
  };
  const stopServer = async () => {
    const started = await server?.catch(() => undefined);
    if (started) await stopProcess(started.process, 15_000);
  };

  const startWorker = async (host: number): Promise<ChildProcess> => {
    const main = path.join(REPO_ROOT, 'dist', 'client', 'cli', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first`);
    const w = workers[host - 1]!;
    const logFile = path.join(opts.scratch, `worker-${host}.${++w.incarnations}.log`);
    const out = openSync(logFile, 'a');
    const env = { ...opts.env, TEMPORAL_ADDRESS: address, MLEBENCH_HOST_ID: hostName(host), MLEBENCH_HOST_SLOTS: String(opts.slots) };
    const child = track(spawn(process.execPath, [main, 'worker'], { env, stdio: ['ignore', out, out], detached: true }));
    w.proc = child;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      if (text.includes('worker polling')) return child;
      if (child.exitCode !== null)
        throw new Error(`the worker of ${hostName(host)} exited with code ${child.exitCode}:\n${text.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`the worker of ${hostName(host)} did not start polling within 120 s; see ${logFile}`);
      await sleep(200);
    }
  };

  const resumeEngine = () => {
    if (pausedEngine === undefined) return;
    try {
      process.kill(pausedEngine, 'SIGCONT');
    } catch {
      // gone
    }
    pausedEngine = undefined;
  };

  return {
    address,
    workers,
    startServer,
    stopServer,
    startWorker,
    async stopWorkers(graceMs) {
      await Promise.all(workers.map(async (w) => w.proc && (await stopProcess(w.proc, graceMs))));
    },

    async workerFault(f) {
      const proc = workers[f.host - 1]!.proc!;
      const pid = proc.pid!;
      proc.kill(f.signal);
      const signalled = Date.now();
      const code = await exitWithin(proc, 60_000);
      if (code === 'timeout') {
        proc.kill('SIGKILL');
        await exitWithin(proc, 10_000);
      }
      const exitedAt = Date.now();
      const exit =
        code === 'timeout'
          ? 'no exit within 60 s: SIGKILLed'
          : `exited (${proc.signalCode ?? proc.exitCode}) in ${secs(exitedAt - signalled)} s`;
      await sleep(f.downMs);
      const next = await startWorker(f.host);
      return { endedAt: Date.now(), pid, detail: `pid ${pid} ${exit}; pid ${next.pid} polling ${secs(Date.now() - exitedAt)} s after` };
    },

    async serverFault(f) {
      const stopped = Date.now();
      await stopServer();
      await sleep(f.downMs);
      await startServer();
      return { endedAt: Date.now(), detail: `down ${secs(Date.now() - stopped)} s` };
    },

    async pauseEngine(ms) {
      const [pid, ...more] = pidsNamed(['dockerd']);
      if (pid === undefined || more.length)
        return `not paused: ${pid === undefined ? 'no dockerd process' : 'several dockerd processes'} on this machine`;
      // Resumes the engine even if this script is killed meanwhile.
      const watchdog = spawn('sh', ['-c', `sleep ${Math.ceil(ms / 1000) + 10}; kill -CONT ${pid}`], { detached: true, stdio: 'ignore' });
      watchdog.unref();
      pausedEngine = pid;
      process.kill(pid, 'SIGSTOP');
      await sleep(ms);
      resumeEngine();
      if (watchdog.pid) process.kill(-watchdog.pid, 'SIGKILL');
      return `dockerd (pid ${pid}) paused ${secs(ms)} s`;
    },
    resumeEngine,

    killAll() {
      for (const c of children) c.kill('SIGKILL');
    },
  };
}
