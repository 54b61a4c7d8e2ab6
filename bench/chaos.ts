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
 * Temporal server, pauses the Docker engine for `--docker-pause` seconds and cancels one run.
 *
 * The Docker engine is paused (SIGSTOP, then SIGCONT to dockerd), not stopped: it runs without
 * live-restore and is shared with everything else on the machine, so stopping it would kill every
 * container on it, this group's and others'. Paused, it answers no call (as a hung or restarting
 * engine), while containerd keeps the containers running. A detached watchdog resumes it even if
 * this script dies.
 *
 * At the end (the group done, or `--settle` minutes after the schedule) it prints each fault and
 * its cost, and checks: every run succeeded or ended for a reason its agent caused (the cancelled
 * one `cancelled`); exactly one container per attempt (Docker events); no agent clock restarted
 * (one container per run, its start time the one its record says, the agent's log began once);
 * nothing left in Docker of this group or runs folder. Exits 1 when a check fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { temporal } from '@temporalio/proto';
import { Client } from '../client/sdk';
import { devServerArgs, isPortOpen } from '../temporal/devServer';
import { REPO_ROOT, temporalCliPath, useEnvironment } from '../core/config';
import { prepareCompetition } from '../core/competitions';
import { buildImages } from '../core/sandbox/images';
import { dockerEventLines, LABELS, RUNS_DIR_LABEL } from '../core/sandbox/docker';
import { reapLeftovers } from '../core/sandbox/reaper';
import { newRunGroupId } from '../core/runs/ids';
import { log } from '../core/log';
import type { RunResult } from '../core/runs/types';
import { freePort, pidsNamed, stopProcess, exitWithin } from './measure';
import { chaosSchedule, describeFault, type Fault } from './chaosSchedule';
import {
  clockCheck,
  containerCheck,
  faultCost,
  outcomeCheck,
  type Check,
  type ContainerEvent,
  type FaultRecord,
  type StepSnapshot,
} from './chaosReport';

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

const hostName = (i: number) => `chaos-host-${i}`;
const secs = (ms: number) => (ms / 1000).toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const docker = new Docker();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-chaos-'));
const runsDir = path.join(scratch, 'runs');
const dataDir = path.join(scratch, 'data');
const t0 = Date.now();
const at = (ms = Date.now()) => `+${secs(ms - t0).padStart(6)} s`;
const say = (line: string) => console.log(`[${at()}] ${line}`);

// ---------------------------------------------------------------------------------------------
// Processes: the server and one worker per host, each restartable.

let port = 0;
let address = '';
const children = new Set<ChildProcess>();
let server: ChildProcess | undefined;
const workers: { proc?: ChildProcess; incarnations: number }[] = Array.from({ length: HOSTS }, () => ({ incarnations: 0 }));
let workerEnv: NodeJS.ProcessEnv = {};

function startChild(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const out = openSync(logFile, 'a');
  // Its own process group, so a Ctrl-C reaches only this script, which stops everything in order.
  const child = spawn(command, args, { env, stdio: ['ignore', out, out], detached: true });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function startServer(): Promise<void> {
  const cli = temporalCliPath();
  if (!existsSync(cli)) throw new Error(`the Temporal CLI is not installed at ${cli}: run "bash scripts/setup.sh" first`);
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
    await sleep(200);
  }
  server = child;
}

async function startWorker(host: number): Promise<ChildProcess> {
  const main = path.join(REPO_ROOT, 'dist', 'client', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first`);
  const w = workers[host - 1]!;
  const logFile = path.join(scratch, `worker-${host}.${++w.incarnations}.log`);
  const child = startChild(
    process.execPath,
    [main, 'worker'],
    { ...workerEnv, MLEBENCH_HOST_ID: hostName(host), MLEBENCH_HOST_SLOTS: String(SLOTS) },
    logFile,
  );
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
}

// ---------------------------------------------------------------------------------------------
// The Docker engine, paused and resumed.

let pausedEngine: number | undefined;

function resumeEngine(): void {
  if (pausedEngine === undefined) return;
  try {
    process.kill(pausedEngine, 'SIGCONT');
  } catch {
    // gone
  }
  pausedEngine = undefined;
}

async function pauseEngine(ms: number): Promise<string> {
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
}

// ---------------------------------------------------------------------------------------------
// What is watched: the group's container events (at Docker's time, reconnecting from the last one
// seen), and each running agent step as Temporal describes it.

const events: ContainerEvent[] = [];
let stopWatching = false;
let eventStream: Readable | undefined;

function stopWatches(): void {
  stopWatching = true;
  eventStream?.destroy();
}

async function watchEvents(groupId: string): Promise<void> {
  const seen = new Set<string>();
  let since = Math.floor(Date.now() / 1000) - 1;
  const connect = async (): Promise<void> => {
    const stream = (await docker.getEvents({
      since,
      filters: { type: ['container'], event: ['create', 'start', 'die', 'destroy'], label: [`${LABELS.group}=${groupId}`] },
    })) as Readable;
    eventStream = stream;
    if (stopWatching) stream.destroy();
    await dockerEventLines(stream, (e) => {
      const key = `${e.id}/${e.action}/${e.at}`;
      if (seen.has(key)) return;
      seen.add(key);
      since = Math.floor(e.at / 1000);
      events.push({
        action: e.action,
        id: e.id,
        run: e.attributes[LABELS.run] ?? '',
        attempt: e.attributes[LABELS.attempt] ?? '0',
        at: e.at,
      });
    });
  };
  while (!stopWatching) {
    await connect().catch(() => undefined);
    if (!stopWatching) await sleep(1000);
  }
}

/** Runs whose container exists (created, not destroyed). */
function liveContainers(): Map<string, { id: string; started: boolean }> {
  const live = new Map<string, { id: string; started: boolean }>();
  for (const e of events) {
    if (e.action === 'create') live.set(e.run, { id: e.id, started: false });
    if (e.action === 'start' && live.get(e.run)?.id === e.id) live.get(e.run)!.started = true;
    if (e.action === 'die' && live.get(e.run)?.id === e.id) live.get(e.run)!.started = false;
    if (e.action === 'destroy' && live.get(e.run)?.id === e.id) live.delete(e.run);
  }
  return live;
}

const steps = new Map<string, StepSnapshot[]>();

async function watchSteps(client: Client): Promise<void> {
  const workflow = (await client.workflowClient()).workflow;
  while (!stopWatching) {
    const watched = new Set([...liveContainers().keys(), ...[...steps].filter(([, s]) => s[s.length - 1]!.pending).map(([r]) => r)]);
    for (const runId of watched) {
      try {
        const { raw } = await workflow.getHandle(runId).describe();
        const step = raw.pendingActivities?.find((a) => a.activityType?.name === 'runAgent');
        const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
          t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : 0;
        const snap: StepSnapshot = {
          at: Date.now(),
          pending: step !== undefined,
          running: step?.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
          attempt: step?.attempt ?? 0,
          startedAt: ms(step?.lastStartedTime),
          heartbeatAt: ms(step?.lastHeartbeatTime),
          worker: step?.lastWorkerIdentity ?? '',
        };
        const series = steps.get(runId) ?? [];
        series.push(snap);
        steps.set(runId, series);
      } catch {
        // the server is down: nothing to see
      }
    }
    await sleep(2000);
  }
}

// ---------------------------------------------------------------------------------------------
// The faults.

async function workerFault(f: Extract<Fault, { kind: 'worker' }>): Promise<Omit<FaultRecord, 'fault' | 'startedAt'>> {
  const w = workers[f.host - 1]!;
  const proc = w.proc!;
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
}

async function serverFault(f: Extract<Fault, { kind: 'server' }>): Promise<Omit<FaultRecord, 'fault' | 'startedAt'>> {
  const stopped = Date.now();
  await stopProcess(server!, 15_000);
  await sleep(f.downMs);
  await startServer();
  return { endedAt: Date.now(), detail: `down ${secs(Date.now() - stopped)} s` };
}

async function cancelFault(client: Client): Promise<Omit<FaultRecord, 'fault' | 'startedAt'>> {
  const f = schedule.find((x) => x.kind === 'cancel') as Extract<Fault, { kind: 'cancel' }>;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const candidates = [...liveContainers()]
      .filter(([, c]) => c.started)
      .map(([run]) => run)
      .sort();
    if (candidates.length) {
      const runId = candidates[Math.floor(f.pick * candidates.length)]!;
      await (await client.workflowClient()).workflow.getHandle(runId).cancel();
      return { endedAt: Date.now(), runId, detail: `cancelled ${runId}` };
    }
    await sleep(5000);
  }
  return { endedAt: Date.now(), detail: 'no run had a working agent for 2 minutes: nothing cancelled' };
}

const schedule = chaosSchedule({ seed: SEED, durationMs: DURATION_MS, hosts: HOSTS, dockerDownMs: DOCKER_PAUSE_MS });

// ---------------------------------------------------------------------------------------------

let client: Client | undefined;
let liveGroup: string | undefined;
let cleanupPromise: Promise<void> | undefined;

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' ') ?? '')
    .filter((m) => m.startsWith(dir + path.sep));
}

/** What the harness left in Docker for this group and runs folder, and mounted under it. */
async function leftovers(groupId: string): Promise<string[]> {
  const found: string[] = [];
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.group}=${groupId}`] } });
  found.push(...containers.map((c) => `container ${c.Names[0]} (${c.State})`));
  const mine = (labels?: Record<string, string> | null) => labels?.[RUNS_DIR_LABEL] === runsDir;
  const networks = await docker.listNetworks({ filters: { label: [LABELS.run] } });
  found.push(...networks.filter((n) => mine(n.Labels)).map((n) => `network ${n.Name}`));
  const volumes = (await docker.listVolumes({ filters: { label: [LABELS.run] } })).Volumes ?? [];
  found.push(...volumes.filter((v) => mine(v.Labels)).map((v) => `volume ${v.Name}`));
  found.push(...mountsUnder(scratch).map((m) => `mount ${m}`));
  return found;
}

