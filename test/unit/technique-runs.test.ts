/** Planning technique runs (applicability, ids, folders), their container env and the group report; no server. */
import { describe, expect, it } from 'vitest';
import { loadCompetition } from '../../core/competitions';
import { planTechniqueRuns } from '../../core/runs/plan';
import { containerEnv } from '../../core/sandbox/spec';
import { summarizeTechniqueGrades } from '../../core/techniques/report';
import { whyNotApplicable } from '../../core/techniques';
import { parseRunOptions, InvalidRunOptionsError } from '../../core/options';
import type { TechniqueRunResult } from '../../core/runs/types';
import type { TechniqueGrade } from '../../core/techniques/types';
import type { AgentSpec } from '../../core/agents/types';

describe('technique run planning', () => {
  it('plans task × competition × seed where the task applies and skips the rest with the reason', async () => {
    const competitions = await Promise.all(['spambase', 'sotu-authorship', 'ames-housing'].map((id) => loadCompetition(id)));
    const { runs, skipped } = planTechniqueRuns('g', '/runs/g', competitions, ['leakage', 'imbalance'], 2);
    // Tasks in the canonical order (imbalance before leakage), then competitions, then seeds.
    expect(runs.map((r) => r.runId)).toEqual([
      'g/imbalance/spambase/seed-1',
      'g/imbalance/spambase/seed-2',
      'g/leakage/spambase/seed-1',
      'g/leakage/spambase/seed-2',
      'g/leakage/ames-housing/seed-1',
      'g/leakage/ames-housing/seed-2',
    ]);
    expect(runs[0]).toMatchObject({ task: 'imbalance', competitionId: 'spambase', seed: 1, runDir: '/runs/g/imbalance_spambase_seed-1' });
    expect(skipped).toEqual([
      {
        task: 'imbalance',
        competition_id: 'sotu-authorship',
        reason: expect.stringMatching(/tabular data, and sotu-authorship is a text competition/) as string,
      },
      {
        task: 'imbalance',
        competition_id: 'ames-housing',
        reason: expect.stringMatching(/binary or multiclass target.*rmsle \(regression\)/) as string,
      },
      { task: 'leakage', competition_id: 'sotu-authorship', reason: expect.stringMatching(/text competition/) as string },
    ]);
  });

  it('names the modality of image and time-series competitions', async () => {
    expect(whyNotApplicable('cv', await loadCompetition('fashion-mnist-shirts'))).toMatch(/is an image competition/);
    expect(whyNotApplicable('cv', await loadCompetition('us-births'))).toMatch(/is a time-series competition/);
  });

  it('accepts tasks only with techniqueTasks', () => {
    expect(() => parseRunOptions({ agentId: 'dummy', competitions: ['spambase'], tasks: ['cv'] })).toThrow(InvalidRunOptionsError);
    expect(parseRunOptions({ agentId: 'dummy', competitions: ['spambase'], techniqueTasks: true, tasks: ['cv'] }).tasks).toEqual(['cv']);
  });

  it('gives a technique run TECHNIQUE_TASK, and a competition run none', () => {
    const agent = { id: 'a', env: { X: '1' } } as unknown as AgentSpec;
    const base = {
      runId: 'r',
      groupId: 'g',
      agent,
      competitionId: 'spambase',
      seed: 3,
      timeLimitSecs: 60,
      publicDataDir: '/d',
      runDir: '/r',
    };
    expect(containerEnv({ ...base, techniqueTask: 'cv' })).toEqual(
      expect.arrayContaining(['TECHNIQUE_TASK=cv', 'COMPETITION_ID=spambase', 'SEED=3']),
    );
    expect(containerEnv(base).some((e) => e.startsWith('TECHNIQUE_TASK='))).toBe(false);
  });
});

describe('technique_grades.json', () => {
  const grade = (score: number): TechniqueGrade => ({
    task: 'leakage',
    competition_id: 'spambase',
    seed: 1,
    score,
    criteria: [{ name: 'predictions', weight: 1, score, detail: 'x' }],
    submission_exists: true,
    valid_submission: true,
    analysis_exists: true,
    valid_analysis: true,
    submission_path: '/s',
    analysis_path: '/a',
    created_at: '2026-01-01T00:00:00Z',
  });
  const result = (seed: number, over: Partial<TechniqueRunResult>): TechniqueRunResult => ({
    kind: 'technique',
    runId: `g/leakage/spambase/seed-${seed}`,
    groupId: 'g',
    agentId: 'a',
    competitionId: 'spambase',
    task: 'leakage',
    seed,
    runDir: `/r/${seed}`,
    outcome: 'succeeded',
    score: null,
    timings: { startedAt: '', finishedAt: '', agentSecs: 1 },
    container: null,
    techniqueGrade: null,
    ...over,
  });

  it('lists every grade with its criteria, ungraded runs with the reason, totals per task and the skips', () => {
    const report = summarizeTechniqueGrades(
      [
        result(1, { techniqueGrade: grade(0.9), score: 0.9 }),
        result(2, { techniqueGrade: grade(0.5), score: 0.5 }),
        result(3, { outcome: 'infra_error', reason: 'docker went away' }),
      ],
      [{ task: 'leakage', competition_id: 'sotu-authorship', reason: 'text' }],
      '2026-01-01T00:00:00Z',
    );
    expect(report.total_runs).toBe(3);
    expect(report.total_graded).toBe(2);
    expect(report.mean_score).toBe(0.7);
    expect(report.by_task.leakage).toEqual({ runs: 3, graded: 2, mean_score: 0.7, min_score: 0.5, max_score: 0.9 });
    expect(report.grades[2]).toMatchObject({ seed: 3, outcome: 'infra_error', score: null, criteria: [], reason: 'docker went away' });
    expect(report.grades[0]!.criteria[0]!.name).toBe('predictions');
    expect(report.skipped).toHaveLength(1);
  });
});
