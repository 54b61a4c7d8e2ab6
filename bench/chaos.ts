/**
 * Chaos, as proof (issue 17, point 11): one group of long runs on two hosts while a seeded
 * schedule breaks what they stand on.
 *
 *   npm run build && npm run chaos -- [--runs 40] [--work 120] [--duration 20] [--seed N] [--slots 2] [--parallel P]
 *                                     [--docker-pause 30] [--settle 20] [--competitions sotu-authorship,us-births] [--keep]
 *
 * Starts its own Temporal dev server (the installed CLI, its SQLite file in a temporary folder, so
 * a restart keeps its state) and two worker processes, each a Docker host of its own
 * (`MLEBENCH_HOST_ID=chaos-host-<n>`, `MLEBENCH_HOST_SLOTS=--slots`), then one group of `--runs`
 * `dummy/chaos` runs (the agent works `--work` seconds, its run option stepLimit) at `maxParallel`
 * `--parallel` (default: two more than the slots, so runs wait for one, or what fills `--duration`). For `--duration` minutes a schedule made from `--seed` (random unless
 * given; printed, with the schedule) SIGKILLs and SIGTERMs workers and restarts them, restarts the
 * Temporal server, pauses the Docker engine for `--docker-pause` seconds (paused, not stopped:
 * bench/chaosProcesses.ts says why, and drives the processes) and cancels one run.
 *
 * At the end (the group done, or `--settle` minutes after the schedule) it prints each fault and
 * its cost, and checks: every run succeeded or ended for a reason its agent caused (the cancelled
 * one `cancelled`); exactly one container per attempt (Docker events); no agent clock restarted
 * (one container per run, its start time the one its record says, the agent's log began once);
 * nothing left in Docker of this group or runs folder (what it watches: bench/chaosWatch.ts; the
 * checks and the report: bench/chaosReport.ts). Exits 1 when a check fails.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { Client } from '../client/sdk';
import { useEnvironment } from '../core/config';
import { prepareCompetition } from '../core/competitions';
import { buildImages } from '../core/sandbox/images';
import { reapLeftovers } from '../core/sandbox/reaper';
import { newRunGroupId } from '../core/runs/ids';
import { log } from '../core/log';
import { freePort } from './measure';
import { chaosSchedule, describeFault, type Fault } from './chaosSchedule';
import { printReport, secs, type FaultRecord } from './chaosReport';
import { chaosProcesses, hostName, type ChaosProcesses, type FaultOutcome } from './chaosProcesses';
import { agentAttempts, groupEnd, leftovers, mountsUnder, runRecords, watchGroup, workStarts, type GroupWatch } from './chaosWatch';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const RUNS = Number(arg('runs', '40'));
const WORK_SECS = Number(arg('work', '120'));
const DURATION_MS = Number(arg('duration', '20')) * 60_000;
const SEED = Number(arg('seed', String(randomBytes(4).readUInt32BE(0))));
const HOSTS = 2;
const SLOTS = Number(arg('slots', '2'));
/** By default two runs more than the hosts' slots (so runs wait for a slot), or what fills the window if more. */
const PARALLEL = Number(arg('parallel', String(Math.max(HOSTS * SLOTS + 2, Math.ceil((RUNS * WORK_SECS * 1000) / DURATION_MS)))));
const DOCKER_PAUSE_MS = Number(arg('docker-pause', '30')) * 1000;
const SETTLE_MS = Number(arg('settle', '20')) * 60_000;
const COMPETITIONS = arg('competitions', 'sotu-authorship,us-births').split(',').filter(Boolean);
const SEEDS = RUNS / COMPETITIONS.length;
const KEEP = process.argv.includes('--keep');
const AGENT = 'dummy/chaos';

const docker = new Docker();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-chaos-'));
const runsDir = path.join(scratch, 'runs');
const dataDir = path.join(scratch, 'data');
const t0 = Date.now();
const at = (ms = Date.now()) => `+${secs(ms - t0).padStart(6)} s`;
const say = (line: string) => console.log(`[${at()}] ${line}`);

