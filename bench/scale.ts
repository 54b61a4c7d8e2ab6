/**
 * Benchmark: one large run group across several worker processes.
 *
 *   npm run build && npm run bench:scale -- [--runs 200] [--parallel 16] [--workers 2] [--competitions sotu-authorship,us-births] [--same-host] [--keep]
 *
 * Starts its own Temporal dev server (the installed CLI, SQLite in a temporary folder) and
 * `--workers` worker processes (`mlebench worker` from dist/, all on the shared task queue; each
 * acting as a Docker host of its own, `MLEBENCH_HOST_ID=bench-host-<n>`, unless --same-host), with
 * a temporary runs and data folder; runs a small warm-up group, then one group of `--runs`
 * `dummy` runs (the competitions × runs/competitions seeds each) at `maxParallel` `--parallel`, printing
 * progress as it goes, and prints:
 *   - wall time and throughput (runs per minute);
 *   - harness overhead per run, two ways: (a) each run's time outside its container — the child
 *     workflow's start to end (run.json `timings`) minus the container's own start to finish
 *     (run.json `container`); (b) the group's wall time × parallelism / runs minus the mean
 *     container time — what one slot of the group spends per run on anything but the agent,
 *     including the group's own steps and the gaps between one run and the next;
 *   - the parent workflow's history (events and bytes from `describe()`, its largest event),
 *     against Temporal's default limits, extrapolated linearly from the warm-up group and this
 *     one to the group size at which each limit would be reached;
 *   - the CPU time of the workers (with their child processes), the Temporal server and the Docker
 *     engine over the group, per run;
 *   - each worker's peak memory (VmHWM), and the Temporal server's, how many activities each
 *     worker ran and how many runs each host held;
 *   - the most agent containers running at once (Docker events) and any run that did not succeed.
 * Everything it starts is stopped at the end, also on Ctrl-C or an error: the group is cancelled
 * (its containers stopped by the harness), the workers and the server are stopped, anything left
 * of this runs folder in Docker is reaped, and the temporary folder is deleted (kept with --keep).
 * Prints figures; asserts nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { Client } from '../client/sdk';
import { devServerArgs, isPortOpen } from '../temporal/devServer';
import { REPO_ROOT, temporalCliPath, useEnvironment } from '../core/config';
import { prepareCompetition } from '../core/competitions';
import { reapLeftovers } from '../core/sandbox/reaper';
import { newRunGroupId } from '../core/runs/ids';
import { QUERIES } from '../temporal/contract';
import { log } from '../core/log';
import type { RunGroupResult, RunResult } from '../core/runs/types';
import {
  activitiesByWorker,
  fmtStats,
  freePort,
  historyFigures,
  machineCpu,
  pidsNamed,
  procCpuSecs,
  procMem,
  sizeAtLimit,
  stats,
  stopProcess,
  watchContainers,
  type ContainerWatch,
} from './measure';

/** Temporal's default limits (server dynamic config; the dev server and a default self-hosted cluster). */
const LIMITS = {
  historyEvents: { warn: 10_240, error: 51_200 },
  historyBytes: { warn: 10 * 1024 * 1024, error: 50 * 1024 * 1024 },
  /** One payload (an activity's input, a workflow's result...): `limit.blobSize`. */
  blobBytes: { warn: 512 * 1024, error: 2 * 1024 * 1024 },
};

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const RUNS = Number(arg('runs', '200'));
const PARALLEL = Number(arg('parallel', '16'));
const WORKERS = Number(arg('workers', '2'));
/** Small competitions prepared from npm packages (offline); the runs are split evenly between them (at most 100 seeds each). */
const COMPETITIONS = arg('competitions', 'sotu-authorship,us-births').split(',').filter(Boolean);
const SEEDS = RUNS / COMPETITIONS.length;
const COMPETITION_LIST = COMPETITIONS.join(' + ');
/** About two runs per worker, on every competition. */
const WARMUP_SEEDS = Math.max(1, Math.round((2 * WORKERS) / COMPETITIONS.length));
const WARMUP_RUNS = WARMUP_SEEDS * COMPETITIONS.length;
const KEEP = flag('keep');
const SAME_HOST = flag('same-host');

const secs = (ms: number) => (ms / 1000).toFixed(1);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 2 : 1);
const kb = (bytes: number) => (bytes / 1024).toFixed(0);
const elapsed = (since: number) => `${secs(Date.now() - since).padStart(6)} s`;

