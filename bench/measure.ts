/**
 * What bench/scale.ts measures with: summary statistics, free ports, a process's memory and CPU
 * from /proc, the machine's CPU, agent containers at once (Docker events), a workflow's history
 * figures and each worker's share of a group's activities, and linear extrapolation to a limit.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { temporal } from '@temporalio/proto';
import { Client } from '../client/sdk';
import { dockerEventLines, LABELS } from '../core/sandbox/docker';
import { isPortOpen } from '../temporal/devServer';

export function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  const mean = sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length);
  return { median: at(0.5), p90: at(0.9), max: sorted[sorted.length - 1] ?? NaN, mean, n: sorted.length };
}
export const fmtStats = (s: ReturnType<typeof stats>) =>
  `median ${s.median.toFixed(2)} s, mean ${s.mean.toFixed(2)} s, p90 ${s.p90.toFixed(2)} s, max ${s.max.toFixed(2)} s`;

/** A free TCP port on the loopback (and its +1000 neighbour free too, for the dev server's UI default). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    if (port + 1000 < 65536 && !(await isPortOpen(port + 1000))) return port;
  }
}

/** `/proc/<pid>/status` fields in bytes (VmHWM: peak resident set; VmRSS: now); 0 once the process is gone. */
export function procMem(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number {
  if (!pid) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds a process has used, with its waited-for children's (the workers' mkfs, mount, cp...):
 * utime + stime + cutime + cstime of /proc/<pid>/stat, in clock ticks of 1/100 s (Linux's USER_HZ).
 */
export function procCpuSecs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state is field 3, so utime..cstime (fields 14..17) are at 11..14 here.
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0) / 100;
  } catch {
    return 0;
  }
}

/** The machine's CPU time so far (/proc/stat, all cores), in clock ticks: busy, iowait and total. */
export function machineCpu(): { busy: number; iowait: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  // cpu  user nice system idle iowait irq softirq steal ...
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - v[3]! - v[4]!, iowait: v[4]!, total };
}

/** Processes by name (/proc/<pid>/comm), e.g. the Docker engine's. */
export function pidsNamed(names: string[]): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (names.includes(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Exits with a code, or null if it was still running after `ms`. */
export function exitWithin(child: ChildProcess, ms: number): Promise<number | null | 'timeout'> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

export async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if ((await exitWithin(child, graceMs)) === 'timeout') {
    child.kill('SIGKILL');
    await exitWithin(child, 5_000);
  }
}

/** Containers at once: now, the most, and how many started. */
export interface ContainerCount {
  running: number;
  maxRunning: number;
  starts: number;
}

/** Docker's start/die events of some groups' containers: how many ran at once, in all and on each host (its `mlebench.host` label). */
export interface ContainerWatch extends ContainerCount {
  dies: number;
  byHost: Map<string, ContainerCount>;
  stop(): void;
}

export async function watchContainers(docker: Docker, groupIds: string[]): Promise<ContainerWatch> {
  const stream = (await docker.getEvents({
    filters: { type: ['container'], event: ['start', 'die'], label: [LABELS.group] },
  })) as Readable;
  const watch: ContainerWatch = { running: 0, maxRunning: 0, starts: 0, dies: 0, byHost: new Map(), stop: () => stream.destroy() };
  const count = (c: ContainerCount, delta: 1 | -1) => {
    c.running += delta;
    if (delta > 0) c.starts++;
    c.maxRunning = Math.max(c.maxRunning, c.running);
  };
  // Errors end the count (the engine gone): what was counted stays.
  void dockerEventLines(stream, (event) => {
    if (!groupIds.includes(event.attributes[LABELS.group] ?? '')) return;
    const delta = event.action === 'start' ? 1 : event.action === 'die' ? -1 : 0;
    if (!delta) return;
    const hostId = event.attributes[LABELS.host] ?? '(no host)';
    const host = watch.byHost.get(hostId) ?? { running: 0, maxRunning: 0, starts: 0 };
    watch.byHost.set(hostId, host);
    count(watch, delta);
    count(host, delta);
    if (delta < 0) watch.dies++;
  }).catch(() => undefined);
  return watch;
}

export interface HistoryFigures {
  events: number;
  bytes: number;
  largest: { bytes: number; type: string };
}

export const EventType = temporal.api.enums.v1.EventType;
export const HistoryEvent = temporal.api.history.v1.HistoryEvent;

export async function historyFigures(client: Client, workflowId: string): Promise<HistoryFigures> {
  const handle = (await client.workflowClient()).workflow.getHandle(workflowId);
  const description = await handle.describe();
  const history = await handle.fetchHistory();
  let largest = { bytes: 0, type: '' };
  for (const event of history.events ?? []) {
    const bytes = HistoryEvent.encode(event).finish().length;
    if (bytes > largest.bytes) {
      let type = EventType[event.eventType ?? 0] ?? String(event.eventType);
      const activity = event.activityTaskScheduledEventAttributes?.activityType?.name;
      if (activity) type += ` (${activity})`;
      largest = { bytes, type: type.replace(/^EVENT_TYPE_/, '') };
    }
  }
  return { events: description.historyLength, bytes: description.historySize ?? 0, largest };
}

/** Which worker (by identity `pid@host`) ran each activity of the group's child workflows. */
export async function activitiesByWorker(client: Client, runIds: string[]): Promise<Map<string, { all: number; runAgent: number }>> {
  const workflow = (await client.workflowClient()).workflow;
  const counts = new Map<string, { all: number; runAgent: number }>();
  let next = 0;
  const loop = async () => {
    for (let i = next++; i < runIds.length; i = next++) {
      const history = await workflow.getHandle(runIds[i]!).fetchHistory();
      const typeOf = new Map<string, string>();
      for (const event of history.events ?? []) {
        const scheduled = event.activityTaskScheduledEventAttributes;
        if (scheduled) typeOf.set(String(event.eventId), scheduled.activityType?.name ?? '');
        const started = event.activityTaskStartedEventAttributes;
        if (started) {
          const identity = started.identity ?? '?';
          const entry = counts.get(identity) ?? { all: 0, runAgent: 0 };
          entry.all++;
          if (typeOf.get(String(started.scheduledEventId)) === 'runAgent') entry.runAgent++;
          counts.set(identity, entry);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, loop));
  return counts;
}

/** The group size at which a figure growing linearly (a at nA runs, b at nB runs) reaches `limit`. */
export function sizeAtLimit(nA: number, a: number, nB: number, b: number, limit: number): number {
  const perRun = (b - a) / (nB - nA);
  if (perRun <= 0) return Infinity;
  return Math.floor(nB + (limit - b) / perRun);
}