async function runRecords(): Promise<RunResult[]> {
  const files = (await readdir(runsDir, { recursive: true })).filter(
    (f) => path.basename(f) === 'run.json' && !f.includes(`attempts${path.sep}`),
  );
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(path.join(runsDir, f), 'utf8')) as RunResult));
}

/** How many times each run's agent began working, from its own log (logs/dummy.log). */
async function workStarts(records: RunResult[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const r of records) {
    const text = await readFile(path.join(r.runDir, 'logs', 'dummy.log'), 'utf8').catch(() => '');
    counts.set(r.runId, text.split('\n').filter((l) => /\] working \d+s$/.test(l)).length);
  }
  return counts;
}

/** The attempt on which each run's agent step ended (its history's last ActivityTaskStarted of runAgent). */
async function agentAttempts(runIds: string[]): Promise<Map<string, number>> {
  const workflow = (await client!.workflowClient()).workflow;
  const attempts = new Map<string, number>();
  for (const runId of runIds) {
    const history = await workflow
      .getHandle(runId)
      .fetchHistory()
      .catch(() => null);
    const scheduled = new Map<string, string>();
    for (const event of history?.events ?? []) {
      const s = event.activityTaskScheduledEventAttributes;
      if (s) scheduled.set(String(event.eventId), s.activityType?.name ?? '');
      const started = event.activityTaskStartedEventAttributes;
      if (started && scheduled.get(String(started.scheduledEventId)) === 'runAgent') attempts.set(runId, started.attempt ?? 1);
    }
  }
  return attempts;
}

