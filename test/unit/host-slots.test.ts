/** A host's agent slots and GPUs as leases on disk (core/hosts): no server, no Docker. */
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GpuRequestError, HostFullError, HostSlots, type SlotLease } from '../../core/hosts/slots';
import { defaultSlots, hostCapacity } from '../../core/hosts/capacity';
import { staleLeases, type HostTemporal } from '../../activities/host';
import { defaultPayloadConverter } from '@temporalio/common';

const GIB = 1024 ** 3;

function store(slots: number, gpus: string[] = [], dir = mkdtempSync(path.join(os.tmpdir(), 'mlebench-slots-'))): HostSlots {
  return new HostSlots('h1', dir, { slots, gpus });
}

const claim = (s: HostSlots, runId: string, gpus = 0, attempt = 0) => s.claim({ runId, attempt, gpus, agentId: 'dummy' });

describe('host slots', () => {
  it('gives each run its own slot until the host is full, then refuses, retryably, naming the holders', async () => {
    const s = store(2);
    expect((await claim(s, 'g/a/seed-1')).slot).toBe(0);
    expect((await claim(s, 'g/a/seed-2')).slot).toBe(1);
    const full = await claim(s, 'g/a/seed-3').catch((e: unknown) => e);
    expect(full).toBeInstanceOf(HostFullError);
    expect((full as Error).message).toMatch(/^host h1 is full: 2 of 2 slots held by runs g\/a\/seed-1 \(since .*\), g\/a\/seed-2/);
    expect(full).not.toBeInstanceOf(GpuRequestError);
  });

  it('is idempotent per run: a second claim returns the slot the run holds (a new attempt is recorded in it)', async () => {
    const s = store(2);
    const first = await claim(s, 'r1');
    expect(await claim(s, 'r1')).toEqual(first);
    const next = await claim(s, 'r1', 0, 2);
    expect(next).toMatchObject({ slot: first.slot, attempt: 2 });
    expect(await s.leases()).toHaveLength(1);
  });

  it('frees a slot on release (of that attempt only), for the next run', async () => {
    const s = store(1);
    await claim(s, 'r1');
    expect(await s.release('r1', 5)).toBe(false);
    await expect(claim(s, 'r2')).rejects.toBeInstanceOf(HostFullError);
    expect(await s.release('r1', 0)).toBe(true);
    expect((await claim(s, 'r2')).slot).toBe(0);
    expect(await s.release('nobody')).toBe(false);
  });

  it('concurrent claims through several stores on one folder (as several processes of one host) never share a slot', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlebench-slots-'));
    const stores = [0, 1, 2, 3].map(() => store(3, [], dir));
    // 20 runs at once for 3 slots, each claiming twice (a retried claim racing its first try).
    const runs = Array.from({ length: 20 }, (_, i) => `run-${i}`);
    const outcomes = await Promise.all(
      runs.flatMap((runId, i) => [stores[i % 4]!, stores[(i + 1) % 4]!].map((s) => claim(s, runId).catch((e: unknown) => e))),
    );
    const won = outcomes.filter((o): o is SlotLease => !(o instanceof Error));
    expect(outcomes.filter((o) => o instanceof Error).every((o) => o instanceof HostFullError)).toBe(true);
    const leases = await stores[0]!.leases();
    // No slot twice, no run twice; whatever a claim returned is what the run holds.
    expect(new Set(leases.map((l) => l.runId)).size).toBe(leases.length);
    for (const l of won) expect(leases).toContainEqual(l);
    // A run's duplicate slot, given back, may have been refused to a third run meanwhile: its retry gets it.
    for (const runId of runs) await claim(stores[0]!, runId).catch(() => undefined);
    expect((await stores[0]!.leases()).map((l) => l.slot)).toEqual([0, 1, 2]);
    expect(readdirSync(dir).sort()).toEqual(['slot-0.json', 'slot-1.json', 'slot-2.json']);
  });

  it('a full host frees the leases of runs that are gone, then grants the claim', async () => {
    const s = store(2);
    await claim(s, 'closed-run');
    await claim(s, 'running-run');
    const asked: string[] = [];
    const isStale = (l: SlotLease) => {
      asked.push(l.runId);
      if (l.runId === 'running-run') return Promise.reject(new Error('Temporal does not answer'));
      return Promise.resolve(l.runId === 'closed-run');
    };
    expect((await s.claim({ runId: 'new', attempt: 0, gpus: 0 }, isStale)).slot).toBe(0);
    expect(asked.sort()).toEqual(['closed-run', 'running-run']);
    // One it cannot judge is kept.
    expect((await s.leases()).map((l) => l.runId)).toEqual(['new', 'running-run']);
  });

  it('reserves GPUs like slots: distinct devices, refused while busy, permanently when the host has too few', async () => {
    const s = store(3, ['0', '1', '2']);
    const a = await claim(s, 'a', 2);
    expect(a.gpus).toEqual(['0', '1']);
    const b = await claim(s, 'b', 1);
    expect(b.gpus).toEqual(['2']);
    // A slot is free, no GPU is.
    const busy = await claim(s, 'c', 1).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(HostFullError);
    expect((busy as Error).message).toMatch(/host h1 has no 1 free GPU\(s\) for run c: 3 of 3 held by runs a \(since .*, GPUs 0,1\), b/);
    // A GPU-less run still fits.
    expect((await claim(s, 'cpu-only')).gpus).toEqual([]);
    await s.release('a');
    expect((await claim(s, 'c', 1)).gpus).toEqual(['0']);
    expect(
      readdirSync(s.dir)
        .filter((f) => f.startsWith('gpu-'))
        .sort(),
    ).toEqual(['gpu-0.json', 'gpu-2.json']);

    const tooMany = await claim(store(2, ['0']), 'big', 2).catch((e: unknown) => e);
    expect(tooMany).toBeInstanceOf(GpuRequestError);
    expect((tooMany as Error).message).toBe(
      'agent dummy asks for 2 GPU(s) but host h1 has 1 (MLEBENCH_HOST_GPUS=0): run big cannot run there',
    );
  });
});