// ---------------------------------------------------------------------------------------------

const children: ChildProcess[] = [];
const docker = new Docker();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-scale-'));
const runsDir = path.join(scratch, 'runs');
const dataDir = path.join(scratch, 'data');
let client: Client | undefined;
let watch: ContainerWatch | undefined;
/** The group that may still be running (cancelled on an early stop). */
let liveGroup: string | undefined;
let cleanupPromise: Promise<void> | undefined;

/** Starts a process in its own process group, so a Ctrl-C reaches only this script, which stops everything in order. */
function startChild(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, { env, stdio: ['ignore', out, out], detached: true });
  children.push(child);
  return child;
}

async function startServer(): Promise<{ address: string; process: ChildProcess; logFile: string }> {
  const cli = temporalCliPath();
  if (!existsSync(cli)) throw new Error(`the Temporal CLI is not installed at ${cli}: run "bash scripts/setup.sh" first`);
  const port = await freePort();
  const logFile = path.join(scratch, 'temporal-server.log');
  const child = startChild(
    cli,
    devServerArgs({ port, uiPort: port + 1000, dbFile: path.join(scratch, 'temporal.db'), headless: true }),
    process.env,
    logFile,
  );
  const deadline = Date.now() + 60_000;
  while (!(await isPortOpen(port))) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited with code ${child.exitCode}; see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`the Temporal dev server did not answer on :${port} within 60 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { address: `127.0.0.1:${port}`, process: child, logFile };
}

async function startWorker(i: number, env: NodeJS.ProcessEnv): Promise<{ process: ChildProcess; logFile: string }> {
  const main = path.join(REPO_ROOT, 'dist', 'client', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first`);
  const logFile = path.join(scratch, `worker-${i}.log`);
  const child = startChild(process.execPath, [main, 'worker'], env, logFile);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    if (text.includes('worker polling')) return { process: child, logFile };
    if (child.exitCode !== null) throw new Error(`worker ${i} exited with code ${child.exitCode}:\n${text.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`worker ${i} did not start polling within 60 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Mount points under the temporary folder (a run's scratch filesystem left mounted). */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' ') ?? '')
    .filter((m) => m.startsWith(dir + path.sep));
}

/** Stops everything this script started, in order; idempotent. */
function cleanup(): Promise<void> {
  cleanupPromise ??= (async () => {
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        console.error(`cleanup: ${what} failed: ${(err as Error).message}`);
      }
    };
    if (liveGroup && client) {
      const id = liveGroup;
      console.error(`cleanup: cancelling group ${id} (its containers are stopped by the harness)...`);
      await step('cancel the group', async () => {
        await client!.cancel(id);
        const handle = (await client!.workflowClient()).workflow.getHandle(id);
        await Promise.race([handle.result().catch(() => undefined), new Promise((r) => setTimeout(r, 90_000))]);
      });
    }
    watch?.stop();
    const [server, ...workers] = children;
    await Promise.all(workers.map((w) => step('stop a worker', () => stopProcess(w, 30_000))));
    // Whatever is left of this runs folder in Docker (its workflows are over, or ours to end): removed,
    // with the runs' scratch filesystems.
    await step('reap leftovers', async () => {
      const report = await reapLeftovers({ runsDir, workflowState: () => Promise.resolve('closed'), docker });
      if (report.reaped.length) console.error(`cleanup: removed ${report.reaped.length} leftover container(s)/network(s)`);
    });
    for (const mount of mountsUnder(scratch).reverse()) {
      await step(
        `unmount ${mount}`,
        () => new Promise((resolve) => spawn('umount', ['-l', mount], { stdio: 'ignore' }).once('exit', resolve)),
      );
    }
    await step('close the client', async () => client?.close());
    if (server) await step('stop the Temporal server', () => stopProcess(server, 15_000));
    if (KEEP) console.error(`kept ${scratch} (runs, data, logs)`);
    else if (mountsUnder(scratch).length) console.error(`left ${scratch}: something is still mounted under it`);
    else rmSync(scratch, { recursive: true, force: true });
  })();
  return cleanupPromise;
}

