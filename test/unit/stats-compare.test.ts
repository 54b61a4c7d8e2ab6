/** `mlebench compare`'s statistics (core/stats/compare.ts) on a hand-computed pair of groups. */
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../core/outcomes';
import type { CompetitionRunResult, Medal, RunResult, TechniqueRunResult } from '../../core/runs/types';
import { compareGroups, type ComparedGroup } from '../../core/stats/compare';
import { silverReport } from '../helpers/runKinds';

const LOWER_BETTER = new Set(['c2']);

function run(
  group: string,
  competitionId: string,
  seed: number,
  score: number | null,
  medal: Medal | null = null,
  outcome: Outcome = 'succeeded',
) {
  return {
    kind: 'competition',
    runId: `${group}/${competitionId}/seed-${seed}`,
    competitionId,
    seed,
    outcome,
    score,
    medal,
    aboveMedian: medal !== null,
    grade: silverReport({
      competition_id: competitionId,
      score,
      is_lower_better: LOWER_BETTER.has(competitionId),
      valid_submission: score !== null,
    }),
  } as CompetitionRunResult;
}

function technique(group: string, seed: number, score: number): TechniqueRunResult {
  return {
    kind: 'technique',
    runId: `${group}/missing/c1/seed-${seed}`,
    competitionId: 'c1',
    task: 'missing',
    seed,
    outcome: 'succeeded',
    score,
  } as TechniqueRunResult;
}

const group = (id: string, runs: RunResult[]): ComparedGroup => ({ id, agent_id: id, runs });

const a = group('A', [
  run('A', 'c1', 1, 0.8),
  run('A', 'c1', 2, 0.7),
  run('A', 'c1', 3, 0.9),
  run('A', 'c1', 4, 0.9),
  run('A', 'c2', 1, 1.0, 'gold'),
  run('A', 'c2', 2, 2.0),
  run('A', 'c2', 3, 2.0),
]);
const b = group('B', [
  run('B', 'c1', 1, 0.85),
  run('B', 'c1', 2, 0.8, 'bronze'),
  run('B', 'c1', 3, 0.9),
  run('B', 'c2', 1, 0.5),
  run('B', 'c2', 2, 2.5),
  run('B', 'c2', 3, null, null, 'infra_error'),
  run('B', 'c3', 1, 0.1),
]);

// t(0.975, 2) and t(0.975, 1): Student's t quantiles (scipy.stats.t.ppf).
const T2 = 4.302652729911275;
const T1 = 12.706204736174707;

describe('compareGroups', () => {
  it('pairs runs by competition and seed; lists the unpaired and the pairs an infrastructure failure spoils', () => {
    const c = compareGroups(a, b);
    expect(c.pairs).toBe(5);
    expect(c.unpaired).toEqual({ a_only: [{ competition_id: 'c1', seed: 4 }], b_only: [{ competition_id: 'c3', seed: 1 }] });
    expect(c.excluded).toEqual([{ competition_id: 'c2', seed: 3, a_outcome: 'succeeded', b_outcome: 'infra_error' }]);
    expect(c.method).toMatch(/paired t, jstat studentt\.inv/);
  });

  it('score differences per competition, a lower score better where the metric says so, each with a paired t interval', () => {
    const [c1, c2] = compareGroups(a, b).score;
    // c1: B − A = 0.05, 0.10, 0 → mean 0.05, SD 0.05, SE 0.05/√3.
    expect(c1).toMatchObject({ competition_id: 'c1', is_lower_better: false, n: 3 });
    expect(c1!.mean).toBeCloseTo(0.05, 12);
    expect(c1!.standard_error).toBeCloseTo(0.05 / Math.sqrt(3), 12);
    expect(c1!.ci_lower).toBeCloseTo(0.05 - (T2 * 0.05) / Math.sqrt(3), 9);
    expect(c1!.ci_upper).toBeCloseTo(0.05 + (T2 * 0.05) / Math.sqrt(3), 9);
    // c2, lower is better: 1.0 → 0.5 is +0.5, 2.0 → 2.5 is −0.5 → mean 0, SE 0.5.
    expect(c2).toMatchObject({ competition_id: 'c2', is_lower_better: true, n: 2, mean: 0, standard_error: 0.5 });
    expect(c2!.ci_upper).toBeCloseTo(T1 * 0.5, 9);
  });

  it('medal and above-median rates in percentage points, and the runs that differ most', () => {
    const c = compareGroups(a, b, { top: 2 });
    // c1 seed 2 gains a bronze (+100), c2 seed 1 loses a gold (−100), three pairs equal.
    expect(c.medal_rate).toMatchObject({ n: 5, mean: 0 });
    expect(c.medal_rate!.standard_error).toBeCloseTo(Math.sqrt(20000 / 4 / 5), 9);
    expect(c.above_median_rate).toMatchObject({ n: 5, mean: 0 });
    expect(c.valid_submission_rate).toEqual({ n: 5, mean: 0, ci_lower: 0, ci_upper: 0, standard_error: 0 });
    // Relative to the larger score: c2 seed 1 +0.5/1, c2 seed 2 −0.5/2.5, c1 seed 2 +0.1/0.8.
    expect(c.most_different.map((d) => [d.competition_id, d.seed, d.relative])).toEqual([
      ['c2', 1, 0.5],
      ['c2', 2, -0.2],
    ]);
    expect(c.most_different[0]).toMatchObject({ a_score: 1, b_score: 0.5, improvement: 0.5, a_medal: 'gold', b_medal: null });
  });

  it('technique grades: all tasks and by task; one pair has a mean and no interval', () => {
    const c = compareGroups(
      group('A', [technique('A', 1, 0.5), technique('A', 2, 0.6)]),
      group('B', [technique('B', 1, 0.7), technique('B', 2, 0.6)]),
    );
    expect(c.medal_rate).toBeNull();
    expect(c.technique_grade.all!.mean).toBeCloseTo(0.1, 12);
    expect(c.technique_grade.all!.ci_upper).toBeCloseTo(0.1 + T1 * 0.1, 9);
    expect(c.technique_grade.by_task).toHaveLength(1);
    expect(c.technique_grade.by_task[0]).toMatchObject({ task: 'missing', n: 2 });
    const one = compareGroups(group('A', [technique('A', 1, 0.5)]), group('B', [technique('B', 1, 0.7)]));
    expect(one.technique_grade.all).toMatchObject({ n: 1, ci_lower: null, ci_upper: null, standard_error: null });
  });
});
