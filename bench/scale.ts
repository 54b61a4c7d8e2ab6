/**
 * Benchmark: several run groups at once across several worker processes, each a Docker host
 * with fewer agent slots than the groups ask for.
 *
 *   npm run build && npm run bench:scale -- [--runs 200] [--groups 2] [--parallel 8] [--host-slots 3] [--workers 2]
 *       [--competitions sotu-authorship,us-births] [--same-host] [--keep]
 *
 * Starts its own Temporal dev server (the installed CLI, SQLite in a temporary folder, its
 * Prometheus metrics on a free port) and `--workers` worker processes (`mlebench worker` from
 * dist/, all on the shared task queue; each acting as a Docker host of its own,
 * `MLEBENCH_HOST_ID=bench-host-<n>`, unless --same-host, with `MLEBENCH_HOST_SLOTS=--host-slots`;
 * each with the heap sampler, bench/heapSampler.ts), with a temporary runs and data folder; runs
 * a small warm-up group, then `--groups` groups at once, each of `--runs` `dummy` runs (the
 * competitions × runs/competitions seeds each) at `maxParallel` `--parallel`, waited on as
 * `mlebench run` waits (the SDK's `waitForCompletion` with progress), printing progress as it
 * goes, and prints:
 *   - wall time and throughput (runs per minute);
 *   - agent slots used: containers at once in all and on each host (Docker events), against the
 *     hosts' slots; each run's wait before its container (child start to container start); host
 *     restarts (0 expected: a full host is not a dead one) and agent retries;
 *   - queries per minute the Temporal server answered while the groups ran (its QueryWorkflow count);
 *   - harness overhead per run, two ways: (a) each run's time outside its container — the child
 *     workflow's start to end (run.json `timings`) minus the container's own start to finish
 *     (run.json `container`); (b) the wall time × the containers the slots allow at once / runs
 *     minus the mean container time — what one slot spends per run on anything but the agent;
 *   - the first group's parent workflow history (events and bytes from `describe()`, its largest
 *     event), against Temporal's default limits, extrapolated linearly from the warm-up group;
 *   - the CPU time of the workers (with their child processes), the Temporal server and the Docker
 *     engine over the groups, per run;
 *   - each worker's memory over the whole run (bench/scaleMemory.ts): heap in use after a full
 *     collection per thread and the resident set at 0/25/50/75/100 % of the runs and their growth
 *     per 100 runs over the second half; peak resident set (VmHWM), the server's too; how many
 *     activities each worker ran and how many runs each host held.
 * Everything it starts is stopped at the end, also on Ctrl-C or an error (bench/scaleProcesses.ts).
 * Prints figures; asserts nothing.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { Client } from '../client/sdk';
import { useEnvironment } from '../core/config';
import { prepareCompetition } from '../core/competitions';
import { newRunGroupId } from '../core/runs/ids';
import { log } from '../core/log';
import type { GroupProgress, RunResult } from '../core/runs/types';
import { scrapeMetrics, serverQueries } from '../temporal/metrics';
import {
  activitiesByWorker,
  fmtStats,
  historyFigures,
  machineCpu,
  pidsNamed,
  procCpuSecs,
  procMem,
  sizeAtLimit,
  stats,
  watchContainers,
} from './measure';
import { BenchSession } from './scaleProcesses';
import { memoryLines, readHeapSamples, type DoneTimeline } from './scaleMemory';

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

/** Runs per group. */
const RUNS = Number(arg('runs', '200'));
const GROUPS = Number(arg('groups', '2'));
const PARALLEL = Number(arg('parallel', '8'));
/** Each host's agent slots (MLEBENCH_HOST_SLOTS): fewer than the groups ask for, so runs wait for a slot. */
const HOST_SLOTS = Number(arg('host-slots', '3'));
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
const HOSTS = SAME_HOST ? 1 : WORKERS;
/** Containers the hosts' slots allow at once (what the groups' maxParallel would allow, if less). */
const CONCURRENCY = Math.min(GROUPS * PARALLEL, HOSTS * HOST_SLOTS);
const TOTAL = RUNS * GROUPS;

const secs = (ms: number) => (ms / 1000).toFixed(1);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 2 : 1);
const kb = (bytes: number) => (bytes / 1024).toFixed(0);
const elapsed = (since: number) => `${secs(Date.now() - since).padStart(6)} s`;
const newGroupId = () => newRunGroupId('dummy', new Date(), randomBytes(2).toString('hex'));

// ---------------------------------------------------------------------------------------------

const docker = new Docker();
const session = new BenchSession(docker, KEEP);
session.stopOnSignals();

