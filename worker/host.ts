/**
 * This worker's Docker host: `MLEBENCH_HOST_ID`, else derived from `DOCKER_HOST`, else the
 * machine's hostname; how long its queue may stay silent before its runs move elsewhere; how long
 * its agent step may miss heartbeats before a try is given up; and its agent slots (core/hosts:
 * `MLEBENCH_HOST_SLOTS`, `MLEBENCH_HOST_GPUS`).
 */
import os from 'node:os';
import type { ClaimedHost, HostIdentity } from '../activities/host';
import { hostCapacity, hostSlotsDir } from '../core/hosts/capacity';
import { HostSlots } from '../core/hosts/slots';
import { hostTaskQueue, TIMEOUTS } from '../temporal/contract';

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

/** `name` (whole seconds ≥ 1), else `fallback`. */
function secondsSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const secs = Number(raw);
  if (!Number.isInteger(secs) || secs < 1) throw new Error(`${name} must be a whole number of seconds ≥ 1, not "${raw}"`);
  return secs;
}

/** `MLEBENCH_HOST_DEAD_SECS` (whole seconds ≥ 1), else TIMEOUTS.hostDeadSecs. */
export function hostDeadSecs(env: NodeJS.ProcessEnv = process.env): number {
  return secondsSetting(env, 'MLEBENCH_HOST_DEAD_SECS', TIMEOUTS.hostDeadSecs);
}

/** `MLEBENCH_AGENT_HEARTBEAT_SECS` (whole seconds ≥ 1), else TIMEOUTS.agentHeartbeatSecs. */
export function agentHeartbeatSecs(env: NodeJS.ProcessEnv = process.env): number {
  return secondsSetting(env, 'MLEBENCH_AGENT_HEARTBEAT_SECS', TIMEOUTS.agentHeartbeatSecs);
}

/** What this worker's `claimHost` gives a run: its host, when that host counts as dead, its agent heartbeat time-out. */
export function claimedHost(host: HostIdentity, env: NodeJS.ProcessEnv = process.env): ClaimedHost {
  return { ...host, deadAfterSecs: hostDeadSecs(env), agentHeartbeatSecs: agentHeartbeatSecs(env) };
}

/** The host's agent slots, leased under the runs folder (`<runs>/.hosts/<id>/slots/`). */
export function hostSlots(host: HostIdentity, runsDir: string, env: NodeJS.ProcessEnv = process.env): HostSlots {
  return new HostSlots(host.hostId, hostSlotsDir(runsDir, host.hostId), hostCapacity(env));
}
