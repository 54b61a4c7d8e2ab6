/**
 * A run's ending is its own (issue 17, point 4): one run cancelled by itself ends `cancelled` while
 * its group goes on, a run whose workflow cannot start ends `infra_error` with why, and a group id
 * already used is refused before anything starts. A real Temporal dev server, a real worker, real
 * agent containers; the single cancel goes through the `mlebench cancel` command.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { RunGroupIdTakenError } from '../../client/sdk';
import type { GroupMetadata } from '../../core/artifacts/records';
import type { GradingReport } from '../../core/grading/report';
import type { RunResult } from '../../core/runs/types';
import { QUERIES } from '../../temporal/contract';
import { cliEnv, MLEBENCH_BIN } from '../helpers/cli';
import { groupContainers, watchGroupEvents } from '../helpers/dockerEvents';
import { temporalSuite } from '../helpers/temporalSuite';

const exec = promisify(execFile);
/** A task queue no worker polls: workflows started on it hold their ids and never run. */
const NOBODY = 'nobody-polls-this';

const h = temporalSuite('in-process');

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

describe('a run ends alone', () => {
  it('cancelling one running run ends it cancelled, stops its container, and the group goes on', async () => {
    const groupId = 'test-cancel-one';
    const slowRun = `${groupId}/sotu-authorship/seed-1`;
    const events = await watchGroupEvents(groupId);
    const client = await h.client.workflowClient();
    const worker = await h.newWorker();
    const { env } = cliEnv({ TEMPORAL_ADDRESS: h.env.address });
    const { result, progress, said } = await worker.runUntil(async () => {
      // Seed 1 sleeps an hour; seeds 2-4 succeed at once, two at a time.
      await h.client.run({ agentId: 'dummy/slow-seed', competitions: ['sotu-authorship'], nSeeds: 4, maxParallel: 2 }, { groupId });
      await events.next((e) => e.action === 'start' && e.run === slowRun);
      const said = (await exec(process.execPath, [MLEBENCH_BIN, 'cancel', slowRun], { env })).stdout;
      const result = await h.client.waitForCompletion(groupId);
      return { result, said, progress: await client.workflow.getHandle(groupId).query(QUERIES.progress) };
    });
    events.stop();

    expect(said).toMatch(/cancellation requested for run .*seed-1: .*its group goes on/);
    expect(result.status).toBe('completed');
    const bySeed = Object.fromEntries(result.runs.map((r) => [r.seed, r.outcome]));
    expect(bySeed).toEqual({ 1: 'cancelled', 2: 'succeeded', 3: 'succeeded', 4: 'succeeded' });
    // The record its run wrote, and its container stopped (and gone), not left sleeping.
    const record = readJson<RunResult>(path.join(result.runs.find((r) => r.seed === 1)!.runDir, 'run.json'));
    expect(record).toMatchObject({ outcome: 'cancelled', reason: 'the run was cancelled', host: expect.any(String) as unknown });
    expect(events.events.some((e) => e.action === 'die' && e.run === slowRun)).toBe(true);
    expect(await groupContainers(groupId)).toEqual([]);
    expect((await client.workflow.getHandle(slowRun).describe()).status.name).toBe('CANCELLED');
    // The group's own progress row says it too, and the reports count it.
    expect(progress).toMatchObject({ status: 'completed', done: 4, running: 0 });
    expect(progress.runs.find((r) => r.seed === 1)).toMatchObject({ phase: 'done', outcome: 'cancelled' });
    const report = readJson<GradingReport>(path.join(result.groupDir, 'grading_report.json'));
    expect(report.total_runs).toBe(4);
    expect(report.total_valid_submissions).toBe(3);
    const metadata = readJson<GroupMetadata>(path.join(result.groupDir, 'metadata.json'));
    expect(metadata.status).toBe('completed');
    expect(metadata.runs.map((r) => r.outcome)).toEqual(['cancelled', 'succeeded', 'succeeded', 'succeeded']);
    // A run that has ended is said so, not cancelled again.
    const again = await exec(process.execPath, [MLEBENCH_BIN, 'cancel', slowRun], { env }).then(
      () => '',
      (e: { stderr: string }) => e.stderr,
    );
    expect(again).toContain(`run ${slowRun} has already ended (cancelled)`);
    // The patched path replays without non-determinism.
    const history = await client.workflow.getHandle(groupId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { code: h.workflowCode } }, history, groupId);
  });

  it('a run whose workflow id is taken (running or closed) ends infra_error with why; its siblings succeed', async () => {
    const groupId = 'test-start-fails';
    const client = await h.client.workflowClient();
    // Seed 2's id held by a running workflow, seed 3's by a closed one (an old run never runs again).
    const running = await client.workflow.start('competitionRun', { taskQueue: NOBODY, workflowId: `${groupId}/sotu-authorship/seed-2` });
    const closed = await client.workflow.start('competitionRun', { taskQueue: NOBODY, workflowId: `${groupId}/sotu-authorship/seed-3` });
    await closed.terminate('an old run');
    const worker = await h.newWorker();
    const result = await worker
      .runUntil(async () => {
        await h.client.run({ agentId: 'dummy', competitions: ['sotu-authorship'], nSeeds: 4, maxParallel: 4 }, { groupId });
        return h.client.waitForCompletion(groupId);
      })
      .finally(() => running.terminate('test over'));

    expect(result.status).toBe('completed');
    const bySeed = Object.fromEntries(result.runs.map((r) => [r.seed, r]));
    expect([1, 2, 3, 4].map((seed) => bySeed[seed]?.outcome)).toEqual(['succeeded', 'infra_error', 'infra_error', 'succeeded']);
    for (const seed of [2, 3]) {
      const reason = `the run's workflow did not start: a workflow with id ${groupId}/sotu-authorship/seed-${seed} already exists`;
      expect(bySeed[seed]?.reason).toContain(reason);
      expect(readJson<RunResult>(path.join(bySeed[seed]!.runDir, 'run.json')).reason).toContain(reason);
    }
    // The squatters are untouched: the closed one was not run again.
    expect((await closed.describe()).runId).toBe(closed.firstExecutionRunId);
    expect((await closed.describe()).status.name).toBe('TERMINATED');
    const report = readJson<GradingReport>(path.join(result.groupDir, 'grading_report.json'));
    expect(report.total_runs).toBe(4);
    expect(report.total_valid_submissions).toBe(2);
  });

  it('refuses a group id any workflow already has, running or closed, and starts nothing', async () => {
    const client = await h.client.workflowClient();
    const options = { agentId: 'dummy', competitions: ['sotu-authorship'] };
    for (const state of ['running', 'closed'] as const) {
      const groupId = `test-id-taken-${state}`;
      const first = await client.workflow.start('runGroup', { taskQueue: NOBODY, workflowId: groupId, args: [options] });
      if (state === 'closed') await first.terminate('an old group');
      const err = await h.client.run(options, { groupId }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RunGroupIdTakenError);
      expect((err as Error).message).toContain(`run group id "${groupId}" is already taken`);
      expect((err as Error).message).toMatch(/choose another --group-id/);
      // Still the first workflow: nothing new started under the id.
      const description = await client.workflow.getHandle(groupId).describe();
      expect(description.runId).toBe(first.firstExecutionRunId);
      if (state === 'running') await first.terminate('test over');
    }
  });
});