function cleanup(): Promise<void> {
  cleanupPromise ??= (async () => {
    resumeEngine();
    stopWatches();
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
    await Promise.all(workers.map((w) => step('stop a worker', async () => w.proc && stopProcess(w.proc, 30_000))));
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
    if (server) await step('stop the Temporal server', () => stopProcess(server!, 15_000));
    if (KEEP) console.error(`kept ${scratch} (runs, data, logs)`);
    else if (mountsUnder(scratch).length) console.error(`left ${scratch}: something is still mounted under it`);
    else rmSync(scratch, { recursive: true, force: true });
  })();
  return cleanupPromise;
}

let interrupted = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    resumeEngine();
    if (++interrupted > 1) {
      for (const c of children) c.kill('SIGKILL');
      process.exit(130);
    }
    console.error(`\n${signal}: stopping (again to force)...`);
    void cleanup().finally(() => process.exit(130));
  });
}
process.on('exit', () => {
  resumeEngine();
  for (const c of children) c.kill('SIGKILL');
});

async function main(): Promise<number> {
  useEnvironment(process.env);
  port = await freePort();
  address = `127.0.0.1:${port}`;
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
  await startServer();
  workerEnv = { ...process.env, TEMPORAL_ADDRESS: address, MLEBENCH_LOG_LEVEL: process.env.MLEBENCH_LOG_LEVEL ?? 'info' };
  for (let h = 1; h <= HOSTS; h++) await startWorker(h);
  client = new Client({ address, uiUrl: null });
  const groupId = newRunGroupId('dummy', new Date(), randomBytes(2).toString('hex'));
  void watchEvents(groupId);
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
  say(`group ${groupId} started; server ${address}, workers ${workers.map((w, i) => `${hostName(i + 1)} pid ${w.proc!.pid}`).join(', ')}`);
  void watchSteps(client);
  const handle = (await client.workflowClient()).workflow.getHandle(groupId);
  let groupEnd: { at: number; error?: string } | undefined;
  const waitGroup = async () => {
    for (;;) {
      try {
        await handle.result();
        groupEnd = { at: Date.now() };
        return;
      } catch (err) {
        const status = await handle.describe().then(
          (d) => d.status.name,
          () => 'UNKNOWN',
        );
        if (status !== 'RUNNING' && status !== 'UNKNOWN') {
          groupEnd = { at: Date.now(), error: `${status}: ${(err as Error).message}` };
          return;
        }
        await sleep(2000);
      }
    }
  };
  void waitGroup();

  const records: FaultRecord[] = [];
  for (const fault of schedule) {
    while (!groupEnd && Date.now() < start + fault.at) await sleep(500);
    if (groupEnd) break;
    const startedAt = Date.now();
    say(`fault: ${describeFault(fault, hostName)}`);
    const result =
      fault.kind === 'worker'
        ? await workerFault(fault)
        : fault.kind === 'server'
          ? await serverFault(fault)
          : fault.kind === 'docker'
            ? { endedAt: Date.now(), detail: await pauseEngine(fault.downMs) }
            : await cancelFault(client);
    records.push({ fault, startedAt, ...result, endedAt: Math.max(result.endedAt, Date.now()) });
    say(`  ${result.detail}`);
  }
  const skipped = schedule.length - records.length;
  if (skipped) say(`the group ended before ${skipped} fault(s) of the schedule`);
  else say('schedule done; waiting for the group');
  const settleBy = Date.now() + SETTLE_MS;
  while (!groupEnd && Date.now() < settleBy) await sleep(1000);
  const endAt = groupEnd?.at ?? Date.now();
  if (groupEnd) {
    liveGroup = undefined;
    say(`group ${groupEnd.error ? `ended ${groupEnd.error}` : 'completed'} after ${secs(endAt - start)} s`);
  } else say(`group still running ${secs(SETTLE_MS)} s after the schedule: checking what there is`);

  // Leftovers: the group's end should leave nothing; given a minute for the last removals.
  let left: string[] = [];
  const cleanBy = Date.now() + 60_000;
  do {
    left = await leftovers(groupId).catch((err: Error) => [`cannot list: ${err.message}`]);
    if (!left.length) break;
    await sleep(2000);
  } while (Date.now() < cleanBy);
  const cleanSecs = (Date.now() - endAt) / 1000;
  stopWatches();

  const cancelled = records.find((r) => r.runId)?.runId;
  const runs = await runRecords();
  const checks: Check[] = [
    {
      name: 'the group completed',
      ok: !!groupEnd && !groupEnd.error,
      lines: groupEnd?.error ? [groupEnd.error] : groupEnd ? [] : ['still running'],
    },
    outcomeCheck(runs, RUNS, cancelled),
    containerCheck(events),
    clockCheck(runs, events, await workStarts(runs)),
    {
      name: 'nothing left in Docker (containers, networks, volumes, mounts)',
      ok: left.length === 0,
      lines: left.length ? left : [`clean ${cleanSecs.toFixed(1)} s after the group's end`],
    },
  ];

  console.log('\nfaults and what they cost');
  for (const r of records) {
    const cost = r.fault.kind === 'cancel' ? cancelCost(r) : faultCost(r, steps);
    console.log(`  ${at(r.startedAt)}  ${describeFault(r.fault, hostName)}: ${r.detail}\n  ${' '.repeat(10)}  → ${cost}`);
  }
  const attempts = await agentAttempts(runs.map((r) => r.runId));
  const hist = new Map<number, number>();
  for (const n of attempts.values()) hist.set(n, (hist.get(n) ?? 0) + 1);
  console.log(
    `  agent step attempts per run: ${
      [...hist]
        .sort((a, b) => a[0] - b[0])
        .map(([n, k]) => `${k} run(s) × ${n}`)
        .join(', ') || 'none seen'
    }`,
  );
  const agentSecs = runs
    .map((r) => r.timings.agentSecs ?? 0)
    .filter((s) => s > 0)
    .sort((a, b) => a - b);
  if (agentSecs.length) {
    console.log(
      `  agent time (container start → end): median ${agentSecs[Math.floor(agentSecs.length / 2)]!.toFixed(1)} s, max ${agentSecs[agentSecs.length - 1]!.toFixed(1)} s (works ${WORK_SECS} s)`,
    );
  }
  const byHost = new Map<string, number>();
  for (const r of runs) byHost.set(r.host ?? '(none)', (byHost.get(r.host ?? '(none)') ?? 0) + 1);
  console.log(`  most agent containers running at once: ${mostAtOnce(events)} (the hosts have ${HOSTS * SLOTS} slots)`);
  console.log(
    `  runs per host: ${[...byHost].map(([h, n]) => `${h} ${n}`).join(', ')}; worker incarnations: ${workers.map((w, i) => `${hostName(i + 1)} ${w.incarnations}`).join(', ')}`,
  );

  console.log('\nchecks');
  for (const c of checks) {
    console.log(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}`);
    for (const line of c.lines.slice(0, 15)) console.log(`          ${line}`);
    if (c.lines.length > 15) console.log(`          ... and ${c.lines.length - 15} more`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  console.log(
    `\n${failed ? `${failed} check(s) FAILED` : 'all checks passed'} (seed ${SEED}); logs in ${scratch}${KEEP ? '' : ' (deleted: --keep keeps them)'}`,
  );
  return failed ? 1 : 0;
}

function mostAtOnce(list: ContainerEvent[]): number {
  let running = 0;
  let most = 0;
  for (const e of [...list].sort((a, b) => a.at - b.at)) {
    if (e.action === 'start') most = Math.max(most, ++running);
    if (e.action === 'die') running--;
  }
  return most;
}

/** The cancel's cost: when the run's workflow closed, and when its container was gone. */
function cancelCost(r: FaultRecord): string {
  if (!r.runId) return 'nothing cancelled';
  const gone = events.find((e) => e.run === r.runId && e.action === 'destroy' && e.at >= r.startedAt);
  return gone ? `its container was removed ${secs(gone.at - r.startedAt)} s later` : 'its container was never seen removed';
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
