/**
 * The reaper: removes what the harness left in Docker for runs that no longer need it. A
 * container, network or volume labelled `mlebench.run=<run id>` goes when its workflow is closed,
 * or unknown to Temporal. A container also goes when its run has moved on — to a later attempt or
 * another host (its labels against the run's `placement` query) — and when it is past its deadline
 * (its start + the `mlebench.deadline-secs` label: the agent step's time limit and grace), whatever
 * Temporal says. The current container of a running run, within its deadline, is never touched,
 * and neither is anything when Temporal cannot say (an error other than "not found" keeps it).
 * Workers sweep at start and then periodically (worker/reaper.ts); `mlebench reap` sweeps once.
 *
 * Scope: only this harness's runs. A container belongs to the runs folder its submission is
 * mounted from; a network or volume to the one in its `mlebench.runs-dir` label (resources
 * without it are left alone). Two harnesses (or test suites) on one Docker engine, each with its
 * own Temporal server, never reap each other's runs.
 */
import path from 'node:path';
import type Docker from 'dockerode';
import { log } from '../log';
import type { RunPlacement } from '../runs/types';
import { LABELS, RUNS_DIR_LABEL, dockerClient, removeContainer, stopAndRemove } from './docker';
import { dockerCall, dockerStatus } from './errors';
import { removeNetworkAndRules } from './llmNetwork';

export { RUNS_DIR_LABEL };
export { temporalPlacement, temporalWorkflowState, type WorkflowServiceLike } from './reaperLookups';

export type WorkflowState = 'running' | 'closed' | 'unknown';

/** Tells a workflow's state by id; throws when it cannot tell (the reaper then keeps the resource). */
export type WorkflowStateLookup = (workflowId: string) => Promise<WorkflowState>;

/** Tells a running run's current container (attempt, host); throws when it cannot tell (kept). */
export type PlacementLookup = (workflowId: string) => Promise<RunPlacement>;

export interface ReapOptions {
  /** The harness's runs folder: only resources of runs under it are considered. */
  runsDir: string;
  workflowState: WorkflowStateLookup;
  /** Without it, a running run's containers are judged by their deadline only. */
  placement?: PlacementLookup;
  dryRun?: boolean;
  docker?: Docker;
  /** Bounds every Docker call (default 30 s), so a silent engine cannot hang a worker's start. */
  signal?: AbortSignal;
  /** The clock the deadlines are read against (default now). */
  now?: () => number;
}

export interface ReapedResource {
  kind: 'container' | 'network' | 'volume';
  id: string;
  name: string;
  runId: string;
  /** The run's workflow, when it was asked (a container past its deadline goes without asking). */
  state?: WorkflowState;
  /** Why it goes: its workflow is closed or unknown, its run moved on, or it is past its deadline. */
  why: string;
  /** False on a dry run, or when the removal failed (then `error` says why). */
  removed: boolean;
  error?: string;
}

export interface ReapReport {
  /** What was (or, on a dry run, would be) removed. */
  reaped: ReapedResource[];
  /** Resources of this runs folder kept because their workflow is running or its state is unknown. */
  kept: { kind: ReapedResource['kind']; name: string; runId: string; why: string }[];
}

