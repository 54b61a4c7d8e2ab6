/**
 * Technique runs end to end: a real Temporal dev server and worker, the technique-reference agent
 * in its container, the planted data, the grade and every report.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import type { GroupMetadata } from '../../core/artifacts/records';
import type { RunResult } from '../../core/runs/types';
import type { TechniqueGradesReport } from '../../core/techniques';
import { resultsTable } from '../../client/cli/format';
import { temporalSuite } from '../helpers/temporalSuite';
import { groupContainers } from '../helpers/dockerEvents';
import { techniqueRecord } from '../helpers/runKinds';

const h = temporalSuite('in-process');

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

describe('technique runs', () => {
  it('plants, runs, grades and reports a technique task; a task that does not apply is skipped with the reason', async () => {
    const groupId = 'test-technique';
    const worker = await h.newWorker();
    const result = await worker.runUntil(async () => {
      await h.client.run(
        { agentId: 'technique-reference', competitions: ['spambase', 'sotu-authorship'], techniqueTasks: true, tasks: ['leakage'] },
        { groupId },
      );
      return h.client.waitForCompletion(groupId);
    });

    expect(result.status).toBe('completed');
    expect(result.skipped).toEqual([
      { task: 'leakage', competition_id: 'sotu-authorship', reason: expect.stringMatching(/tabular data.*text competition/) as string },
    ]);
    expect(result.runs).toHaveLength(1);
    const run = result.runs[0]!;
    expect(run).toMatchObject({
      runId: `${groupId}/leakage/spambase/seed-1`,
      task: 'leakage',
      competitionId: 'spambase',
      outcome: 'succeeded',
      kind: 'technique',
    });
    // A technique run's record has no competition placeholders.
    expect(run).not.toHaveProperty('medal');
    expect(run).not.toHaveProperty('aboveMedian');
    expect(run).not.toHaveProperty('grade');
    expect(path.basename(run.runDir)).toBe('leakage_spambase_seed-1');
    const grade = techniqueRecord(run).techniqueGrade!;
    expect(grade.criteria.map((c) => [c.name, c.weight])).toEqual([
      ['leaky_precision', 0.3],
      ['leaky_recall', 0.3],
      ['predictions', 0.4],
    ]);
    expect(grade.valid_analysis).toBe(true);
    expect(run.score).toBe(grade.score);
    expect(grade.score).toBeGreaterThanOrEqual(0.9);

    // What the agent was given and wrote.
    const log = readFileSync(path.join(run.runDir, 'logs', 'agent.log'), 'utf8');
    expect(log).toMatch(/task=leakage competition=spambase seed=1 mode=oracle/);
    const analysis = readJson<{ leaky_columns: string[] }>(path.join(run.runDir, 'submission', 'leakage_analysis.json'));
    expect(analysis.leaky_columns.length).toBeGreaterThan(0);
    expect(techniqueRecord(readJson<RunResult>(path.join(run.runDir, 'run.json'))).techniqueGrade?.score).toBe(grade.score);

    // The group's reports: technique_grades.json with the breakdown and the skip; no competition report.
    const report = readJson<TechniqueGradesReport>(path.join(result.groupDir, 'technique_grades.json'));
    expect(report.total_runs).toBe(1);
    expect(report.grades[0]).toMatchObject({
      task: 'leakage',
      competition_id: 'spambase',
      seed: 1,
      score: grade.score,
      outcome: 'succeeded',
    });
    expect(report.grades[0]!.criteria).toHaveLength(3);
    expect(report.by_task.leakage?.mean_score).toBe(grade.score);
    expect(report.skipped.map((s) => s.competition_id)).toEqual(['sotu-authorship']);
    expect(existsSync(path.join(result.groupDir, 'grading_report.json'))).toBe(false);
    const metadata = readJson<GroupMetadata>(path.join(result.groupDir, 'metadata.json'));
    expect(metadata.runs.map((r) => [r.task, r.competition_id, r.outcome])).toEqual([['leakage', 'spambase', 'succeeded']]);
    expect(metadata.skipped).toHaveLength(1);
    expect(await groupContainers(groupId)).toEqual([]);

    // The CLI's table shows the grade, its criteria and the skip.
    const table = resultsTable('technique', result.runs, result.skipped);
    expect(table).toMatch(/leakage.*spambase/);
    expect(table).toMatch(/leaky_recall 1\.00 ×0\.3/);
    expect(table).toMatch(/skipped leakage on sotu-authorship: .*text competition/);

    // The SDK's summary carries the technique report.
    const summary = await h.client.getRunSummary(groupId);
    expect(summary.gradingReport).toBeNull();
    expect(summary.techniqueGrades?.grades[0]?.score).toBe(grade.score);

    // The child is findable by its task (visibility is eventually consistent: poll, bounded).
    const client = await h.client.workflowClient();
    let ids: string[] = [];
    for (let attempt = 0; attempt < 50 && ids.length === 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      ids = [];
      for await (const info of client.workflow.list({ query: `TechniqueTask = 'leakage' AND RunGroup = '${groupId}'` }))
        ids.push(info.workflowId);
    }
    expect(ids).toEqual([run.runId]);

    // The technique child's history replays; npm run histories:record records the committed ones.
    const history = await client.workflow.getHandle(run.runId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { code: h.workflowCode } }, history, run.runId);
  });

  it('rejects tasks without techniqueTasks, and an unknown task, before anything starts', async () => {
    await expect(h.client.run({ agentId: 'dummy', competitions: ['spambase'], tasks: ['leakage'] })).rejects.toThrow(
      /tasks: tasks choose technique tasks: set techniqueTasks: true too/,
    );
    await expect(
      h.client.run({ agentId: 'dummy', competitions: ['spambase'], techniqueTasks: true, tasks: ['nope' as 'leakage'] }),
    ).rejects.toThrow(/tasks\.0: .*"imbalance"/);
  });
});