const schedule = chaosSchedule({ seed: SEED, durationMs: DURATION_MS, hosts: HOSTS, dockerDownMs: DOCKER_PAUSE_MS });

let procs: ChaosProcesses | undefined;
let watch: GroupWatch | undefined;
let client: Client | undefined;
let liveGroup: string | undefined;
let cleanupPromise: Promise<void> | undefined;

/** Cancels one run whose agent is working (the schedule's pick among them). */
async function cancelFault(f: Extract<Fault, { kind: 'cancel' }>): Promise<FaultOutcome> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const candidates = [...watch!.liveContainers()]
      .filter(([, c]) => c.started)
      .map(([run]) => run)
      .sort();
    if (candidates.length) {
      const runId = candidates[Math.floor(f.pick * candidates.length)]!;
      await (await client!.workflowClient()).workflow.getHandle(runId).cancel();
      return { endedAt: Date.now(), runId, detail: `cancelled ${runId}` };
    }
    await sleep(5000);
  }
  return { endedAt: Date.now(), detail: 'no run had a working agent for 2 minutes: nothing cancelled' };
}

async function runFault(fault: Fault): Promise<FaultOutcome> {
  switch (fault.kind) {
    case 'worker':
      return procs!.workerFault(fault);
    case 'server':
      return procs!.serverFault(fault);
    case 'docker':
      return { endedAt: Date.now(), detail: await procs!.pauseEngine(fault.downMs) };
    case 'cancel':
      return cancelFault(fault);
  }
}

function cleanup(): Promise<void> {
  cleanupPromise ??= (async () => {
    procs?.resumeEngine();
    watch?.stop();
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        console.error(`cleanup: ${what} failed: ${(err as Error).message}`);
      }
    };
    if (liveGroup && client) {
      const id = liveGroup;
      console.error(`cleanup: cancelling group ${id}...`);
      await step('cancel the group', async () => {
        await client!.cancel(id);
        const handle = (await client!.workflowClient()).workflow.getHandle(id);
        await Promise.race([handle.result().catch(() => undefined), sleep(90_000)]);
      });
    }
    if (procs) await step('stop the workers', () => procs!.stopWorkers(30_000));
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
    if (procs) await step('stop the Temporal server', () => procs!.stopServer());
    if (KEEP) console.error(`kept ${scratch} (runs, data, logs)`);
    else if (mountsUnder(scratch).length) console.error(`left ${scratch}: something is still mounted under it`);
    else rmSync(scratch, { recursive: true, force: true });
  })();
  return cleanupPromise;
}

let interrupted = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    procs?.resumeEngine();
    if (++interrupted > 1) {
      procs?.killAll();
      process.exit(130);
    }
    console.error(`\n${signal}: stopping (again to force)...`);
    void cleanup().finally(() => process.exit(130));
  });
}
process.on('exit', () => {
  procs?.resumeEngine();
  procs?.killAll();
});

