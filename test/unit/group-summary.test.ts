import { describe, expect, it } from 'vitest';
import { silverReport } from '../helpers/runKinds';
import { parseRunOptions } from '../../core/options';
import { summarizeGroup, ungradedRuns } from '../../core/runs/summary';
import { groupKindOf, runKindOf, withRunKind } from '../../core/runs/kinds';
import { compactPlan, plannedRuns } from '../../core/runs/planned';
import type { CompetitionRunResult, TechniqueRunResult } from '../../core/runs/types';

const report = silverReport;

const competitionRun = (seed: number, over: Partial<CompetitionRunResult> = {}): CompetitionRunResult => ({
  kind: 'competition',
  runId: `g/spambase/seed-${seed}`,
  groupId: 'g',
  agentId: 'dummy',
  competitionId: 'spambase',
  seed,
  runDir: `/runs/g/spambase_seed-${seed}`,
  outcome: 'succeeded',
  score: 0.9,
  medal: 'silver',
  aboveMedian: true,
  timings: { startedAt: '', finishedAt: '', agentSecs: 1 },
  container: null,
  grade: report(),
  ...over,
});

const ungradedReport = report({
  score: null,
  any_medal: false,
  silver_medal: false,
  above_median: false,
  submission_exists: false,
  valid_submission: false,
  error: 'docker went away',
});
const infra = competitionRun(3, {
  outcome: 'infra_error',
  reason: 'docker went away',
  score: null,
  medal: null,
  aboveMedian: false,
  grade: null,
});

describe('summarizeGroup', () => {
  it('counts a run that ended infra_error in total_runs, with its ungraded report (the SDK once left it out)', () => {
    const results = [competitionRun(1), competitionRun(2), infra];
    expect(ungradedRuns(results).map((r) => r.runId)).toEqual([infra.runId]);
    const summary = summarizeGroup({ kind: 'competition' }, results, {
      createdAt: '2026-01-02T00:00:00Z',
      ungraded: new Map([[infra.runId, ungradedReport]]),
    });
    expect(summary.kind).toBe('competition');
    expect(summary.gradingReport).toMatchObject({
      created_at: '2026-01-02T00:00:00.000Z',
      total_runs: 3,
      total_runs_with_submissions: 2,
      total_valid_submissions: 2,
      total_medals: 2,
      total_silver_medals: 2,
    });
    expect(summary.gradingReport?.competition_reports[2]).toEqual(ungradedReport);
    expect(summary).toMatchObject({
      total: 3,
      medals: 2,
      outcomes: { succeeded: 2, infra_error: 1 },
      techniqueGrades: null,
      llmTotals: null,
    });
  });

  it('refuses to summarize an ungraded run whose report was not looked up, rather than drop it', () => {
    expect(() => summarizeGroup({ kind: 'competition' }, [infra], { createdAt: '2026-01-02T00:00:00Z', ungraded: new Map() })).toThrow(
      /g\/spambase\/seed-3 \(infra_error\) has no grade/,
    );
  });

  it('summarizes a technique group into technique_grades with its skipped pairs, and no medals', () => {
    const { medal: _m, aboveMedian: _a, grade: _g, ...common } = competitionRun(1, { score: null });
    const run: TechniqueRunResult = { ...common, kind: 'technique', task: 'leakage', techniqueGrade: null, outcome: 'cancelled' };
    const skipped = [{ task: 'leakage' as const, competition_id: 'sotu-authorship', reason: 'text' }];
    const summary = summarizeGroup({ kind: 'technique', skipped }, [run], { createdAt: '2026-01-02T00:00:00Z', ungraded: new Map() });
    expect(summary.kind).toBe('technique');
    expect(summary.gradingReport).toBeNull();
    expect(summary.techniqueGrades).toMatchObject({ total_runs: 1, total_graded: 0, skipped });
    expect(summary).toMatchObject({ total: 1, medals: 0, outcomes: { cancelled: 1 } });
  });
});

