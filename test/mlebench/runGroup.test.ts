/**
 * An MLE-bench competition end to end through Temporal: MLEBENCH_REPO points at the fixture
 * checkout, raw/ holds its raw data (what the Kaggle download leaves); the dummy and the baseline
 * agents run on it, its own prepare.py prepares it and its own grade.py (a normalized Gini, which
 * no metric of ours computes) grades them, with medals against its leaderboard.csv.
 */
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../core/config';
import type { GradingReport } from '../../core/grading/report';
import type { RunResult } from '../../core/runs/types';
import { temporalSuite } from '../helpers/temporalSuite';
import { competitionRecord } from '../helpers/runKinds';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'mle-bench');
const ID = 'telco-churn-mini';
const savedEnv = { repo: process.env.MLEBENCH_REPO, data: process.env.MLEBENCH_DATA_DIR };
const h = temporalSuite('in-process');

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function restore(name: 'MLEBENCH_REPO' | 'MLEBENCH_DATA_DIR', value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

beforeAll(() => {
  process.env.MLEBENCH_REPO = FIXTURE;
  // The SDK checks the request against the same data folder the worker prepares into.
  process.env.MLEBENCH_DATA_DIR = h.paths.dataDir;
  cpSync(path.join(FIXTURE, 'raw', ID), path.join(h.paths.dataDir, ID, 'raw'), { recursive: true });
});

afterAll(() => {
  restore('MLEBENCH_REPO', savedEnv.repo);
  restore('MLEBENCH_DATA_DIR', savedEnv.data);
});

async function runGroup(agentId: string, groupId: string) {
  const worker = await h.newWorker();
  return worker.runUntil(async () => {
    await h.client.run({ agentId, competitions: [ID], nSeeds: 1 }, { groupId });
    return h.client.waitForCompletion(groupId);
  });
}

describe('an MLE-bench competition through Temporal', () => {
  it('dummy: prepared by its prepare.py, the sample submission graded by its grade.py', async () => {
    const result = await runGroup('dummy', 'mlebench-dummy');
    expect(result.status).toBe('completed');
    expect(result.runs.map((r) => [r.competitionId, r.outcome])).toEqual([[ID, 'succeeded']]);

    const report = readJson<GradingReport>(path.join(result.groupDir, 'grading_report.json'));
    expect(report).toMatchObject({
      total_runs: 1,
      total_runs_with_submissions: 1,
      total_valid_submissions: 1,
      total_medals: 0,
      total_above_median: 0,
    });
    const [r] = report.competition_reports;
    // Constant probabilities: normalized Gini 0 (our roc-auc would give 0.5).
    expect(r).toMatchObject({
      competition_id: ID,
      score: 0,
      valid_submission: true,
      submission_exists: true,
      is_lower_better: false,
      gold_threshold: 0.865,
      silver_threshold: 0.8402,
      bronze_threshold: 0.7881,
      median_threshold: (0.7453 + 0.7301) / 2,
      any_medal: false,
      above_median: false,
    });
    expect(r!.submission_path).toBe(path.join(result.runs[0]!.runDir, 'submission', 'submission.csv'));
    const record = readJson<RunResult>(path.join(result.runs[0]!.runDir, 'run.json'));
    expect(competitionRecord(record).grade?.score).toBe(0);
    // Prepared from raw/ by the checkout's own function, in MLE-bench's layout.
    expect(readFileSync(path.join(h.paths.dataDir, ID, 'prepared', 'public', 'description.md'), 'utf8')).toMatch(/^# Telco Churn \(mini\)/);
  });

  it('baseline: a real model, above the median of its leaderboard', async () => {
    const result = await runGroup('baseline', 'mlebench-baseline');
    expect(result.status).toBe('completed');
    expect(result.runs.map((r) => r.outcome)).toEqual(['succeeded']);
    const report = readJson<GradingReport>(path.join(result.groupDir, 'grading_report.json'));
    const [r] = report.competition_reports;
    expect(r!.valid_submission).toBe(true);
    expect(r!.error).toBeUndefined();
    // A logistic regression or boosted trees reach a Gini of about 0.75-0.82 on this data.
    expect(r!.score).toBeGreaterThan(0.7);
    expect(r!.score).toBeLessThan(0.95);
    expect(r!.above_median).toBe(true);
    expect(report.total_above_median).toBe(1);
    // Medals by the leaderboard's thresholds, one at most.
    const s = r!.score!;
    expect([r!.gold_medal, r!.silver_medal, r!.bronze_medal]).toEqual([s >= 0.865, s < 0.865 && s >= 0.8402, s < 0.8402 && s >= 0.7881]);
    expect(r!.any_medal).toBe(s >= 0.7881);
    expect(report.total_medals).toBe(r!.any_medal ? 1 : 0);
  });
});
