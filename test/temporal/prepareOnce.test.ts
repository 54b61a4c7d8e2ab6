/**
 * Prepare once: 8 seeds of one competition at maxParallel 8 on a fresh data folder build its data
 * once (the prepare lock, core/competitions/prepareLock.ts); the other seeds wait, then find the
 * cached, verified copy, and every run sees the same data.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import type { PreparedCompetition } from '../../core/competitions/types';
import { log } from '../../core/log';
import { temporalSuite } from '../helpers/temporalSuite';

const h = temporalSuite('in-process');

/** What the `prepareData` step of run `runId` returned, read from its history. */
async function preparedFor(runId: string): Promise<PreparedCompetition> {
  const client = await h.client.workflowClient();
  const history = await client.workflow.getHandle(runId).fetchHistory();
  const completed = (history.events ?? []).map((e) => e.activityTaskCompletedEventAttributes).filter((a) => a?.result?.payloads?.length);
  // The first activity a run completes is its prepareData.
  return defaultPayloadConverter.fromPayload<PreparedCompetition>(completed[0]!.result!.payloads![0]!);
}

describe('prepare once', () => {
  it('8 seeds at maxParallel 8 on a fresh data folder: one build, the same data for every run', async () => {
    const info = vi.spyOn(log, 'info');
    const groupId = 'prepare-once';
    const worker = await h.newWorker();
    const result = await worker.runUntil(async () => {
      await h.client.run({ agentId: 'dummy', competitions: ['sotu-authorship'], nSeeds: 8, maxParallel: 8 }, { groupId });
      return h.client.waitForCompletion(groupId);
    });
    const builds = info.mock.calls.filter((args) => args.includes('competition prepared'));
    const waits = info.mock.calls.filter((args) => String(args[1]).startsWith('waited'));
    info.mockRestore();

    expect(result.runs.map((r) => r.outcome)).toEqual(Array<string>(8).fill('succeeded'));
    expect(builds).toHaveLength(1);
    const prepared = await Promise.all(result.runs.map((r) => preparedFor(r.runId)));
    expect(new Set(prepared.map((p) => p.checksum)).size).toBe(1);
    expect(new Set(prepared.map((p) => p.publicDir)).size).toBe(1);
    expect(prepared[0]!.publicDir).toBe(path.join(h.paths.dataDir, 'sotu-authorship', 'prepared', 'public'));
    // Nothing built and thrown away, no lock left behind.
    expect(readdirSync(path.join(h.paths.dataDir, 'sotu-authorship')).sort()).toEqual(['prepared']);
    console.log(`8 seeds, maxParallel 8: ${builds.length} build, ${waits.length} seed(s) waited more than a second for it`);
  });
});
