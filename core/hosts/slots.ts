/**
 * A host's agent slots and GPUs as leases on its own disk: one file a held slot
 * (`slot-<i>.json`) and one a held GPU (`gpu-<id>.json`), each made by hard-linking a complete
 * temporary file to its name, which fails when the name exists: two processes of one host never
 * take the same slot or device, and a crash never leaves half a lease. A run holds at most one
 * slot (a claim is idempotent per run id) from its claim until its container is gone.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PermanentError } from '../errors';

export interface HostCapacity {
  /** Agent containers the host runs at once (≥ 1). */
  slots: number;
  /** The host's GPU device ids (Docker's DeviceIDs), none by default. */
  gpus: string[];
}

export interface SlotRequest {
  runId: string;
  /** Which container of the run (0 the first): a lease of an earlier one is the run's still. */
  attempt: number;
  /** GPUs the run's agent asks for (config `gpus`). */
  gpus: number;
  /** For messages: whose request it is. */
  agentId?: string;
}

export interface SlotLease {
  slot: number;
  runId: string;
  attempt: number;
  /** The GPU ids reserved for the run's container. */
  gpus: string[];
  /** When it was taken (ISO). */
  since: string;
}

/** Every slot (or GPU) is held: the claim is retried later, on whichever worker answers. Retryable. */
export class HostFullError extends Error {
  override name = 'HostFullError';
}

/** The agent asks for more GPUs than the host has at all: no wait can fix it. */
export class GpuRequestError extends PermanentError {
  override name = 'GpuRequestError';
}

/** Whether a lease's run no longer needs it (its workflow closed, it moved on); throws when it cannot tell. */
export type LeaseIsStale = (lease: SlotLease) => Promise<boolean>;

const SLOT_FILE = /^slot-(\d+)\.json$/;
const GPU_FILE = /^gpu-(.+)\.json$/;

export class HostSlots {
  constructor(
    readonly hostId: string,
    /** `<dir>/slot-<i>.json`, `<dir>/gpu-<id>.json`. */
    readonly dir: string,
    readonly capacity: HostCapacity,
  ) {
    if (!Number.isInteger(capacity.slots) || capacity.slots < 1)
      throw new Error(`host ${hostId}: slots must be a whole number ≥ 1, not ${capacity.slots}`);
  }

  /**
   * Reserves a slot (and the GPUs asked for) for a run, or returns the one it holds already.
   * A full host first frees the leases `isStale` says are stale; then throws HostFullError.
   */
  async claim(req: SlotRequest, isStale?: LeaseIsStale): Promise<SlotLease> {
    if (req.gpus > this.capacity.gpus.length) {
      throw new GpuRequestError(
        `agent ${req.agentId ?? '?'} asks for ${req.gpus} GPU(s) but host ${this.hostId} has ${this.capacity.gpus.length} ` +
          `(MLEBENCH_HOST_GPUS=${this.capacity.gpus.join(',') || 'none'}): run ${req.runId} cannot run there`,
      );
    }
    const taken = await this.tryClaim(req);
    if (taken) return taken;
    if (isStale && (await this.freeStale(isStale)).length > 0) {
      const retried = await this.tryClaim(req);
      if (retried) return retried;
    }
    throw new HostFullError(await this.fullMessage(req));
  }

  /** Gives up the run's lease (of `attempt`, when given) and its GPUs; true when it held one. */
  async release(runId: string, attempt?: number): Promise<boolean> {
    const mine = (await this.leases()).filter((l) => l.runId === runId && (attempt === undefined || l.attempt === attempt));
    for (const lease of mine) await this.drop(lease);
    return mine.length > 0;
  }

  /** The held slots, by slot number. */
  async leases(): Promise<SlotLease[]> {
    const leases: SlotLease[] = [];
    for (const name of await this.names()) {
      if (!SLOT_FILE.test(name)) continue;
      const lease = await readLease(path.join(this.dir, name));
      if (lease) leases.push(lease);
    }
    return leases.sort((a, b) => a.slot - b.slot);
  }

  /** Frees the leases `isStale` says are stale (one it cannot judge is kept), and GPUs no slot holds; returns the freed. */
  async freeStale(isStale: LeaseIsStale): Promise<SlotLease[]> {
    const freed: SlotLease[] = [];
    for (const lease of await this.leases()) {
      let stale: boolean;
      try {
        stale = await isStale(lease);
      } catch {
        continue;
      }
      if (stale) {
        await this.drop(lease);
        freed.push(lease);
      }
    }
    // A crash between a slot's removal and its GPUs' (release removes the GPUs first, so rare).
    const holders = new Set((await this.leases()).map((l) => l.runId));
    for (const [id, holder] of await this.gpuHolders()) {
      if (!holders.has(holder)) await rmIfExists(this.gpuFile(id));
    }
    return freed;
  }