describe('run kinds', () => {
  it('are decided from the options, once', () => {
    expect(runKindOf({ techniqueTasks: true })).toBe('technique');
    expect(runKindOf({ techniqueTasks: false })).toBe('competition');
  });

  it('default for records written before kinds: a task makes a technique run', () => {
    const { kind: _k, ...old } = competitionRun(1);
    expect(withRunKind(old).kind).toBe('competition');
    expect(withRunKind({ ...old, task: 'leakage' } as never).kind).toBe('technique');
    expect(groupKindOf({ runs: [old] })).toBe('competition');
    expect(groupKindOf({ runs: [{ ...old, task: 'leakage' }] })).toBe('technique');
    expect(groupKindOf({ runs: [], skipped: [{ task: 'leakage', competition_id: 'x', reason: 'r' }] })).toBe('technique');
  });
});

describe('plans', () => {
  const options = parseRunOptions({ agentId: 'dummy', competitions: ['a', 'b'], nSeeds: 2 });
  const group = { groupId: 'g', agentId: 'dummy', groupDir: '/runs/G', startedAt: '2026-01-01T00:00:00Z' };

  it('carry their competitions, not their runs: every run derives from them, in order', () => {
    const plan = {
      ...group,
      options,
      kind: 'competition' as const,
      competitionIds: ['a', 'b'],
      sources: { a: { kind: 'bundled' as const } },
    };
    expect(plannedRuns(plan)).toEqual([
      { kind: 'competition', runId: 'g/a/seed-1', competitionId: 'a', seed: 1, runDir: '/runs/G/a_seed-1', source: { kind: 'bundled' } },
      { kind: 'competition', runId: 'g/a/seed-2', competitionId: 'a', seed: 2, runDir: '/runs/G/a_seed-2', source: { kind: 'bundled' } },
      { kind: 'competition', runId: 'g/b/seed-1', competitionId: 'b', seed: 1, runDir: '/runs/G/b_seed-1' },
      { kind: 'competition', runId: 'g/b/seed-2', competitionId: 'b', seed: 2, runDir: '/runs/G/b_seed-2' },
    ]);
    // 100 competitions × 100 seeds: the plan stays a few KB, its 10,000 runs would be over a MB.
    const many = {
      ...plan,
      competitionIds: Array.from({ length: 100 }, (_, i) => `competition-${i}`),
      options: { ...options, nSeeds: 100 },
    };
    expect(JSON.stringify(many).length).toBeLessThan(4096);
    expect(JSON.stringify(plannedRuns(many)).length).toBeGreaterThan(1_000_000);
  });

  it('recorded before they were compact (every run listed, no kinds) fold back into the same runs', () => {
    const compact = {
      ...group,
      options,
      kind: 'competition' as const,
      competitionIds: ['a', 'b'],
      sources: { a: { kind: 'bundled' as const } },
    };
    const runs = plannedRuns(compact).map(({ kind: _k, ...r }) => r);
    const old = { ...group, options, runs, skipped: [] };
    expect(compactPlan(old)).toEqual(compact);
    expect(plannedRuns(compactPlan(old))).toEqual(plannedRuns(compact));
    const technique = parseRunOptions({ agentId: 'dummy', competitions: ['a'], techniqueTasks: true, tasks: ['leakage'] });
    const oldTechnique = {
      ...group,
      options: technique,
      runs: [{ runId: 'g/leakage/a/seed-1', competitionId: 'a', task: 'leakage' as const, seed: 1, runDir: '/runs/G/leakage_a_seed-1' }],
      skipped: [],
    };
    const folded = compactPlan(oldTechnique);
    expect(folded).toMatchObject({ kind: 'technique', pairs: [{ task: 'leakage', competitionId: 'a' }], skipped: [] });
    expect(plannedRuns(folded).map(({ kind: _k, ...r }) => r)).toEqual(oldTechnique.runs);
  });
});