async function main(): Promise<void> {
  useEnvironment(process.env);
  const { runsDir, dataDir, scratch } = session;
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
    `scale benchmark: ${GROUPS} groups at once of ${RUNS} dummy runs each (${COMPETITION_LIST}, ${SEEDS} seeds each) at parallelism ${PARALLEL}, ` +
      `${WORKERS} worker processes, ${HOSTS} host(s) of ${HOST_SLOTS} agent slots`,
  );
  console.log(`machine: ${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GB; temporary folder ${scratch}`);

  const server = await session.startServer();
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: server.address,
    MLEBENCH_LOG_LEVEL: process.env.MLEBENCH_LOG_LEVEL ?? 'warn',
    MLEBENCH_HOST_SLOTS: String(HOST_SLOTS),
  };
  for (const id of COMPETITIONS) await prepareCompetition(id, { dataDir });
  const hostOf = (i: number) => (SAME_HOST ? undefined : `bench-host-${i}`);
  const workers = await Promise.all(
    Array.from({ length: WORKERS }, (_, i) =>
      session.startWorker(i + 1, hostOf(i + 1) ? { ...env, MLEBENCH_HOST_ID: hostOf(i + 1) } : env),
    ),
  );
  const pids = workers.map((w) => w.process.pid!);
  console.log(
    `[${elapsed(t0)}] Temporal dev server on ${server.address} (pid ${server.process.pid}); workers pid ${pids.join(', ')}; ${COMPETITION_LIST} prepared`,
  );
  const client = new Client({ address: server.address, uiUrl: null });
  session.client = client;

  // Warm-up: both workers load their bundle and start a first container; its history is the
  // second point of the extrapolation.
  const warmupId = newGroupId();
  session.liveGroups.add(warmupId);
  const w0 = Date.now();
  await client.run({ agentId: 'dummy', competitions: COMPETITIONS, nSeeds: WARMUP_SEEDS, maxParallel: WARMUP_RUNS }, { groupId: warmupId });
  const warmup = await client.waitForCompletion(warmupId);
  session.liveGroups.delete(warmupId);
  const warmupHistory = await historyFigures(client, warmupId);
  console.log(
    `[${elapsed(t0)}] warm-up: ${WARMUP_RUNS} runs at ${WARMUP_RUNS} in ${secs(Date.now() - w0)} s (${warmup.runs.filter((r) => r.outcome === 'succeeded').length} succeeded)`,
  );

  const groupIds = Array.from({ length: GROUPS }, newGroupId);
  const watch = await watchContainers(docker, groupIds);
  session.watch = watch;
  const engine = pidsNamed(['dockerd', 'containerd']);
  const cpuBefore = [...pids, server.process.pid!, ...engine].map(procCpuSecs);
  const machineBefore = machineCpu();
  const queriesBefore = serverQueries(await scrapeMetrics(server.metrics));
  const started = Date.now();
  for (const groupId of groupIds) {
    session.liveGroups.add(groupId);
    await client.run({ agentId: 'dummy', competitions: COMPETITIONS, nSeeds: SEEDS, maxParallel: PARALLEL }, { groupId });
  }
  // Waited on as `mlebench run` waits: one progress query per group per tick.
  const latest = new Map<string, GroupProgress>();
  const timeline: DoneTimeline = [{ t: started, done: 0 }];
  const doneNow = () => [...latest.values()].reduce((sum, p) => sum + p.done, 0);
  const waits = groupIds.map((groupId) =>
    client
      .waitForCompletion(groupId, {
        onProgress: (progress) => {
          latest.set(groupId, progress);
          timeline.push({ t: Date.now(), done: doneNow() });
        },
      })
      .finally(() => session.liveGroups.delete(groupId)),
  );
  let finished = false;
  const all = Promise.all(waits).finally(() => (finished = true));
  const load: number[] = [];
  while (!finished) {
    await Promise.race([all.catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
    if (finished) break;
    load.push(os.loadavg()[0]!);
    const done = doneNow();
    const running = [...latest.values()].reduce((sum, p) => sum + p.running, 0);
    const rate = done / ((Date.now() - started) / 60_000);
    const perHost = [...watch.byHost].map(([host, c]) => `${host} ${c.running}`).join(', ');
    console.log(
      `[${elapsed(t0)}] ${String(done).padStart(4)}/${TOTAL} done, ${String(running).padStart(2)} children running, ` +
        `${String(watch.running).padStart(2)} containers (${perHost || 'none yet'}; max ${watch.maxRunning}), ${rate.toFixed(0)} runs/min, ` +
        `worker RSS ${pids.map((p) => `${mb(procMem(p, 'VmRSS'))} MB`).join(' / ')}, load ${load[load.length - 1]!.toFixed(1)}`,
    );
  }
  const groups = await all;
  const wallMs = Date.now() - started;
  timeline.push({ t: Date.now(), done: TOTAL });
  const queries = serverQueries(await scrapeMetrics(server.metrics)) - queriesBefore;
  // Let the last containers' die events arrive.
  await new Promise((r) => setTimeout(r, 1000));
  const cpu = [...pids, server.process.pid!, ...engine].map((p, i) => procCpuSecs(p) - cpuBefore[i]!);
  const machineAfter = machineCpu();
  const workerPeaks = pids.map((p) => procMem(p, 'VmHWM'));
  const serverPeak = procMem(server.process.pid, 'VmHWM');

  // Figures.
  // The records are the run.json files in the groups' folders (the results carry counts only).
  const runs: RunResult[] = groups.flatMap((g) => g.runs);
  const failed = runs.filter((r) => r.outcome !== 'succeeded');
  const timed = runs.filter((r) => r.container);
  const child = timed.map((r) => (Date.parse(r.timings.finishedAt) - Date.parse(r.timings.startedAt)) / 1000);
  const container = timed.map((r) => (Date.parse(r.container!.finishedAt) - Date.parse(r.container!.startedAt)) / 1000);
  const before = timed.map((r) => (Date.parse(r.container!.startedAt) - Date.parse(r.timings.startedAt)) / 1000);
  const outside = timed.map((_, i) => child[i]! - container[i]!);
  const meanContainer = stats(container).mean;
  const slotSecsPerRun = ((wallMs / 1000) * CONCURRENCY) / runs.length;
  const history = await historyFigures(client, groupIds[0]!);
  const byWorker = await activitiesByWorker(
    client,
    runs.map((r) => r.runId),
  );

  console.log('');
  console.log(
    `${runs.length} dummy runs in ${GROUPS} groups at once on ${COMPETITION_LIST}, each at parallelism ${PARALLEL}; ${WORKERS} worker processes, ` +
      `${HOSTS} host(s) of ${HOST_SLOTS} agent slots (${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GB)`,
  );
  console.log(`  wall time        : ${secs(wallMs)} s (start of the first group to the last result)`);
  console.log(`  throughput       : ${((runs.length / wallMs) * 60_000).toFixed(1)} runs/min`);
  console.log(
    `  failed runs      : ${failed.length}${failed.length ? ` (${[...new Set(failed.map((r) => `${r.outcome}: ${r.reason ?? ''}`))].slice(0, 3).join('; ')})` : ''}`,
  );
  const hostRestarts = runs.reduce((sum, r) => sum + (r.hostRestarts ?? 0), 0);
  const agentRetries = runs.reduce((sum, r) => sum + (r.agentRetries ?? 0), 0);
  console.log(
    `  slots used       : ${watch.starts} containers started, at most ${watch.maxRunning} at once of ${HOSTS * HOST_SLOTS} slots in all`,
  );
  for (const [host, c] of [...watch.byHost].sort()) {
    console.log(`                     ${host}: at most ${c.maxRunning} at once of its ${HOST_SLOTS} slots, ${c.starts} started`);
  }
  console.log(`  waits            : before its container ${fmtStats(stats(before))}`);
  console.log(`                     (child workflow start to container start: prepare, host claim, a free slot, the container's set-up)`);
  console.log(`  host restarts    : ${hostRestarts} (a full host is not a dead one); agent retries ${agentRetries}`);
  console.log(
    `  queries          : ${queries} in ${secs(wallMs)} s, ${((queries / wallMs) * 60_000).toFixed(1)} per minute while ${GROUPS} groups were waited on ` +
      `(the server's QueryWorkflow count; one progress query per group per tick)`,
  );
  if (load.length) {
    const others = (await docker.listContainers({ filters: { status: ['running'] } })).length;
    console.log(
      `  machine load     : 1-min load average ${stats(load).mean.toFixed(1)} mean, ${stats(load).max.toFixed(1)} max during the groups; ${others} other container(s) running at the end`,
    );
  }
  console.log(`  per run          : child workflow ${fmtStats(stats(child))}`);
  console.log(`                     in its container ${fmtStats(stats(container))}`);
  console.log(`  overhead/run (a) : outside the container ${fmtStats(stats(outside))}`);
  console.log(`                     (child workflow start to end minus the container's start to finish, from run.json)`);
  console.log(
    `  overhead/run (b) : ${(slotSecsPerRun - meanContainer).toFixed(2)} s = wall ${secs(wallMs)} s × ${CONCURRENCY} slots / ${runs.length} runs ` +
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
      `${((100 * (machineAfter.iowait - machineBefore.iowait)) / machineTotal).toFixed(0)}% iowait over the groups (/proc/stat, all cores, everything running)`,
  );
  console.log(`the first group's parent workflow history (${groupIds[0]})`);
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
  const n = RUNS;
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
  console.log('worker memory over the whole run (heap in use after a full collection, per thread; resident set)');
  workers.forEach((w, i) => {
    for (const line of memoryLines(`worker ${i + 1}`, readHeapSamples(w.heapFile), timeline, started, TOTAL)) console.log(line);
  });
  console.log('peak resident set (VmHWM)');
  pids.forEach((pid, i) => {
    const ran = [...byWorker].find(([identity]) => identity.startsWith(`${pid}@`))?.[1];
    const host = hostOf(i + 1);
    const held = host ? `; host ${host} held ${runs.filter((r) => r.host === host).length} runs` : '';
    console.log(
      `  worker ${i + 1} (pid ${pid}) : ${mb(workerPeaks[i]!)} MB; ran ${ran?.all ?? 0} activities of these groups, ${ran?.runAgent ?? 0} of them runAgent${held}`,
    );
  });
  console.log(`  Temporal server  : ${mb(serverPeak)} MB`);
}

main()
  .catch((err: unknown) => {
    if (session.interrupted) return; // the groups were cancelled on purpose
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => session.cleanup());
