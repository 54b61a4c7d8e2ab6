/**
 * What the chaos benchmark concludes from what it saw: the checks (outcomes, one container per
 * attempt, no agent clock restarted, nothing left), each fault's cost (how long the agent steps it
 * touched took to resume, and the attempts it used) and the report that prints them. Pure but for
 * the printing: the data comes from bench/chaosWatch.ts.
 */
import type { RunResult } from '../core/runs/types';
import { describeFault, type Fault } from './chaosSchedule';

/** One container event of the group, at Docker's own time. */
export interface ContainerEvent {
  action: string;
  id: string;
  run: string;
  /** The `mlebench.attempt` label ('0' when absent: the first container). */
  attempt: string;
  at: number;
}

/** A run's agent step as Temporal described it at `at` (the pending `runAgent` activity), or none pending. */
export interface StepSnapshot {
  at: number;
  /** A `runAgent` activity is pending (running, or waiting for its next attempt). */
  pending: boolean;
  /** ...and a worker has started its current attempt. */
  running: boolean;
  attempt: number;
  /** When the current attempt started, and its last heartbeat (ms; 0 when none). */
  startedAt: number;
  heartbeatAt: number;
  /** The worker running it, `pid@host`. */
  worker: string;
}

export interface FaultRecord {
  fault: Fault;
  startedAt: number;
  /** When what the fault stopped was back (worker polling, server answering, engine resumed). */
  endedAt: number;
  detail: string;
  /** A worker fault: the pid it killed (only that worker's agent steps count as affected). */
  pid?: number;
  /** The cancel: which run. */
  runId?: string;
}

export interface Check {
  name: string;
  ok: boolean;
  lines: string[];
}

const AGENT_CAUSED = new Set(['agent_failed', 'agent_timeout', 'invalid_submission']);

export function outcomeCheck(records: RunResult[], expected: number, cancelled: string | undefined): Check {
  const lines: string[] = [];
  let ok = records.length === expected;
  if (!ok) lines.push(`${records.length} run records for ${expected} runs`);
  const counts = new Map<string, number>();
  for (const r of records) {
    counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
    const wanted = r.runId === cancelled ? 'cancelled' : 'succeeded';
    if (r.outcome === wanted) continue;
    if (r.runId !== cancelled && AGENT_CAUSED.has(r.outcome)) {
      lines.push(`${r.runId}: ${r.outcome} (the agent's doing: ${r.reason ?? 'no reason'})`);
      continue;
    }
    ok = false;
    lines.push(`${r.runId}: ${r.outcome}, expected ${wanted}${r.reason ? `: ${r.reason}` : ''}`);
  }
  if (cancelled && !records.some((r) => r.runId === cancelled)) lines.push(`the cancelled run ${cancelled} has no record`);
  lines.unshift(
    [...counts]
      .sort()
      .map(([o, n]) => `${n} ${o}`)
      .join(', ') || 'no records',
  );
  return { name: 'every run succeeded or ended for its agent (the cancelled one cancelled)', ok, lines };
}

export function containerCheck(events: ContainerEvent[]): Check {
  const byAttempt = new Map<string, Set<string>>();
  const starts = new Map<string, number>();
  for (const e of events) {
    if (e.action === 'create') {
      const key = `${e.run} attempt ${e.attempt}`;
      byAttempt.set(key, (byAttempt.get(key) ?? new Set()).add(e.id));
    }
    if (e.action === 'start') starts.set(e.id, (starts.get(e.id) ?? 0) + 1);
  }
  const lines: string[] = [];
  for (const [key, ids] of byAttempt) if (ids.size !== 1) lines.push(`${key}: ${ids.size} containers`);
  for (const [id, n] of starts) if (n !== 1) lines.push(`container ${id.slice(0, 12)} started ${n} times`);
  lines.unshift(`${byAttempt.size} attempts, ${[...byAttempt.values()].reduce((s, v) => s + v.size, 0)} containers created`);
  return { name: 'exactly one container per attempt, each started once', ok: lines.length === 1, lines };
}

