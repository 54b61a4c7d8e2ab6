/**
 * A host's agent slots on a real Temporal dev server and a real Docker engine: more runs than
 * slots wait for a slot (never a second container past the host's count, never a host called
 * lost); a GPU the host lacks is refused with the agent and host named; and a host's liveness is
 * its worker polling its queue.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import type { RunResult } from '../../core/runs/types';
import { hostSlotsDir } from '../../core/hosts/capacity';
import { hostActivities, type ClaimedHost } from '../../activities/host';
import { HostSlots } from '../../core/hosts/slots';
import { temporalSuite } from '../helpers/temporalSuite';
import { groupContainers, watchGroupEvents } from '../helpers/dockerEvents';

const SLOTS = 2;
const h = temporalSuite('in-process');

beforeAll(() => {
  // The worker's setting, read when it is created.
  process.env.MLEBENCH_HOST_SLOTS = String(SLOTS);
});

afterAll(() => {
  delete process.env.MLEBENCH_HOST_SLOTS;
});

function runJson(run: RunResult): RunResult {
  return JSON.parse(readFileSync(path.join(run.runDir, 'run.json'), 'utf8')) as RunResult;
}

describe('host slots', () => {
  it(`two groups of 6 runs at once (maxParallel 6 each) on one host of ${SLOTS} slots: all succeed, ${SLOTS} containers at most, no host restart`, async () => {
    const groups = ['slots-a', 'slots-b'].map((g) => `${g}-${Date.now()}`);
    let running = 0;
    let most = 0;
    let started = 0;
    const watches = await Promise.all(
      groups.map((g) =>
        watchGroupEvents(g, (e) => {
          if (e.action === 'start') {
            started++;
            most = Math.max(most, ++running);
          } else if (e.action === 'die') running--;
        }),
      ),
    );
    const worker = await h.newWorker();
    const startedAt = Date.now();
    const results = await worker.runUntil(async () => {
      for (const groupId of groups) {
        await h.client.run({ agentId: 'dummy', competitions: ['sotu-authorship'], nSeeds: 6, maxParallel: 6 }, { groupId });
      }
      return Promise.all(groups.map((g) => h.client.waitForCompletion(g)));
    });
    const secs = (Date.now() - startedAt) / 1000;
    for (const w of watches) w.stop();

    const runs = results.flatMap((r) => r.runs);
    expect(runs).toHaveLength(12);
    expect(runs.map((r) => r.outcome)).toEqual(Array(12).fill('succeeded'));
    expect(started).toBe(12);
    // The ceiling is the guarantee; a dummy run lasts under a second, so two need not overlap.
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(SLOTS);
    for (const run of runs) {
      const record = runJson(run);
      expect(record).toMatchObject({ outcome: 'succeeded', host: worker.host.hostId });
      expect(record.hostRestarts).toBeUndefined();
      expect(record.agentRetries).toBeUndefined();
    }
    // Every slot given back once its container was gone.
    expect(readdirSync(hostSlotsDir(h.paths.runsDir, worker.host.hostId))).toEqual([]);
    for (const g of groups) expect(await groupContainers(g)).toEqual([]);
    console.log(`12 runs in two groups on ${SLOTS} slots: ${secs.toFixed(1)} s, at most ${most} containers at once`);
  });

  it('an agent asking for more GPUs than its host has ends infra_error, naming the agent and the host, at once', async () => {
    const groupId = `slots-gpu-${Date.now()}`;
    const worker = await h.newWorker();
    const result = await worker.runUntil(async () => {
      await h.client.run({ agentId: 'dummy/gpu', competitions: ['sotu-authorship'] }, { groupId });
      return h.client.waitForCompletion(groupId);
    });
    const [run] = result.runs;
    expect(run).toMatchObject({ outcome: 'infra_error', container: null });
    expect(run!.reason).toContain(
      `GpuRequestError: agent dummy/gpu asks for 1 GPU(s) but host ${worker.host.hostId} has 0 (MLEBENCH_HOST_GPUS=none)`,
    );
    expect(await groupContainers(groupId)).toEqual([]);
  });

  // An idle worker polls every minute or so: `alive` is only asked when a step waited the dead time with no taker.
  it("a host counts alive while its worker polls its queue, and not once no poll came for the host's dead time", async () => {
    const host: ClaimedHost = { hostId: 'probe', taskQueue: `mlebench-host-probe-${Date.now()}`, deadAfterSecs: 3 };
    const activities = hostActivities({
      host,
      slots: new HostSlots('probe', path.join(h.paths.runsDir, 'probe-slots'), { slots: 1, gpus: [] }),
      temporal: { service: h.env.nativeConnection.workflowService, namespace: 'default' },
    });
    const hostLiveness = (of: ClaimedHost) => activities.hostLiveness(of);
    expect(await hostLiveness(host)).toEqual({ alive: false, lastPollSecsAgo: null });
    const poller = await Worker.create({
      connection: h.env.nativeConnection,
      taskQueue: host.taskQueue,
      activities: { noop: () => Promise.resolve() },
    });
    const alive = await poller.runUntil(async () => {
      // The server lists a poller once its first poll arrives.
      for (;;) {
        const seen = await hostLiveness(host);
        if (seen.lastPollSecsAgo !== null) return seen;
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    expect(alive.alive).toBe(true);
    // Stopped: no poll begins any more.
    const stoppedAt = Date.now();
    let dead = await hostLiveness(host);
    while (dead.alive) {
      await new Promise((r) => setTimeout(r, 200));
      dead = await hostLiveness(host);
    }
    const deadAfter = (Date.now() - stoppedAt) / 1000;
    expect(dead.lastPollSecsAgo).toBeGreaterThanOrEqual(host.deadAfterSecs);
    expect(deadAfter).toBeLessThan(host.deadAfterSecs + 5);
    console.log(
      `liveness: alive while polled (last poll ${alive.lastPollSecsAgo?.toFixed(1)} s ago), dead ${deadAfter.toFixed(1)} s after the worker stopped`,
    );
  });
});
