/**
 * Temporal is a control plane for root: anyone who can start a workflow can hand the worker any
 * path. A competitionRun started by hand with a run folder outside the runs folder, or inside it
 * through a symlink, fails with a non-retryable error naming the field, and nothing is written
 * there; no container is started for it. A scratch image the harness did not make is never mounted.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { CompetitionRunInput } from '../../core/runs/types';
import { openScratch } from '../../core/sandbox/scratch';
import { TASK_QUEUE, WORKFLOW_TYPES } from '../../temporal/contract';
import { groupContainers } from '../helpers/dockerEvents';
import { temporalSuite } from '../helpers/temporalSuite';

const h = temporalSuite('in-process', { runWorker: true });

/** Starts a competitionRun by hand, as the Temporal CLI would, and returns how it ended. */
async function runByHand(runDir: string): Promise<{ failure: string; attempts: number }> {
  const client = await h.client.workflowClient();
  const groupId = `hostile-input-${Math.random().toString(36).slice(2)}`;
  const input: CompetitionRunInput = { groupId, agentId: 'dummy', competitionId: 'spam-assassin', seed: 1, runDir, timeLimitSecs: 60 };
  const handle = await client.workflow.start(WORKFLOW_TYPES.competitionRun, {
    workflowId: `${groupId}/spam-assassin/seed-1`,
    taskQueue: TASK_QUEUE,
    args: [input],
  });
  const err = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  // Every activity that was handed the path failed at its first attempt.
  const history = await handle.fetchHistory();
  const attempts = (history.events ?? [])
    .filter((e) => e.activityTaskStartedEventAttributes)
    .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
  expect(await groupContainers(groupId)).toEqual([]);
  return { failure: describeCause(err), attempts: Math.max(...attempts) };
}

function describeCause(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as (Error & { cause?: unknown }) | undefined; e; e = e.cause as typeof e) parts.push(e.message);
  return parts.join(' <- ');
}

describe('a workflow started by hand with a hostile path', () => {
  it('a run folder outside the runs folder: refused, naming the field, and nothing written there', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'hostile-run-'));
    const ended = await runByHand(path.join(outside, 'spam-assassin_seed-1'));
    expect(ended.failure).toMatch(/runDir: .*hostile-run-.*spam-assassin_seed-1 is not a run folder of the runs folder/);
    expect(ended.attempts).toBe(1);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('a run folder reached through a symlinked group folder: refused, nothing written through the link', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'hostile-link-'));
    mkdirSync(h.paths.runsDir, { recursive: true });
    const link = path.join(h.paths.runsDir, `linked-${process.pid}`);
    symlinkSync(outside, link);
    const ended = await runByHand(path.join(link, 'spam-assassin_seed-1'));
    expect(ended.failure).toMatch(/runDir: .*is not a run folder of the runs folder/);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('a scratch image found in a run folder but not made by this harness is never mounted', async () => {
    const runDir = path.join(h.paths.runsDir, `group-${process.pid}`, 'spam-assassin_seed-1');
    mkdirSync(runDir, { recursive: true });
    writeFileSync(path.join(runDir, '.scratch.img'), '');
    truncateSync(path.join(runDir, '.scratch.img'), 64 * 1024 * 1024);
    await expect(openScratch(runDir, { create: false, diskBytes: 0, files: 0 })).rejects.toThrow(
      /scratch image .* was not made by this harness \(no record of its making/,
    );
    await expect(openScratch(runDir, { create: true, diskBytes: 64 * 1024 * 1024, files: 1000 })).rejects.toThrow(
      /not made by this harness/,
    );
    // A forged record of another file does not make it one.
    writeFileSync(path.join(runDir, '.scratch.img.made'), JSON.stringify({ ino: 1, size: 64 * 1024 * 1024 }));
    await expect(openScratch(runDir, { create: false, diskBytes: 0, files: 0 })).rejects.toThrow(/another file than the one recorded/);
    expect(existsSync(path.join(runDir, '.scratch', 'submission'))).toBe(false);
  });
});
