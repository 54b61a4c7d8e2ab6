/**
 * Run groups end to end: a real Temporal dev server, a real worker, real agent containers.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { GradingReport } from '../../core/grading/report';
import type { GroupMetadata } from '../../core/artifacts/records';
import type { RunResult } from '../../core/runs/types';
import { temporalSuite } from '../helpers/temporalSuite';
import { groupContainers, watchGroupContainers } from '../helpers/dockerEvents';
import { competitionRecord } from '../helpers/runKinds';

const h = temporalSuite('in-process');

/** Workflow ids matching a visibility query, once `expected` of them are visible (or after ~10 s). */
async function visibleIds(query: string, expected: number): Promise<string[]> {
  const client = await h.client.workflowClient();
  let ids: string[] = [];
  for (let attempt = 0; attempt < 50 && ids.length < expected; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    ids = [];
    for await (const info of client.workflow.list({ query })) ids.push(info.workflowId);
  }
  return ids.sort();
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

describe('runGroup', () => {
  it('runs 3 seeds at most 2 at a time and writes every artifact and report', async () => {
    const groupId = 'test-parallel';
    const watch = await watchGroupContainers(groupId);
    const worker = await h.newWorker();
    const result = await worker.runUntil(async () => {
      await h.client.run({ agentId: 'dummy', competitions: ['sotu-authorship'], nSeeds: 3, maxParallel: 2 }, { groupId });
      return h.client.waitForCompletion(groupId);
    });
    watch.stop();

    expect(result.status).toBe('completed');
    expect(result.runs.map((r) => r.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(watch.starts).toBe(3);
    expect(watch.maxConcurrent).toBeLessThanOrEqual(2);

    for (const run of result.runs) {
      expect(path.basename(run.runDir)).toBe(`sotu-authorship_seed-${run.seed}`);
      expect(existsSync(path.join(run.runDir, 'submission', 'submission.csv'))).toBe(true);
      expect(existsSync(path.join(run.runDir, 'logs', 'agent.log'))).toBe(true);
      expect(existsSync(path.join(run.runDir, 'code'))).toBe(true);
      const record = readJson<RunResult>(path.join(run.runDir, 'run.json'));
      expect(record.outcome).toBe('succeeded');
      expect(competitionRecord(record).grade?.valid_submission).toBe(true);
      // The dummy submits the sample submission: the zero of the normalized score.
      expect(competitionRecord(record).grade?.normalized_score).toBe(0);
      expect(record.container?.exitCode).toBe(0);
    }
    expect(path.basename(result.groupDir)).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-UTC_run-group_dummy$/);
    const report = readJson<GradingReport>(path.join(result.groupDir, 'grading_report.json'));
    expect(report.total_runs).toBe(3);
    expect(report.total_valid_submissions).toBe(3);
    expect(report.mean_normalized_score).toBe(0);
    expect(report.competition_reports.every((r) => r.competition_id === 'sotu-authorship' && r.normalized_score === 0)).toBe(true);
    const metadata = readJson<GroupMetadata>(path.join(result.groupDir, 'metadata.json'));
    expect(metadata.status).toBe('completed');
    expect(metadata.run_group_id).toBe(groupId);
    expect(metadata.runs.map((r) => r.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(await groupContainers(groupId)).toEqual([]);

    // The history replays without non-determinism (the parent's and a child's); npm run histories:record records the committed ones.
    const client = await h.client.workflowClient();
    for (const id of [groupId, `${groupId}/sotu-authorship/seed-1`]) {
      const history = await client.workflow.getHandle(id).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: { code: h.workflowCode } }, history, id);
    }
  });

  it('ends a failing agent agent_failed while its siblings succeed', async () => {
    const groupId = 'test-one-fails';
    const worker = await h.newWorker();
    const result = await worker.runUntil(async () => {
      await h.client.run({ agentId: 'dummy/fail', competitions: ['sotu-authorship'], nSeeds: 3, maxParallel: 3 }, { groupId });
      return h.client.waitForCompletion(groupId);
    });
    const bySeed = Object.fromEntries(result.runs.map((r) => [r.seed, r]));
    expect(bySeed[2]?.outcome).toBe('agent_failed');
    expect(bySeed[2]?.reason).toMatch(/exited with code 1/);
    expect(bySeed[1]?.outcome).toBe('succeeded');
    expect(bySeed[3]?.outcome).toBe('succeeded');
    expect(result.status).toBe('completed');
    const report = readJson<GradingReport>(path.join(result.groupDir, 'grading_report.json'));
    expect(report.total_runs).toBe(3);
    expect(report.total_valid_submissions).toBe(2);

    // Findable in the Web UI by search attributes (visibility is eventually consistent: poll, bounded).
    const ids = await visibleIds(`RunGroup = '${groupId}' AND Outcome = 'agent_failed'`, 1);
    expect(ids).toEqual([`${groupId}/sotu-authorship/seed-2`]);
    expect(await visibleIds(`Agent = 'dummy/fail' AND Competition = 'sotu-authorship' AND RunGroup = '${groupId}'`, 4)).toHaveLength(4);
  });

  it('cancelling a running group stops its containers and ends the children cancelled', async () => {
    const groupId = 'test-cancel';
    const watch = await watchGroupContainers(groupId);
    const worker = await h.newWorker();
    const client = await h.client.workflowClient();
    const failure = await worker.runUntil(async () => {
      await h.client.run({ agentId: 'dummy/slow', competitions: ['sotu-authorship'], nSeeds: 2, maxParallel: 2 }, { groupId });
      await watch.waitForStarts(2);
      expect(await h.client.cancel(groupId)).toBe('run group');
      return h.client.waitForCompletion(groupId).then(
        () => undefined,
        (err: unknown) => err,
      );
    });
    watch.stop();
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(await groupContainers(groupId)).toEqual([]);
    for (const seed of [1, 2]) {
      const child = await client.workflow.getHandle(`${groupId}/sotu-authorship/seed-${seed}`).describe();
      expect(child.status.name).toBe('CANCELLED');
    }
    const status = await h.client.getRun(groupId);
    expect(status.status).toBe('CANCELLED');
    const metadata = readJson<GroupMetadata>(path.join(status.groupDir!, 'metadata.json'));
    expect(metadata.status).toBe('cancelled');
    expect(metadata.runs.map((r) => r.outcome)).toEqual(['cancelled', 'cancelled']);
    for (const run of metadata.runs) {
      // The record its run wrote (its host, its start), not one the group made up for it.
      const record = readJson<RunResult>(path.join(status.groupDir!, run.dir, 'run.json'));
      expect(record).toMatchObject({ outcome: 'cancelled', reason: 'the run was cancelled', host: expect.any(String) as unknown });
    }
    // Cancelled runs count in the report, ungraded, with the leaderboard's thresholds and the reason.
    const report = readJson<GradingReport>(path.join(status.groupDir!, 'grading_report.json'));
    expect(report.total_runs).toBe(2);
    expect(report.total_runs_with_submissions).toBe(0);
    for (const r of report.competition_reports) {
      expect(r).toMatchObject({
        valid_submission: false,
        score: null,
        is_lower_better: true,
        error: expect.stringMatching(/cancelled/) as unknown,
      });
      expect(r.gold_threshold).toBeGreaterThan(0);
    }
  });

  it('rejects bad input through the workflow with the field and reason', async () => {
    const client = await h.client.workflowClient();
    const worker = await h.newWorker();
    const err = await worker.runUntil(
      client.workflow
        .execute('runGroup', {
          taskQueue: 'mlebench',
          workflowId: 'test-bad-input',
          args: [{ agentId: 'dummy', competitions: ['no-such-competition'] }],
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        ),
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const messages: string[] = [];
    for (let e: Error | undefined = err as Error; e; e = (e as { cause?: Error }).cause) messages.push(e.message);
    expect(messages.join(' | ')).toMatch(/competitions: .*no-such-competition/);
  });
});
