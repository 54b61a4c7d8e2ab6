/**
 * What the chaos benchmark watches while the faults run: the group's container events (at Docker's
 * time, reconnecting from the last one seen, since the engine is paused on purpose), each running
 * agent step as Temporal describes it, and the group's end; and what it reads after: the run
 * records, the agents' logs, the agent steps' attempts and what the group left in Docker or mounted.
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Client } from '../client/sdk';
import { dockerEventLines, LABELS, RUNS_DIR_LABEL } from '../core/sandbox/docker';
import type { RunResult } from '../core/runs/types';
import type { ContainerEvent, StepSnapshot } from './chaosReport';

export interface GroupWatch {
  /** The group's create/start/die/destroy events, each once. */
  events: ContainerEvent[];
  /** Each watched run's agent step, described every 2 s. */
  steps: Map<string, StepSnapshot[]>;
  /** Runs whose container exists (created, not destroyed), and whether it runs. */
  liveContainers(): Map<string, { id: string; started: boolean }>;
  /** Describes, until stopped, the agent step of every run with a container or a pending step. */
  watchSteps(client: Client): Promise<void>;
  stop(): void;
}

/** Starts watching the group's container events from now. */
export function watchGroup(docker: Docker, groupId: string): GroupWatch {
  const events: ContainerEvent[] = [];
  const steps = new Map<string, StepSnapshot[]>();
  let stopped = false;
  let stream: Readable | undefined;

  const seen = new Set<string>();
  let since = Math.floor(Date.now() / 1000) - 1;
  const connect = async (): Promise<void> => {
    stream = (await docker.getEvents({
      since,
      filters: { type: ['container'], event: ['create', 'start', 'die', 'destroy'], label: [`${LABELS.group}=${groupId}`] },
    })) as Readable;
    if (stopped) stream.destroy();
    await dockerEventLines(stream, (e) => {
      // A reconnection replays from the second of the last event: each event counts once.
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
  void (async () => {
    while (!stopped) {
      await connect().catch(() => undefined);
      if (!stopped) await sleep(1000);
    }
  })();

  const liveContainers = () => {
    const live = new Map<string, { id: string; started: boolean }>();
    for (const e of events) {
      if (e.action === 'create') live.set(e.run, { id: e.id, started: false });
      if (e.action === 'start' && live.get(e.run)?.id === e.id) live.get(e.run)!.started = true;
      if (e.action === 'die' && live.get(e.run)?.id === e.id) live.get(e.run)!.started = false;
      if (e.action === 'destroy' && live.get(e.run)?.id === e.id) live.delete(e.run);
    }
    return live;
  };

  const watchSteps = async (client: Client) => {
    const workflow = (await client.workflowClient()).workflow;
    const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
      t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : 0;
    while (!stopped) {
      const watched = new Set([...liveContainers().keys(), ...[...steps].filter(([, s]) => s[s.length - 1]!.pending).map(([r]) => r)]);
      for (const runId of watched) {
        try {
          const { raw } = await workflow.getHandle(runId).describe();
          const step = raw.pendingActivities?.find((a) => a.activityType?.name === 'runAgent');
          const series = steps.get(runId) ?? [];
          series.push({
            at: Date.now(),
            pending: step !== undefined,
            running: step?.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
            attempt: step?.attempt ?? 0,
            startedAt: ms(step?.lastStartedTime),
            heartbeatAt: ms(step?.lastHeartbeatTime),
            worker: step?.lastWorkerIdentity ?? '',
          });
          steps.set(runId, series);
        } catch {
          // the server is down: nothing to see
        }
      }
      await sleep(2000);
    }
  };

  return {
    events,
    steps,
    liveContainers,
    watchSteps,
    stop() {
      stopped = true;
      stream?.destroy();
    },
  };
}

/** Resolves when the group's workflow has closed, through server restarts: when, and how if not completed. */
export async function groupEnd(handle: WorkflowHandle): Promise<{ at: number; error?: string }> {
  for (;;) {
    try {
      await handle.result();
      return { at: Date.now() };
    } catch (err) {
      const status = await handle.describe().then(
        (d) => d.status.name,
        () => 'UNKNOWN',
      );
      if (status !== 'RUNNING' && status !== 'UNKNOWN') return { at: Date.now(), error: `${status}: ${(err as Error).message}` };
      await sleep(2000);
    }
  }
}

export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' ') ?? '')
    .filter((m) => m.startsWith(dir + path.sep));
}

/** What the harness left in Docker for this group and runs folder, and mounted under `scratch`. */
export async function leftovers(docker: Docker, groupId: string, runsDir: string, scratch: string): Promise<string[]> {
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

/** Every run's run.json under the runs folder (not its attempts' copies). */
export async function runRecords(runsDir: string): Promise<RunResult[]> {
  const files = (await readdir(runsDir, { recursive: true })).filter(
    (f) => path.basename(f) === 'run.json' && !f.includes(`attempts${path.sep}`),
  );
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(path.join(runsDir, f), 'utf8')) as RunResult));
}

/** How many times each run's agent began working, from its own log (logs/dummy.log). */
export async function workStarts(records: RunResult[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const r of records) {
    const text = await readFile(path.join(r.runDir, 'logs', 'dummy.log'), 'utf8').catch(() => '');
    counts.set(r.runId, text.split('\n').filter((l) => /\] working \d+s$/.test(l)).length);
  }
  return counts;
}

/** The attempt on which each run's agent step ended (its history's last ActivityTaskStarted of runAgent). */
export async function agentAttempts(client: Client, runIds: string[]): Promise<Map<string, number>> {
  const workflow = (await client.workflowClient()).workflow;
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