  private async tryClaim(req: SlotRequest): Promise<SlotLease | undefined> {
    const held = await this.leases();
    const mine = held.find((l) => l.runId === req.runId);
    if (mine) return mine.attempt === req.attempt ? mine : this.rewrite({ ...mine, attempt: req.attempt });
    const used = new Set(held.map((l) => l.slot));
    for (let slot = 0; slot < this.capacity.slots; slot++) {
      if (used.has(slot)) continue;
      const gpus = await this.freeGpus(req.gpus);
      if (!gpus) return undefined;
      const lease: SlotLease = { slot, runId: req.runId, attempt: req.attempt, gpus, since: new Date().toISOString() };
      if (!(await this.create(this.slotFile(slot), lease))) continue; // another process took it meanwhile
      if (!(await this.takeGpus(lease))) {
        await rmIfExists(this.slotFile(slot));
        return undefined;
      }
      // Two claims of one run at once (a retried claim racing its first try): the lowest slot wins.
      const first = (await this.leases()).find((l) => l.runId === req.runId);
      if (first && first.slot !== slot) {
        await this.drop(lease);
        return first;
      }
      return lease;
    }
    return undefined;
  }

  /** `n` GPU ids no lease holds, or undefined when fewer are free. */
  private async freeGpus(n: number): Promise<string[] | undefined> {
    if (n === 0) return [];
    const held = await this.gpuHolders();
    const free = this.capacity.gpus.filter((id) => !held.has(id));
    return free.length >= n ? free.slice(0, n) : undefined;
  }

  private async takeGpus(lease: SlotLease): Promise<boolean> {
    const taken: string[] = [];
    for (const id of lease.gpus) {
      if (!(await this.create(this.gpuFile(id), { gpu: id, runId: lease.runId, since: lease.since }))) {
        for (const t of taken) await rmIfExists(this.gpuFile(t));
        return false;
      }
      taken.push(id);
    }
    return true;
  }

  private async drop(lease: SlotLease): Promise<void> {
    for (const id of lease.gpus) {
      const holder = (await this.gpuHolders()).get(id);
      if (holder === lease.runId) await rmIfExists(this.gpuFile(id));
    }
    await rmIfExists(this.slotFile(lease.slot));
  }

  /** GPU id → the run holding it. */
  private async gpuHolders(): Promise<Map<string, string>> {
    const holders = new Map<string, string>();
    for (const name of await this.names()) {
      if (!GPU_FILE.test(name)) continue;
      const held = await readJson<{ gpu: string; runId: string }>(path.join(this.dir, name));
      if (held) holders.set(held.gpu, held.runId);
    }
    return holders;
  }

  private async fullMessage(req: SlotRequest): Promise<string> {
    const held = await this.leases();
    const holders = held.map((l) => `${l.runId} (since ${l.since}${l.gpus.length ? `, GPUs ${l.gpus.join(',')}` : ''})`).join(', ');
    if (held.length < this.capacity.slots) {
      const busy = (await this.gpuHolders()).size;
      return (
        `host ${this.hostId} has no ${req.gpus} free GPU(s) for run ${req.runId}: ${busy} of ${this.capacity.gpus.length} held` +
        (holders ? ` by runs ${holders}` : '')
      );
    }
    return `host ${this.hostId} is full: ${held.length} of ${this.capacity.slots} slots held by runs ${holders}`;
  }

  private async rewrite(lease: SlotLease): Promise<SlotLease> {
    const file = this.slotFile(lease.slot);
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(lease));
    await fs.rename(tmp, file);
    return lease;
  }

  /** Writes `value` to `file` only if no such file exists; false when it does. */
  private async create(file: string, value: unknown): Promise<boolean> {
    await fs.mkdir(this.dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(value), { flag: 'wx' });
    try {
      await fs.link(tmp, file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new Error(`host ${this.hostId}: cannot write the lease ${file}: ${(err as Error).message}`, { cause: err });
    } finally {
      await rmIfExists(tmp);
    }
  }

  private async names(): Promise<string[]> {
    try {
      return await fs.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  private slotFile(slot: number): string {
    return path.join(this.dir, `slot-${slot}.json`);
  }

  private gpuFile(id: string): string {
    return path.join(this.dir, `gpu-${encodeURIComponent(id)}.json`);
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (err) {
    // Gone since the listing: released meanwhile.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the lease ${file}: ${(err as Error).message}`, { cause: err });
  }
}

async function readLease(file: string): Promise<SlotLease | undefined> {
  const lease = await readJson<SlotLease>(file);
  return lease && { ...lease, slot: Number(SLOT_FILE.exec(path.basename(file))![1]) };
}

async function rmIfExists(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}