/**
 * No agent clock restarted: each run had one container, started once, and its record's container
 * is that one, started when Docker says (within `toleranceMs`); the agent's own log says it began
 * working once (`workStarts`: its "working" lines).
 */
export function clockCheck(records: RunResult[], events: ContainerEvent[], workStarts: Map<string, number>, toleranceMs = 3000): Check {
  const lines: string[] = [];
  for (const r of records) {
    if (r.outcome === 'cancelled') continue;
    const created = events.filter((e) => e.run === r.runId && e.action === 'create');
    const problems: string[] = [];
    if (created.length !== 1) problems.push(`${created.length} containers`);
    if (r.hostRestarts) problems.push(`${r.hostRestarts} host restart(s): ${r.deadHosts?.map((d) => `${d.host}: ${d.reason}`).join('; ')}`);
    if (r.agentRetries) problems.push(`${r.agentRetries} agent retries`);
    const c = r.container;
    const start = c && events.find((e) => e.id === c.containerId && e.action === 'start');
    if (!c) problems.push('no container in its record');
    else if (!start) problems.push(`its record's container ${c.containerId.slice(0, 12)} has no start event`);
    else if (Math.abs(Date.parse(c.startedAt) - start.at) > toleranceMs) {
      problems.push(`record says started ${c.startedAt}, Docker ${new Date(start.at).toISOString()}`);
    }
    const works = workStarts.get(r.runId) ?? 0;
    if (works !== 1) problems.push(`the agent began working ${works} times (its log)`);
    if (problems.length) lines.push(`${r.runId}: ${problems.join('; ')}`);
  }
  return { name: 'no agent clock restarted', ok: lines.length === 0, lines };
}

export const secs = (ms: number) => (ms / 1000).toFixed(1);

/**
 * A fault's cost: the agent steps running at its start (a worker fault: those of the killed
 * worker), and for each the time from the fault's start until it went on (a new attempt started,
 * a heartbeat after the fault ended, or the step done: no longer pending) and the attempts that took.
 */
export function faultCost(rec: FaultRecord, steps: Map<string, StepSnapshot[]>): string {
  const pidOf = (worker: string) => Number(worker.split('@')[0]);
  const resumed: number[] = [];
  let attempts = 0;
  let affected = 0;
  let stuck = 0;
  for (const series of steps.values()) {
    const before = [...series].reverse().find((s) => s.at <= rec.startedAt);
    if (!before?.running) continue;
    if (rec.pid !== undefined && pidOf(before.worker) !== rec.pid) continue;
    affected++;
    const after = series.find((s) => s.at > rec.startedAt && (!s.pending || s.startedAt > rec.startedAt || s.heartbeatAt > rec.endedAt));
    if (!after) {
      stuck++;
      continue;
    }
    const at = !after.pending ? after.at : after.startedAt > rec.startedAt ? after.startedAt : after.heartbeatAt;
    resumed.push(at - rec.startedAt);
    const last = series.filter((s) => s.pending && s.at <= after.at).pop() ?? before;
    attempts += last.attempt - before.attempt;
  }
  if (!affected) return 'no agent step was running there';
  resumed.sort((a, b) => a - b);
  const med = resumed[Math.floor(resumed.length / 2)];
  return (
    `${affected} agent step(s) running; ` +
    (resumed.length ? `went on after ${secs(med!)} s (median), ${secs(resumed[resumed.length - 1]!)} s (max); ` : '') +
    `${attempts} attempt(s) used` +
    (stuck ? `; ${stuck} never seen going on` : '')
  );
}

/** The most agent containers running at once. */
export function mostAtOnce(events: ContainerEvent[]): number {
  let running = 0;
  let most = 0;
  for (const e of [...events].sort((a, b) => a.at - b.at)) {
    if (e.action === 'start') most = Math.max(most, ++running);
    if (e.action === 'die') running--;
  }
  return most;
}

/** The cancel's cost: when the cancelled run's container was gone. */
export function cancelCost(r: FaultRecord, events: ContainerEvent[]): string {
  if (!r.runId) return 'nothing cancelled';
  const gone = events.find((e) => e.run === r.runId && e.action === 'destroy' && e.at >= r.startedAt);
  return gone ? `its container was removed ${secs(gone.at - r.startedAt)} s later` : 'its container was never seen removed';
}

