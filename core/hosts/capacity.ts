/**
 * How many agents a host runs at once, and which GPUs it has: `MLEBENCH_HOST_SLOTS` (whole ≥ 1),
 * else as many agents' default sandbox limits as its CPUs and memory hold (at least one);
 * `MLEBENCH_HOST_GPUS`: device ids (`0,1`, `GPU-<uuid>`; one id alone as `3,`) or a count (`2`
 * means `0,1`), none by default.
 */
import os from 'node:os';
import path from 'node:path';
import { environment, type Env } from '../config';
import { defaultSandboxLimits } from '../sandbox/spec';
import type { SandboxLimits } from '../sandbox/types';
import type { HostCapacity } from './slots';

export interface MachineSize {
  cpus: number;
  memoryBytes: number;
}

/** The machine the worker runs on: the Docker engine's when it is local (a remote engine: set MLEBENCH_HOST_SLOTS). */
export function thisMachine(): MachineSize {
  return { cpus: os.availableParallelism(), memoryBytes: os.totalmem() };
}

/** Agents whose default limits fit the machine: memory / an agent's memory, and CPUs / its CPU cap (one a CPU when uncapped). */
export function defaultSlots(machine: MachineSize, limits: Pick<SandboxLimits, 'memoryBytes' | 'nanoCpus'>): number {
  const byMemory = Math.floor(machine.memoryBytes / limits.memoryBytes);
  const byCpu = Math.floor(machine.cpus / (limits.nanoCpus ? limits.nanoCpus / 1e9 : 1));
  return Math.max(1, Math.min(byMemory, byCpu));
}

export function hostCapacity(env: Env = environment(), machine: MachineSize = thisMachine()): HostCapacity {
  const raw = env.MLEBENCH_HOST_SLOTS;
  let slots: number;
  if (raw === undefined || raw === '') slots = defaultSlots(machine, defaultSandboxLimits(env));
  else {
    slots = Number(raw);
    if (!Number.isInteger(slots) || slots < 1) throw new Error(`MLEBENCH_HOST_SLOTS must be a whole number ≥ 1, not "${raw}"`);
  }
  return { slots, gpus: hostGpus(env.MLEBENCH_HOST_GPUS) };
}

function hostGpus(raw: string | undefined): string[] {
  const value = raw?.trim() ?? '';
  if (value === '' || value === '0') return [];
  if (/^\d+$/.test(value)) return Array.from({ length: Number(value) }, (_, i) => String(i));
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const bad = ids.find((id) => !/^[A-Za-z0-9._:-]+$/.test(id));
  if (bad !== undefined) throw new Error(`MLEBENCH_HOST_GPUS: "${bad}" is not a GPU device id (use e.g. 0,1 or a count)`);
  if (new Set(ids).size !== ids.length) throw new Error(`MLEBENCH_HOST_GPUS: "${raw}" names a GPU twice`);
  return ids;
}

/** Where a host's leases live: under the runs folder (the harness's own scope), one folder a host. */
export function hostSlotsDir(runsDir: string, hostId: string): string {
  return path.join(runsDir, '.hosts', hostId, 'slots');
}