function under(dir: string, file: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The runs folder a container belongs to: where its /home/submission comes from. */
function containerInScope(c: Docker.ContainerInfo, runsDir: string): boolean {
  const submission = c.Mounts?.find((m) => m.Destination === '/home/submission');
  return submission !== undefined && under(runsDir, submission.Source);
}

/** A container's number among its run's (0 for the first: its label is set from the first retry on). */
const attemptOf = (labels: Record<string, string>) => Number(labels[LABELS.attempt] ?? '0');

/** Why a container is not its run's current one, or undefined when it is. */
export function movedOn(labels: Record<string, string>, placement: RunPlacement): string | undefined {
  const attempt = attemptOf(labels);
  const host = labels[LABELS.host];
  const now = `attempt ${placement.attempt}${placement.host ? ` on host ${placement.host}` : ''}`;
  if (attempt < placement.attempt) return `its run moved on to ${now} (this is attempt ${attempt}${host ? ` on host ${host}` : ''})`;
  if (attempt === placement.attempt && host && placement.host && host !== placement.host)
    return `its run moved to host ${placement.host} (this container is on host ${host})`;
  return undefined;
}

/** Why a container is past its deadline (its start, or creation when never started, + its label), or undefined. */
async function pastDeadline(docker: Docker, c: Docker.ContainerInfo, now: number): Promise<string | undefined> {
  const secs = Number(c.Labels[LABELS.deadline]);
  if (!(secs > 0)) return undefined; // made before deadlines were labelled
  let startMs = c.Created * 1000;
  if (c.State !== 'created') {
    const info = await dockerCall(`inspect container ${c.Id}`, () => docker.getContainer(c.Id).inspect());
    const started = Date.parse(info.State.StartedAt);
    if (started > 0) startMs = started;
  }
  const overMs = now - (startMs + secs * 1000);
  if (overMs <= 0) return undefined;
  return `past its deadline: started ${new Date(startMs).toISOString()}, ${secs} s allowed, ${Math.round(overMs / 1000)} s over`;
}

export async function reapLeftovers(opts: ReapOptions): Promise<ReapReport> {
  const docker = opts.docker ?? dockerClient();
  const signal = opts.signal ?? AbortSignal.timeout(30_000);
  const now = (opts.now ?? Date.now)();
  const report: ReapReport = { reaped: [], kept: [] };
  const memo = <T>(lookup: (runId: string) => Promise<T>) => {
    const seen = new Map<string, Promise<T>>();
    return (runId: string) => {
      if (!seen.has(runId)) seen.set(runId, lookup(runId));
      return seen.get(runId)!;
    };
  };
  const stateOf = memo(opts.workflowState);
  const placementOf = opts.placement && memo(opts.placement);
  const filters = { label: [LABELS.run] };

  /** Removes the resource when `judge` gives a reason (and the state it asked, if any); keeps it, saying why, otherwise. */
  const decide = async (
    kind: ReapedResource['kind'],
    id: string,
    name: string,
    runId: string,
    judge: () => Promise<{ why: string; state?: WorkflowState; remove: boolean }>,
    remove: () => Promise<void>,
  ) => {
    let verdict: Awaited<ReturnType<typeof judge>>;
    try {
      verdict = await judge();
    } catch (err) {
      report.kept.push({ kind, name, runId, why: `cannot tell the workflow's state: ${(err as Error).message}` });
      return;
    }
    if (!verdict.remove) {
      report.kept.push({ kind, name, runId, why: verdict.why });
      return;
    }
    const entry: ReapedResource = {
      kind,
      id,
      name,
      runId,
      ...(verdict.state ? { state: verdict.state } : {}),
      why: verdict.why,
      removed: false,
    };
    report.reaped.push(entry);
    if (opts.dryRun) return;
    try {
      await remove();
      entry.removed = true;
    } catch (err) {
      entry.error = (err as Error).message;
    }
  };
  /** Closed or unknown workflows' resources go; a running one's stay unless `more` finds a reason. */
  const byState = async (runId: string, more?: () => Promise<string | undefined>) => {
    const state = await stateOf(runId);
    if (state !== 'running') return { why: `its workflow is ${state}`, state, remove: true };
    const why = await more?.();
    return why ? { why, state, remove: true } : { why: 'its workflow is running', state, remove: false };
  };

  const containers = await dockerCall('list containers', () => docker.listContainers({ all: true, filters, abortSignal: signal }));
  const ours = containers.filter((c) => containerInScope(c, opts.runsDir));
  // Every run asked at once: a query no worker answers costs its time-out once, not once per run.
  for (const runId of new Set(ours.map((c) => c.Labels[LABELS.run]!))) {
    stateOf(runId)
      .then((state) => (state === 'running' ? placementOf?.(runId) : undefined))
      .catch(() => undefined); // each answer is awaited, and its error reported, where it is used
  }
  for (const c of ours) {
    const runId = c.Labels[LABELS.run]!;
    // A container its run has moved on from is removed alone: the run folder and its scratch space
    // are the current container's now (the later attempt archived this one's files, attempts.ts).
    let movedAway = containers.some((o) => o.Labels[LABELS.run] === runId && attemptOf(o.Labels) > attemptOf(c.Labels));
    await decide(
      'container',
      c.Id,
      (c.Names[0] ?? c.Id).replace(/^\//, ''),
      runId,
      async () => {
        const late = await pastDeadline(docker, c, now);
        if (late) return { why: late, remove: true };
        return byState(runId, async () => {
          const why = placementOf && movedOn(c.Labels, await placementOf(runId));
          if (why) movedAway = true;
          return why;
        });
      },
      () => (movedAway ? removeContainer(docker, c.Id) : stopAndRemove(docker, c.Id)),
    );
  }

  const inScope = (labels: Record<string, string> | undefined | null) =>
    labels?.[RUNS_DIR_LABEL] !== undefined && path.resolve(labels[RUNS_DIR_LABEL]) === path.resolve(opts.runsDir);
  // Networks and volumes after the containers that may use them.
  const networks = await dockerCall('list networks', () => docker.listNetworks({ filters, abortSignal: signal }));
  for (const n of networks.filter((n) => inScope(n.Labels))) {
    const runId = n.Labels![LABELS.run]!;
    await decide(
      'network',
      n.Id,
      n.Name,
      runId,
      () => byState(runId),
      async () => {
        await removeNetworkAndRules(docker, n.Id);
      },
    );
  }
  const volumes = (await dockerCall('list volumes', () => docker.listVolumes({ filters, abortSignal: signal }))).Volumes ?? [];
  for (const v of volumes.filter((v) => inScope(v.Labels))) {
    const runId = v.Labels[LABELS.run]!;
    await decide(
      'volume',
      v.Name,
      v.Name,
      runId,
      () => byState(runId),
      () =>
        dockerCall(`remove volume ${v.Name}`, async () => {
          try {
            await docker.getVolume(v.Name).remove({ force: true });
          } catch (err) {
            if (dockerStatus(err) !== 404) throw err;
          }
        }),
    );
  }

  for (const r of report.reaped) {
    log[r.error ? 'warn' : 'info'](
      {
        event: 'reaper.leftover',
        kind: r.kind,
        name: r.name,
        runId: r.runId,
        workflow: r.state,
        why: r.why,
        removed: r.removed,
        dryRun: opts.dryRun ?? false,
        error: r.error,
      },
      `${opts.dryRun ? 'would remove' : r.removed ? 'removed' : 'could not remove'} ${r.kind} ${r.name} of run ${r.runId}: ${r.why}`,
    );
  }
  return report;
}