/** What the run saw, for the report. */
export interface ChaosFindings {
  groupEnd?: { at: number; error?: string };
  runs: RunResult[];
  expectedRuns: number;
  faults: FaultRecord[];
  events: ContainerEvent[];
  steps: Map<string, StepSnapshot[]>;
  workStarts: Map<string, number>;
  /** Each run's agent step's last attempt. */
  attempts: Map<string, number>;
  /** What Docker still held, and when it was clean (s after the group's end). */
  left: string[];
  cleanSecs: number;
  workSecs: number;
  slots: number;
  /** Each host's worker incarnations. */
  incarnations: number[];
  hostName: (i: number) => string;
  /** How a time prints (since the script's start). */
  at: (ms: number) => string;
}

export function chaosChecks(f: ChaosFindings): Check[] {
  const cancelled = f.faults.find((r) => r.runId)?.runId;
  return [
    {
      name: 'the group completed',
      ok: !!f.groupEnd && !f.groupEnd.error,
      lines: f.groupEnd?.error ? [f.groupEnd.error] : f.groupEnd ? [] : ['still running'],
    },
    outcomeCheck(f.runs, f.expectedRuns, cancelled),
    containerCheck(f.events),
    clockCheck(f.runs, f.events, f.workStarts),
    {
      name: 'nothing left in Docker (containers, networks, volumes, mounts)',
      ok: f.left.length === 0,
      lines: f.left.length ? f.left : [`clean ${f.cleanSecs.toFixed(1)} s after the group's end`],
    },
  ];
}

/** Prints each fault and its cost, the run's figures and the checks; returns how many checks failed. */
export function printReport(f: ChaosFindings): number {
  console.log('\nfaults and what they cost');
  for (const r of f.faults) {
    const cost = r.fault.kind === 'cancel' ? cancelCost(r, f.events) : faultCost(r, f.steps);
    console.log(`  ${f.at(r.startedAt)}  ${describeFault(r.fault, f.hostName)}: ${r.detail}\n  ${' '.repeat(10)}  → ${cost}`);
  }
  const hist = new Map<number, number>();
  for (const n of f.attempts.values()) hist.set(n, (hist.get(n) ?? 0) + 1);
  console.log(
    `  agent step attempts per run: ${
      [...hist]
        .sort((a, b) => a[0] - b[0])
        .map(([n, k]) => `${k} run(s) × ${n}`)
        .join(', ') || 'none seen'
    }`,
  );
  const agentSecs = f.runs
    .map((r) => r.timings.agentSecs ?? 0)
    .filter((s) => s > 0)
    .sort((a, b) => a - b);
  if (agentSecs.length) {
    console.log(
      `  agent time (container start → end): median ${agentSecs[Math.floor(agentSecs.length / 2)]!.toFixed(1)} s, max ${agentSecs[agentSecs.length - 1]!.toFixed(1)} s (works ${f.workSecs} s)`,
    );
  }
  const byHost = new Map<string, number>();
  for (const r of f.runs) byHost.set(r.host ?? '(none)', (byHost.get(r.host ?? '(none)') ?? 0) + 1);
  console.log(`  most agent containers running at once: ${mostAtOnce(f.events)} (the hosts have ${f.slots} slots)`);
  console.log(
    `  runs per host: ${[...byHost].map(([h, n]) => `${h} ${n}`).join(', ')}; worker incarnations: ${f.incarnations.map((n, i) => `${f.hostName(i + 1)} ${n}`).join(', ')}`,
  );

  const checks = chaosChecks(f);
  console.log('\nchecks');
  for (const c of checks) {
    console.log(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}`);
    for (const line of c.lines.slice(0, 15)) console.log(`          ${line}`);
    if (c.lines.length > 15) console.log(`          ... and ${c.lines.length - 15} more`);
  }
  return checks.filter((c) => !c.ok).length;
}
