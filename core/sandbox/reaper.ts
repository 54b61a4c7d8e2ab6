/**
 * The reaper: removes what the harness left in Docker for runs that no longer exist — containers,
 * networks and volumes labelled `mlebench.run=<run id>` whose workflow is closed, or unknown to
 * Temporal. A running workflow's resources are never touched, and neither is anything when
 * Temporal cannot say (an error other than "not found" keeps the resource).
 *
 * Scope: only this harness's runs. A container belongs to the runs folder its submission is
 * mounted from; a network or volume to the one in its `mlebench.runs-dir` label (resources
 * without it are left alone). Two harnesses (or test suites) on one Docker engine, each with its
 * own Temporal server, never reap each other's runs.
 */
import path from 'node:path';
import type Docker from 'dockerode';
import { log } from '../log';
import { LABELS, RUNS_DIR_LABEL, dockerClient, stopAndRemove } from './docker';
import { dockerCall, dockerStatus } from './errors';
import { removeNetworkAndRules } from './llmNetwork';

export { RUNS_DIR_LABEL };

export type WorkflowState = 'running' | 'closed' | 'unknown';

/** Tells a workflow's state by id; throws when it cannot tell (the reaper then keeps the resource). */
export type WorkflowStateLookup = (workflowId: string) => Promise<WorkflowState>;

export interface ReapOptions {
  /** The harness's runs folder: only resources of runs under it are considered. */
  runsDir: string;
  workflowState: WorkflowStateLookup;
  dryRun?: boolean;
  docker?: Docker;
  /** Bounds every Docker call (default 30 s), so a silent engine cannot hang a worker's start. */
  signal?: AbortSignal;
}

export interface ReapedResource {
  kind: 'container' | 'network' | 'volume';
  id: string;
  name: string;
  runId: string;
  state: Exclude<WorkflowState, 'running'>;
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

export async function reapLeftovers(opts: ReapOptions): Promise<ReapReport> {
  const docker = opts.docker ?? dockerClient();
  const signal = opts.signal ?? AbortSignal.timeout(30_000);
  const report: ReapReport = { reaped: [], kept: [] };
  const states = new Map<string, Promise<WorkflowState>>();
  const stateOf = (runId: string) => {
    if (!states.has(runId)) states.set(runId, opts.workflowState(runId));
    return states.get(runId)!;
  };
  const filters = { label: [LABELS.run] };

  const decide = async (kind: ReapedResource['kind'], id: string, name: string, runId: string, remove: () => Promise<void>) => {
    let state: WorkflowState;
    try {
      state = await stateOf(runId);
    } catch (err) {
      report.kept.push({ kind, name, runId, why: `cannot tell the workflow's state: ${(err as Error).message}` });
      return;
    }
    if (state === 'running') {
      report.kept.push({ kind, name, runId, why: 'its workflow is running' });
      return;
    }
    const entry: ReapedResource = { kind, id, name, runId, state, removed: false };
    report.reaped.push(entry);
    if (opts.dryRun) return;
    try {
      await remove();
      entry.removed = true;
    } catch (err) {
      entry.error = (err as Error).message;
    }
  };

  const containers = await dockerCall('list containers', () => docker.listContainers({ all: true, filters, abortSignal: signal }));
  for (const c of containers.filter((c) => containerInScope(c, opts.runsDir))) {
    const runId = c.Labels[LABELS.run]!;
    await decide('container', c.Id, (c.Names[0] ?? c.Id).replace(/^\//, ''), runId, () => stopAndRemove(docker, c.Id));
  }

  const inScope = (labels: Record<string, string> | undefined | null) =>
    labels?.[RUNS_DIR_LABEL] !== undefined && path.resolve(labels[RUNS_DIR_LABEL]) === path.resolve(opts.runsDir);
  // Networks and volumes after the containers that may use them.
  const networks = await dockerCall('list networks', () => docker.listNetworks({ filters, abortSignal: signal }));
  for (const n of networks.filter((n) => inScope(n.Labels))) {
    await decide('network', n.Id, n.Name, n.Labels![LABELS.run]!, async () => {
      await removeNetworkAndRules(docker, n.Id);
    });
  }
  const volumes = (await dockerCall('list volumes', () => docker.listVolumes({ filters, abortSignal: signal }))).Volumes ?? [];
  for (const v of volumes.filter((v) => inScope(v.Labels))) {
    await decide('volume', v.Name, v.Name, v.Labels[LABELS.run]!, async () => {
      await dockerCall(`remove volume ${v.Name}`, async () => {
        try {
          await docker.getVolume(v.Name).remove({ force: true });
        } catch (err) {
          if (dockerStatus(err) !== 404) throw err;
        }
      });
    });
  }

  for (const r of report.reaped) {
    log[r.error ? 'warn' : 'info'](
      {
        event: 'reaper.leftover',
        kind: r.kind,
        name: r.name,
        runId: r.runId,
        workflow: r.state,
        removed: r.removed,
        dryRun: opts.dryRun ?? false,
        error: r.error,
      },
      `${opts.dryRun ? 'would remove' : r.removed ? 'removed' : 'could not remove'} ${r.kind} ${r.name} of run ${r.runId} (workflow ${r.state})`,
    );
  }
  return report;
}

/** The part of Temporal's WorkflowService the reaper uses (a client's or a worker's connection). */
export interface WorkflowServiceLike {
  describeWorkflowExecution(request: { namespace: string; execution: { workflowId: string } }): Promise<{
    workflowExecutionInfo?: { status?: number | null } | null;
  }>;
}

/** WORKFLOW_EXECUTION_STATUS_RUNNING in Temporal's API. */
const STATUS_RUNNING = 1;
/** gRPC NOT_FOUND. */
const GRPC_NOT_FOUND = 5;

/** A lookup by workflow id against Temporal; "not found" is `unknown`, any other error is thrown. */
export function temporalWorkflowState(service: WorkflowServiceLike, namespace: string): WorkflowStateLookup {
  return async (workflowId) => {
    try {
      const res = await service.describeWorkflowExecution({ namespace, execution: { workflowId } });
      return res.workflowExecutionInfo?.status === STATUS_RUNNING ? 'running' : 'closed';
    } catch (err) {
      if ((err as { code?: number }).code === GRPC_NOT_FOUND) return 'unknown';
      throw err;
    }
  };
}