async function main(): Promise<number> {
  useEnvironment(process.env);
  const port = await freePort();
  if (!Number.isInteger(SEEDS) || SEEDS < 1 || SEEDS > 100) {
    throw new Error(
      `--runs ${RUNS} over ${COMPETITIONS.length} competition(s) is ${SEEDS} seeds each: it must be a whole number from 1 to 100`,
    );
  }
  mkdirSync(runsDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  process.env.MLEBENCH_RUNS_DIR = runsDir;
  process.env.MLEBENCH_DATA_DIR = dataDir;
  log.level = process.env.MLEBENCH_LOG_LEVEL ?? 'warn';
  console.log(
    `chaos: ${RUNS} ${AGENT} runs of ${WORK_SECS} s (${COMPETITIONS.join(' + ')}) at parallelism ${PARALLEL} on ${HOSTS} hosts of ${SLOTS} slots, ` +
      `${secs(DURATION_MS / 60)} min of faults, seed ${SEED}; temporary folder ${scratch}`,
  );
  console.log(`schedule (replay with --seed ${SEED} --duration ${DURATION_MS / 60_000}):`);
  for (const f of schedule) console.log(`  ${`+${secs(f.at)} s`.padStart(10)}  ${describeFault(f, hostName)}`);

  await buildImages();
  for (const id of COMPETITIONS) await prepareCompetition(id, { dataDir });
  procs = chaosProcesses({
    scratch,
    port,
    hosts: HOSTS,
    slots: SLOTS,
    env: { ...process.env, MLEBENCH_LOG_LEVEL: process.env.MLEBENCH_LOG_LEVEL ?? 'info' },
  });
  await procs.startServer();
  for (let h = 1; h <= HOSTS; h++) await procs.startWorker(h);
  client = new Client({ address: procs.address, uiUrl: null });
  const groupId = newRunGroupId('dummy', new Date(), randomBytes(2).toString('hex'));
  watch = watchGroup(docker, groupId);
  await sleep(500);
  liveGroup = groupId;
  await client.run(
    {
      agentId: AGENT,
      competitions: COMPETITIONS,
      nSeeds: SEEDS,
      maxParallel: PARALLEL,
      stepLimit: WORK_SECS,
      timeLimitSecs: Math.max(3 * WORK_SECS, WORK_SECS + 600),
    },
    { groupId },
  );
  const start = Date.now();
  const workers = procs.workers.map((w, i) => `${hostName(i + 1)} pid ${w.proc!.pid}`).join(', ');
  say(`group ${groupId} started; server ${procs.address}, workers ${workers}`);
  void watch.watchSteps(client);
  let ended: { at: number; error?: string } | undefined;
  void groupEnd((await client.workflowClient()).workflow.getHandle(groupId)).then((e) => (ended = e));

  const faults: FaultRecord[] = [];
  for (const fault of schedule) {
    while (!ended && Date.now() < start + fault.at) await sleep(500);
    if (ended) break;
    const startedAt = Date.now();
    say(`fault: ${describeFault(fault, hostName)}`);
    const result = await runFault(fault);
    faults.push({ fault, startedAt, ...result, endedAt: Math.max(result.endedAt, Date.now()) });
    say(`  ${result.detail}`);
  }
  const skipped = schedule.length - faults.length;
  if (skipped) say(`the group ended before ${skipped} fault(s) of the schedule`);
  else say('schedule done; waiting for the group');
  const settleBy = Date.now() + SETTLE_MS;
  while (!ended && Date.now() < settleBy) await sleep(1000);
  const endAt = ended?.at ?? Date.now();
  if (ended) {
    liveGroup = undefined;
    say(`group ${ended.error ? `ended ${ended.error}` : 'completed'} after ${secs(endAt - start)} s`);
  } else say(`group still running ${secs(SETTLE_MS)} s after the schedule: checking what there is`);

  // Leftovers: the group's end should leave nothing; given a minute for the last removals.
  let left: string[] = [];
  const cleanBy = Date.now() + 60_000;
  do {
    left = await leftovers(docker, groupId, runsDir, scratch).catch((err: Error) => [`cannot list: ${err.message}`]);
    if (!left.length) break;
    await sleep(2000);
  } while (Date.now() < cleanBy);
  const cleanSecs = (Date.now() - endAt) / 1000;
  watch.stop();

  const runs = await runRecords(runsDir);
  const failed = printReport({
    groupEnd: ended,
    runs,
    expectedRuns: RUNS,
    faults,
    events: watch.events,
    steps: watch.steps,
    workStarts: await workStarts(runs),
    attempts: await agentAttempts(
      client,
      runs.map((r) => r.runId),
    ),
    left,
    cleanSecs,
    workSecs: WORK_SECS,
    slots: HOSTS * SLOTS,
    incarnations: procs.workers.map((w) => w.incarnations),
    hostName,
    at,
  });
  console.log(
    `\n${failed ? `${failed} check(s) FAILED` : 'all checks passed'} (seed ${SEED}); logs in ${scratch}${KEEP ? '' : ' (deleted: --keep keeps them)'}`,
  );
  return failed ? 1 : 0;
}

main()
  .then((code) => (process.exitCode = code))
  .catch((err: unknown) => {
    if (interrupted) return;
    console.error(err);
    process.exitCode = 1;
  })
  // The SDK's connections may hold the event loop open: exit once everything is stopped.
  .finally(() => cleanup().then(() => process.exit()));
