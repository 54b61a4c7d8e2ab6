/**
 * What bench/scale.ts starts and must stop: its own Temporal dev server (with its Prometheus
 * metrics, to count the queries clients ask), `mlebench worker` processes (each with the heap
 * sampler), and, on the way out, whatever is left — the live groups cancelled, the workers and
 * the server stopped, the runs folder's leftovers reaped, the temporary folder deleted. Also on
 * Ctrl-C or an error: everything stops in order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Client } from '../client/sdk';
import { devServerArgs, isPortOpen } from '../temporal/devServer';
import { REPO_ROOT, temporalCliPath } from '../core/config';
import { reapLeftovers } from '../core/sandbox/reaper';
import { freePort, stopProcess, type ContainerWatch } from './measure';
import { heapSamplerArgs } from './scaleMemory';

export interface BenchServer {
  address: string;
  /** `host:port` of the server's Prometheus metrics. */
  metrics: string;
  process: ChildProcess;
}

export interface BenchWorker {
  process: ChildProcess;
  logFile: string;
  /** The heap sampler's JSON lines. */
  heapFile: string;
}

const until = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class BenchSession {
  readonly scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-scale-'));
  readonly runsDir = path.join(this.scratch, 'runs');
  readonly dataDir = path.join(this.scratch, 'data');
  private readonly children: ChildProcess[] = [];
  private server?: ChildProcess;
  client?: Client;
  watch?: ContainerWatch;
  /** Groups that may still be running (cancelled on an early stop). */
  readonly liveGroups = new Set<string>();
  private cleaning?: Promise<void>;
  interrupted = 0;

  constructor(
    private readonly docker: Docker,
    private readonly keep: boolean,
  ) {
    mkdirSync(this.runsDir, { recursive: true });
    mkdirSync(this.dataDir, { recursive: true });
  }

  /** Starts a process in its own process group, so a Ctrl-C reaches only this script, which stops everything in order. */
  private startChild(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
    const out = openSync(logFile, 'a');
    const child = spawn(command, args, { env, stdio: ['ignore', out, out], detached: true });
    this.children.push(child);
    return child;
  }

  async startServer(): Promise<BenchServer> {
    const cli = temporalCliPath();
    if (!existsSync(cli)) throw new Error(`the Temporal CLI is not installed at ${cli}: run "bash scripts/setup.sh" first`);
    const port = await freePort();
    const metricsPort = await freePort();
    const logFile = path.join(this.scratch, 'temporal-server.log');
    const args = devServerArgs({ port, uiPort: port + 1000, dbFile: path.join(this.scratch, 'temporal.db'), headless: true });
    const child = this.startChild(cli, [...args, '--metrics-port', String(metricsPort)], process.env, logFile);
    this.server = child;
    const deadline = Date.now() + 60_000;
    while (!(await isPortOpen(port))) {
      if (child.exitCode !== null) throw new Error(`the Temporal dev server exited with code ${child.exitCode}; see ${logFile}`);
      if (Date.now() > deadline) throw new Error(`the Temporal dev server did not answer on :${port} within 60 s; see ${logFile}`);
      await until(200);
    }
    return { address: `127.0.0.1:${port}`, metrics: `127.0.0.1:${metricsPort}`, process: child };
  }

  async startWorker(i: number, env: NodeJS.ProcessEnv): Promise<BenchWorker> {
    const main = path.join(REPO_ROOT, 'dist', 'client', 'cli', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first`);
    const logFile = path.join(this.scratch, `worker-${i}.log`);
    const heapFile = path.join(this.scratch, `worker-${i}-heap.jsonl`);
    const child = this.startChild(process.execPath, [...heapSamplerArgs(), main, 'worker'], { ...env, BENCH_HEAP_FILE: heapFile }, logFile);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      if (text.includes('worker polling')) return { process: child, logFile, heapFile };
      if (child.exitCode !== null) throw new Error(`worker ${i} exited with code ${child.exitCode}:\n${text.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`worker ${i} did not start polling within 60 s; see ${logFile}`);
      await until(200);
    }
  }

  /** Mount points under the temporary folder (a run's scratch filesystem left mounted). */
  private mountsUnder(): string[] {
    return readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' ') ?? '')
      .filter((m) => m.startsWith(this.scratch + path.sep));
  }

  /** Stops everything this script started, in order; idempotent. */
  cleanup(): Promise<void> {
    this.cleaning ??= (async () => {
      const step = async (what: string, fn: () => Promise<unknown>) => {
        try {
          await fn();
        } catch (err) {
          console.error(`cleanup: ${what} failed: ${(err as Error).message}`);
        }
      };
      const client = this.client;
      for (const id of client ? this.liveGroups : []) {
        console.error(`cleanup: cancelling group ${id} (its containers are stopped by the harness)...`);
        await step('cancel the group', async () => {
          await client!.cancel(id);
          const handle = (await client!.workflowClient()).workflow.getHandle(id);
          await Promise.race([handle.result().catch(() => undefined), until(90_000)]);
        });
      }
      this.watch?.stop();
      const workers = this.children.filter((c) => c !== this.server);
      await Promise.all(workers.map((w) => step('stop a worker', () => stopProcess(w, 30_000))));
      // Whatever is left of this runs folder in Docker (its workflows are over, or ours to end): removed,
      // with the runs' scratch filesystems.
      await step('reap leftovers', async () => {
        const report = await reapLeftovers({ runsDir: this.runsDir, workflowState: () => Promise.resolve('closed'), docker: this.docker });
        if (report.reaped.length) console.error(`cleanup: removed ${report.reaped.length} leftover container(s)/network(s)`);
      });
      for (const mount of this.mountsUnder().reverse()) {
        await step(
          `unmount ${mount}`,
          () => new Promise((resolve) => spawn('umount', ['-l', mount], { stdio: 'ignore' }).once('exit', resolve)),
        );
      }
      await step('close the client', async () => client?.close());
      if (this.server) await step('stop the Temporal server', () => stopProcess(this.server!, 15_000));
      if (this.keep) console.error(`kept ${this.scratch} (runs, data, logs)`);
      else if (this.mountsUnder().length) console.error(`left ${this.scratch}: something is still mounted under it`);
      else rmSync(this.scratch, { recursive: true, force: true });
    })();
    return this.cleaning;
  }

  /** Ctrl-C (or SIGTERM) stops everything in order, a second one kills; nothing is left behind however this process ends. */
  stopOnSignals(): void {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        if (++this.interrupted > 1) {
          console.error('second signal: killing the server and workers now');
          for (const c of this.children) c.kill('SIGKILL');
          process.exit(130);
        }
        console.error(`\n${signal}: stopping (again to force)...`);
        void this.cleanup().finally(() => process.exit(130));
      });
    }
    process.on('exit', () => {
      for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    });
  }
}