describe('stale leases (against a fake Temporal)', () => {
  it("are a closed or unknown run's, or one whose run moved on to a later container; a current one is not asked again for a minute", async () => {
    const asked: string[] = [];
    const runs: Record<string, { status: number; attempt: number } | undefined> = {
      running: { status: 1, attempt: 1 },
      closed: { status: 2, attempt: 0 },
    };
    const service = {
      describeWorkflowExecution: ({ execution }: { execution: { workflowId: string } }) => {
        asked.push(`describe ${execution.workflowId}`);
        const run = runs[execution.workflowId];
        if (!run) return Promise.reject(Object.assign(new Error('not found'), { code: 5 }));
        return Promise.resolve({ workflowExecutionInfo: { status: run.status } });
      },
      queryWorkflow: ({ execution }: { execution: { workflowId: string } }) => {
        asked.push(`placement ${execution.workflowId}`);
        const payload = defaultPayloadConverter.toPayload({ attempt: runs[execution.workflowId]!.attempt, host: 'h1' });
        return Promise.resolve({ queryResult: { payloads: [payload] } });
      },
    } as unknown as HostTemporal['service'];
    const isStale = staleLeases({ service, namespace: 'default' });
    const lease = (runId: string, attempt: number): SlotLease => ({ slot: 0, runId, attempt, gpus: [], since: '' });
    expect(await isStale(lease('closed', 0))).toBe(true);
    expect(await isStale(lease('gone', 0))).toBe(true);
    expect(await isStale(lease('running', 0))).toBe(true);
    expect(await isStale(lease('running', 1))).toBe(false);
    asked.length = 0;
    expect(await isStale(lease('running', 1))).toBe(false);
    expect(asked).toEqual([]);
  });
});

describe('host capacity', () => {
  it('defaults to what the agents default limits fit into (at least 1), else MLEBENCH_HOST_SLOTS', () => {
    expect(defaultSlots({ cpus: 2, memoryBytes: 23 * GIB }, { memoryBytes: 4 * GIB })).toBe(2);
    expect(defaultSlots({ cpus: 64, memoryBytes: 23 * GIB }, { memoryBytes: 4 * GIB })).toBe(5);
    expect(defaultSlots({ cpus: 64, memoryBytes: 256 * GIB }, { memoryBytes: 4 * GIB, nanoCpus: 8e9 })).toBe(8);
    expect(defaultSlots({ cpus: 1, memoryBytes: 2 * GIB }, { memoryBytes: 4 * GIB })).toBe(1);
    const machine = { cpus: 64, memoryBytes: 64 * GIB };
    expect(hostCapacity({ MLEBENCH_AGENT_MEMORY: '16g' }, machine)).toEqual({ slots: 4, gpus: [] });
    expect(hostCapacity({ MLEBENCH_HOST_SLOTS: '3' }, machine).slots).toBe(3);
    expect(() => hostCapacity({ MLEBENCH_HOST_SLOTS: '0' }, machine)).toThrow(/MLEBENCH_HOST_SLOTS must be a whole number ≥ 1, not "0"/);
    expect(() => hostCapacity({ MLEBENCH_HOST_SLOTS: '1.5' }, machine)).toThrow(/MLEBENCH_HOST_SLOTS/);
  });

  it('reads MLEBENCH_HOST_GPUS as device ids or a count', () => {
    const gpus = (v: string) => hostCapacity({ MLEBENCH_HOST_SLOTS: '1', MLEBENCH_HOST_GPUS: v }).gpus;
    expect(gpus('2')).toEqual(['0', '1']);
    expect(gpus('0')).toEqual([]);
    expect(gpus('1,3')).toEqual(['1', '3']);
    expect(gpus('3,')).toEqual(['3']);
    expect(gpus('GPU-8f2c, GPU-aa01')).toEqual(['GPU-8f2c', 'GPU-aa01']);
    expect(() => gpus('0,0')).toThrow(/names a GPU twice/);
    expect(() => gpus('0;1')).toThrow(/"0;1" is not a GPU device id/);
  });
});