let interrupted = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (++interrupted > 1) {
      console.error('second signal: killing the server and workers now');
      for (const c of children) c.kill('SIGKILL');
      process.exit(130);
    }
    console.error(`\n${signal}: stopping (again to force)...`);
    void cleanup().finally(() => process.exit(130));
  });
}
// Never leave a child behind, however this process ends.
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

async function main(): Promise<void> {
  useEnvironment(process.env);
  mkdirSync(runsDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  process.env.MLEBENCH_RUNS_DIR = runsDir;
  process.env.MLEBENCH_DATA_DIR = dataDir;
  log.level = process.env.MLEBENCH_LOG_LEVEL ?? 'warn';
  const t0 = Date.now();
  if (!Number.isInteger(SEEDS) || SEEDS < 1 || SEEDS > 100) {
    throw new Error(
      `--runs ${RUNS} over ${COMPETITIONS.length} competition(s) is ${SEEDS} seeds each: it must be a whole number from 1 to 100`,
    );
  }
  console.log(
    `scale benchmark: ${RUNS} dummy runs (${COMPETITION_LIST}, ${SEEDS} seeds each) at parallelism ${PARALLEL}, ${WORKERS} worker processes`,
  );
  console.log(`machine: ${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GB; temporary folder ${scratch}`);

  const server = await startServer();
  const env = { ...process.env, TEMPORAL_ADDRESS: server.address, MLEBENCH_LOG_LEVEL: process.env.MLEBENCH_LOG_LEVEL ?? 'warn' };
  for (const id of COMPETITIONS) await prepareCompetition(id, { dataDir });
  const hostOf = (i: number) => (SAME_HOST ? undefined : `bench-host-${i}`);
  const workers = await Promise.all(
    Array.from({ length: WORKERS }, (_, i) => startWorker(i + 1, hostOf(i + 1) ? { ...env, MLEBENCH_HOST_ID: hostOf(i + 1) } : env)),
  );
  const pids = workers.map((w) => w.process.pid!);
  console.log(
    `[${elapsed(t0)}] Temporal dev server on ${server.address} (pid ${server.process.pid}); workers pid ${pids.join(', ')}; ${COMPETITION_LIST} prepared`,
  );
  client = new Client({ address: server.address, uiUrl: null });
  const workflow = (await client.workflowClient()).workflow;

  // Warm-up: both workers load their bundle and start a first container; its history is the
  // second point of the extrapolation.
  const warmupId = newRunGroupId('dummy', new Date(), randomBytes(2).toString('hex'));
  liveGroup = warmupId;
  const w0 = Date.now();
  await client.run({ agentId: 'dummy', competitions: COMPETITIONS, nSeeds: WARMUP_SEEDS, maxParallel: WARMUP_RUNS }, { groupId: warmupId });
  const warmup = await client.waitForCompletion(warmupId);
  liveGroup = undefined;
  const warmupHistory = await historyFigures(client, warmupId);
  console.log(
    `[${elapsed(t0)}] warm-up: ${WARMUP_RUNS} runs at ${WARMUP_RUNS} in ${secs(Date.now() - w0)} s (${warmup.runs.filter((r) => r.outcome === 'succeeded').length} succeeded)`,
  );

  const groupId = newRunGroupId('dummy', new Date(), randomBytes(2).toString('hex'));
  watch = await watchContainers(docker, groupId);
  const engine = pidsNamed(['dockerd', 'containerd']);
  const cpuBefore = [...pids, server.process.pid!, ...engine].map(procCpuSecs);
  const machineBefore = machineCpu();
  const started = Date.now();
  liveGroup = groupId;
  await client.run({ agentId: 'dummy', competitions: COMPETITIONS, nSeeds: SEEDS, maxParallel: PARALLEL }, { groupId });
  const handle = workflow.getHandle<() => Promise<RunGroupResult>>(groupId);
  const resultPromise = handle.result();
  let finished = false;
  void resultPromise.then(
    () => (finished = true),
    () => (finished = true),
  );
  const load: number[] = [];
  while (!finished) {
    await Promise.race([resultPromise.catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
    if (finished) break;
    load.push(os.loadavg()[0]!);
    const progress = await handle.query(QUERIES.progress).catch(() => null);
    const done = progress?.done ?? 0;
    const rate = done / ((Date.now() - started) / 60_000);
    console.log(
      `[${elapsed(t0)}] ${String(done).padStart(4)}/${RUNS} done, ${String(progress?.running ?? 0).padStart(2)} children running, ` +
        `${String(watch.running).padStart(2)} containers (max ${watch.maxRunning}), ${rate.toFixed(0)} runs/min, ` +
        `worker RSS ${pids.map((p) => `${mb(procMem(p, 'VmRSS'))} MB`).join(' / ')}, load ${load[load.length - 1]!.toFixed(1)}`,
    );
  }
  await resultPromise;
  const wallMs = Date.now() - started;
  liveGroup = undefined;
  // Let the last containers' die events arrive.
  await new Promise((r) => setTimeout(r, 1000));
  const cpu = [...pids, server.process.pid!, ...engine].map((p, i) => procCpuSecs(p) - cpuBefore[i]!);
  const machineAfter = machineCpu();
  const workerPeaks = pids.map((p) => procMem(p, 'VmHWM'));
  const serverPeak = procMem(server.process.pid, 'VmHWM');

  // Figures.
  // The records are the run.json files in the group's folder (the result carries counts only).
  const runs: RunResult[] = (await client.waitForCompletion(groupId)).runs;
  const failed = runs.filter((r) => r.outcome !== 'succeeded');
  const timed = runs.filter((r) => r.container);
  const child = timed.map((r) => (Date.parse(r.timings.finishedAt) - Date.parse(r.timings.startedAt)) / 1000);
  const container = timed.map((r) => (Date.parse(r.container!.finishedAt) - Date.parse(r.container!.startedAt)) / 1000);
  const outside = timed.map((_, i) => child[i]! - container[i]!);
  const meanContainer = stats(container).mean;
  const slotSecsPerRun = ((wallMs / 1000) * PARALLEL) / runs.length;
  const history = await historyFigures(client, groupId);
  const byWorker = await activitiesByWorker(
    client,
    runs.map((r) => r.runId),
  );

  console.log('');
  console.log(
    `${runs.length} dummy runs on ${COMPETITION_LIST} at parallelism ${PARALLEL}, ${WORKERS} worker processes (${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GB)`,
  );
  console.log(`  wall time        : ${secs(wallMs)} s (start of the group to its result)`);
  console.log(`  throughput       : ${((runs.length / wallMs) * 60_000).toFixed(1)} runs/min`);
  console.log(
    `  failed runs      : ${failed.length}${failed.length ? ` (${[...new Set(failed.map((r) => `${r.outcome}: ${r.reason ?? ''}`))].slice(0, 3).join('; ')})` : ''}`,
  );
  const restarts = runs.reduce((sum, r) => sum + (r.hostRestarts ?? 0) + (r.agentRetries ?? 0), 0);
  console.log(
    `  containers       : ${watch.starts} started, at most ${watch.maxRunning} at once; ${restarts} host restart(s) or agent retries`,
  );
  if (load.length) {
    const others = (await docker.listContainers({ filters: { status: ['running'] } })).length;
    console.log(
      `  machine load     : 1-min load average ${stats(load).mean.toFixed(1)} mean, ${stats(load).max.toFixed(1)} max during the group; ${others} other container(s) running at the end`,
    );
  }
  console.log(`  per run          : child workflow ${fmtStats(stats(child))}`);
  console.log(`                     in its container ${fmtStats(stats(container))}`);
  console.log(`  overhead/run (a) : outside the container ${fmtStats(stats(outside))}`);
  console.log(`                     (child workflow start to end minus the container's start to finish, from run.json)`);
  console.log(
    `  overhead/run (b) : ${(slotSecsPerRun - meanContainer).toFixed(2)} s = wall ${secs(wallMs)} s × ${PARALLEL} / ${runs.length} runs ` +
      `(${slotSecsPerRun.toFixed(2)} s per run per slot) − mean container time ${meanContainer.toFixed(2)} s`,
  );
  const workerCpu = cpu.slice(0, WORKERS).reduce((a, b) => a + b, 0);
  const serverCpu = cpu[WORKERS]!;
  const engineCpu = cpu.slice(WORKERS + 1).reduce((a, b) => a + b, 0);
  const perRunCpu = (v: number) => `${(v / runs.length).toFixed(2)} s`;
  console.log(
    `  CPU per run      : workers ${perRunCpu(workerCpu)} (with their child processes), Temporal server ${perRunCpu(serverCpu)}, ` +
      `Docker engine ${perRunCpu(engineCpu)} (dockerd + containerd, shared with anything else running); ` +
      `the machine has ${((os.cpus().length * wallMs) / 1000 / runs.length).toFixed(2)} core-s per run at this throughput`,
  );
  const machineTotal = machineAfter.total - machineBefore.total;
  console.log(
    `  machine CPU      : ${((100 * (machineAfter.busy - machineBefore.busy)) / machineTotal).toFixed(0)}% busy, ` +
      `${((100 * (machineAfter.iowait - machineBefore.iowait)) / machineTotal).toFixed(0)}% iowait over the group (/proc/stat, all cores, everything running)`,
  );
  console.log(`parent workflow history (${groupId})`);
  console.log(
    `  this group       : ${history.events} events, ${kb(history.bytes)} KB; largest event ${kb(history.largest.bytes)} KB, ${history.largest.type}`,
  );
  console.log(
    `  warm-up group    : ${warmupHistory.events} events, ${kb(warmupHistory.bytes)} KB for ${WARMUP_RUNS} runs; largest event ${kb(warmupHistory.largest.bytes)} KB`,
  );
  // Results travel by reference (run.json files): what the parent's history costs per run is its child's start and end.
  console.log(
    `  per run          : ${(history.events / RUNS).toFixed(2)} events, ${(history.bytes / RUNS).toFixed(0)} bytes of the parent's history`,
  );
  const n = runs.length;
  const limitLine = (label: string, a: number, b: number, limit: { warn: number; error: number }, unit: (v: number) => string) => {
    const perRun = (b - a) / (n - WARMUP_RUNS);
    const atLimit = sizeAtLimit(WARMUP_RUNS, a, n, b, limit.error);
    console.log(
      `  ${label.padEnd(17)}: ${unit(b)} of ${unit(limit.error)} (${b < limit.error ? 'under' : 'OVER'} the limit; warns at ${unit(limit.warn)}); ` +
        `${unit(perRun)} per run → warning at ~${sizeAtLimit(WARMUP_RUNS, a, n, b, limit.warn)} runs, limit at ~${atLimit} runs`,
    );
    return atLimit;
  };
  const count = (v: number) => (v < 100 ? v.toFixed(1) : String(Math.round(v)));
  const size = (v: number) => (v < 1024 * 1024 ? `${(v / 1024).toFixed(v < 10 * 1024 ? 1 : 0)} KB` : `${mb(v)} MB`);
  const atEvents = limitLine('events', warmupHistory.events, history.events, LIMITS.historyEvents, count);
  const atBytes = limitLine('bytes', warmupHistory.bytes, history.bytes, LIMITS.historyBytes, size);
  const atPayload = limitLine('largest event', warmupHistory.largest.bytes, history.largest.bytes, LIMITS.blobBytes, size);
  console.log(
    `  (limits: Temporal's defaults, limit.historyCount / limit.historySize per history, limit.blobSize per payload; ` +
      `group sizes extrapolated linearly from the warm-up group and this one)`,
  );
  const atHistory = Math.min(atEvents, atBytes);
  console.log(
    `  continue-as-new  : ${atHistory > n ? 'not needed at this size' : 'NEEDED at this size'}; the parent's history would need it from ~${atHistory} runs ` +
      `(${atEvents <= atBytes ? 'event count' : 'bytes'})` +
      (atPayload < atHistory
        ? `; but one payload reaches ${size(LIMITS.blobBytes.error)} first, at ~${atPayload} runs (${history.largest.type}), which continue-as-new does not shrink`
        : ''),
  );
  console.log('memory (peak resident set, VmHWM)');
  pids.forEach((pid, i) => {
    const ran = [...byWorker].find(([identity]) => identity.startsWith(`${pid}@`))?.[1];
    const host = hostOf(i + 1);
    const held = host ? `; host ${host} held ${runs.filter((r) => r.host === host).length} runs` : '';
    console.log(
      `  worker ${i + 1} (pid ${pid}) : ${mb(workerPeaks[i]!)} MB; ran ${ran?.all ?? 0} activities of this group, ${ran?.runAgent ?? 0} of them runAgent${held}`,
    );
  });
  console.log(`  Temporal server  : ${mb(serverPeak)} MB`);
}

main()
  .catch((err: unknown) => {
    if (interrupted) return; // the group was cancelled on purpose
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
