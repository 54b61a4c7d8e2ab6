/**
 * Several Docker hosts: each worker belongs to one host (`MLEBENCH_HOST_ID`, else derived from
 * `DOCKER_HOST`, else the machine's hostname) and polls that host's task queue besides the shared
 * one. `claimHost` runs on the shared queue, so the worker that picks it up — one that is alive —
 * gives the run its own host; the agent step then goes to that host's queue.
 */
import os from 'node:os';
import { dockerClient, LABELS, listAgentContainers, stopAndRemove } from '../core/sandbox/docker';
import { collectAndReleaseScratch } from '../core/sandbox/scratch';
import { log } from '../core/log';
import { hostTaskQueue, TIMEOUTS } from '../workflows/ids';

export interface HostIdentity {
  hostId: string;
  /** The host's own task queue (`mlebench-host-<id>`). */
  taskQueue: string;
}

/** What a run is given by `claimHost`: where its container steps go, and when that host counts as dead. */
export interface ClaimedHost extends HostIdentity {
  /** No agent step started on the host's queue within this many seconds: the host is dead. */
  deadAfterSecs: number;
}

/** A task-queue-safe host id: letters, digits, `.`, `_`, `-`. */
function sanitise(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'local';
}

/** This worker's host: `MLEBENCH_HOST_ID`, else the engine of `DOCKER_HOST` (`tcp://gpu-2:2376` → `gpu-2_2376`), else the hostname. */
export function hostIdentity(env: NodeJS.ProcessEnv = process.env, explicit?: string): HostIdentity {
  let id = explicit ?? env.MLEBENCH_HOST_ID;
  if (!id && env.DOCKER_HOST && !env.DOCKER_HOST.startsWith('unix://')) id = env.DOCKER_HOST.replace(/^[a-z]+:\/\//, '');
  const hostId = sanitise(id || os.hostname());
  return { hostId, taskQueue: hostTaskQueue(hostId) };
}

/** `MLEBENCH_HOST_DEAD_SECS` (whole seconds ≥ 1), else TIMEOUTS.hostDeadSecs. */
export function hostDeadSecs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MLEBENCH_HOST_DEAD_SECS;
  if (raw === undefined || raw === '') return TIMEOUTS.hostDeadSecs;
  const secs = Number(raw);
  if (!Number.isInteger(secs) || secs < 1) throw new Error(`MLEBENCH_HOST_DEAD_SECS must be a whole number of seconds ≥ 1, not "${raw}"`);
  return secs;
}

export function hostActivities(host: HostIdentity, env: NodeJS.ProcessEnv = process.env) {
  const deadAfterSecs = hostDeadSecs(env);
  return {
    /** Gives the run this worker's host (runs on the shared queue: whoever answers is alive). */
    claimHost(): Promise<ClaimedHost> {
      return Promise.resolve({ ...host, deadAfterSecs });
    },
  };
}

/**
 * Before a run's container number `attempt` starts afresh (none of that number exists yet): what
 * earlier containers left is made safe to archive. An earlier container this host's Docker still
 * holds is stopped and removed — none after an agent retry (the killed one was collected), the
 * lost host's when hosts share an engine —, its scratch space copied out first. A scratch space
 * with no container here (a lost host on another machine, the runs folder on shared storage) is
 * copied out and released too, so the new container starts clean and archiveAttempt keeps what
 * the old one wrote. Re-attaching to container `attempt` changes nothing.
 */
export async function clearEarlierContainers(runId: string, runDir: string, attempt: number): Promise<void> {
  const docker = dockerClient();
  const containers = await listAgentContainers({ runId }, docker);
  const numberOf = (c: (typeof containers)[number]) => Number(c.Labels[LABELS.attempt] ?? '0');
  if (containers.some((c) => numberOf(c) === attempt)) return;
  for (const c of containers.filter((c) => numberOf(c) < attempt)) {
    log.info({ runId, containerId: c.Id, attempt: numberOf(c) }, 'stopping an earlier container of the run before a fresh start');
    await stopAndRemove(docker, c.Id);
  }
  await collectAndReleaseScratch(runDir);
}
