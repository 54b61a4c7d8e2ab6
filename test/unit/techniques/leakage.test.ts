/**
 * leakage: the plant (columns that carry the label in train and are noise in test) and the grade
 * (the named columns against the planted ones; the predictions), on small synthetic data.
 */
import { describe, expect, it } from 'vitest';
import { readAnalysis } from '../../../core/techniques/agentFiles';
import { column } from '../../../core/techniques/data';
import { totalScore } from '../../../core/techniques/scoring';
import { leakage, leakageAnalysisSchema, type LeakageAnalysis, type LeakageTruth } from '../../../core/techniques/tasks/leakage';
import type { Criterion, PlantedData, Problem, TabularData } from '../../../core/techniques/types';
import { answerRows, keyedByName, plantWith, submit, synthetic, tempDir, type SyntheticOptions } from './fixtures';

/** 600 train and 300 test rows: x1 drives the target, x2 and color are noise (the shared generator's default columns). */
const LEAKAGE_DATA: SyntheticOptions = { seed: 3, trainRows: 600, testRows: 300 };

function syntheticData(problem: Problem, options: SyntheticOptions = {}): TabularData {
  return synthetic({ ...LEAKAGE_DATA, problem, ...options });
}

function plant(data: TabularData, seed = 1): PlantedData<LeakageTruth> {
  return plantWith(leakage, data, seed);
}

/** Pearson correlation. */
function correlation(a: readonly number[], b: readonly number[]): number {
  const mean = (x: readonly number[]): number => x.reduce((s, v) => s + v, 0) / x.length;
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i += 1) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** The target as numbers: the value (regression) or the label's index. */
function targetNumbers(data: TabularData, ys: readonly string[]): number[] {
  return ys.map((y) => (data.problem === 'regression' ? Number(y) : data.labels.indexOf(y)));
}

const tmp = tempDir('mlebench-leakage-test-');

async function grade(
  data: TabularData,
  truth: LeakageTruth,
  analysis: LeakageAnalysis | undefined,
  values: string[] | undefined,
  analysisProblem?: string,
): Promise<Record<string, Criterion>> {
  const { folder, predictions } = await submit(tmp, data, { rows: values && answerRows(data.answers, values) });
  const criteria = await leakage.grade({
    truth,
    analysis,
    analysisProblem,
    predictions,
    submissionDir: folder,
    test: data.test,
    problem: data.problem,
    labels: data.labels,
  });
  expect(() => totalScore(criteria)).not.toThrow(); // weights sum to 1
  return keyedByName(criteria);
}

describe('leakage plant', () => {
  for (const problem of ['binary', 'multiclass', 'regression'] as const) {
    it(`is deterministic in the seed (${problem})`, () => {
      const data = syntheticData(problem);
      expect(plant(data, 1)).toEqual(plant(data, 1));
      expect(plant(data, 2)).not.toEqual(plant(data, 1));
    });

    it(`plants columns that follow the label in train and not in test (${problem})`, () => {
      const data = syntheticData(problem);
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const p = plant(data, seed);
        const names = p.truth.leaky_columns;
        expect(names.length === 1 || names.length === 2).toBe(true);
        expect(new Set(names).size).toBe(names.length);
        // Train: the new columns just before the target; test: appended; answers untouched.
        expect(p.train.header).toEqual(['id', 'x1', 'x2', 'color', ...names, 'target']);
        expect(p.test.header).toEqual(['id', 'x1', 'x2', 'color', ...names]);
        expect(p.answers).toEqual(data.answers);
        expect(p.train.rows.map((r) => [...r.slice(0, 4), r.at(-1)])).toEqual(data.train.rows);
        expect(p.test.rows.map((r) => r.slice(0, 4))).toEqual(data.test.rows);
        const trainY = targetNumbers(data, column(p.train, 'target'));
        const testY = targetNumbers(data, column(p.answers, 'target'));
        for (const name of names) {
          expect(name).not.toMatch(/leak|target|label/i);
          const trainCells = column(p.train, name);
          const testCells = column(p.test, name);
          expect(trainCells.every((c) => Number.isFinite(Number(c)))).toBe(true);
          expect(correlation(trainCells.map(Number), trainY)).toBeGreaterThan(0.99);
          expect(Math.abs(correlation(testCells.map(Number), testY))).toBeLessThan(0.2);
          // Same distribution: every test value is one of train's.
          const seen = new Set(trainCells);
          expect(testCells.every((c) => seen.has(c))).toBe(true);
        }
      }
    });
  }

  it('plants one or two columns, varying with the seed', () => {
    const data = syntheticData('binary');
    const counts = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s) => plant(data, s).truth.leaky_columns.length));
    expect([...counts].sort()).toEqual([1, 2]);
  });

  it('never reuses the name of an existing column', () => {
    const data = syntheticData('binary', { extraColumn: 'account_flag' });
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
      const p = plant(data, seed);
      expect(p.truth.leaky_columns).not.toContain('account_flag');
      expect(p.train.header.filter((c) => c === 'account_flag')).toHaveLength(1);
    }
  });
});

describe('leakage grade', () => {
  const data = syntheticData('binary');
  const p = plant(data, 4);
  const truth = p.truth;
  const answers = column(data.answers, 'target');
  const twoLeaks = { leaky_columns: ['review_score', 'batch_code'] };

  it('gives 1 to a perfect analysis with perfect predictions', async () => {
    const c = await grade(data, truth, { leaky_columns: [...truth.leaky_columns] }, answers);
    expect(Object.values(c).map((x) => [x.name, x.score])).toEqual([
      ['leaky_precision', 1],
      ['leaky_recall', 1],
      ['predictions', 1],
    ]);
  });

  it('gives 0 with the reasons when no file was written', async () => {
    const c = await grade(data, truth, undefined, undefined, 'no file at /x/leakage_analysis.json');
    expect(totalScore(Object.values(c))).toBe(0);
    expect(c.leaky_precision!.detail).toContain('no file at /x/leakage_analysis.json');
    expect(c.leaky_recall!.detail).toContain('no file at /x/leakage_analysis.json');
    expect(c.predictions!.detail).toMatch(/no valid predictions/);
  });

  it('scores precision and recall of the named columns', async () => {
    const c1 = await grade(data, twoLeaks, { leaky_columns: ['review_score'] }, answers);
    expect([c1.leaky_precision!.score, c1.leaky_recall!.score]).toEqual([1, 0.5]);
    expect(c1.leaky_recall!.detail).toContain('missed: batch_code');
    const c2 = await grade(data, twoLeaks, { leaky_columns: ['review_score', 'batch_code', 'x1', 'x2'] }, answers);
    expect([c2.leaky_precision!.score, c2.leaky_recall!.score]).toEqual([0.5, 1]);
    expect(c2.leaky_precision!.detail).toContain('not leaky: x1, x2');
    const c3 = await grade(data, twoLeaks, { leaky_columns: [] }, answers);
    expect([c3.leaky_precision!.score, c3.leaky_recall!.score]).toEqual([0, 0]);
    // Naming a column twice counts it once.
    const c4 = await grade(data, twoLeaks, { leaky_columns: ['batch_code', 'batch_code'] }, answers);
    expect([c4.leaky_precision!.score, c4.leaky_recall!.score]).toEqual([1, 0.5]);
    // Names are matched exactly, as the header spells them.
    const c5 = await grade(data, twoLeaks, { leaky_columns: ['Review_Score', 'batch_code '] }, answers);
    expect([c5.leaky_precision!.score, c5.leaky_recall!.score]).toEqual([0, 0]);
  });

  it('scores the predictions with chance-corrected balanced accuracy', async () => {
    // Every "yes" predicted right and half the "no" rows: balanced accuracy 0.75, half way above chance.
    let flip = false;
    const values = answers.map((y) => {
      if (y !== 'no') return y;
      flip = !flip;
      return flip ? 'yes' : 'no';
    });
    const noRows = answers.filter((y) => y === 'no').length;
    const c = await grade(data, truth, { leaky_columns: truth.leaky_columns }, values);
    expect(c.predictions!.score).toBeCloseTo(2 * ((1 + Math.floor(noRows / 2) / noRows) / 2) - 1, 12);
    const constant = await grade(
      data,
      truth,
      { leaky_columns: truth.leaky_columns },
      answers.map(() => 'no'),
    );
    expect(constant.predictions!.score).toBe(0);
    expect(totalScore(Object.values(constant))).toBe(0.6);
  });

  it('refuses an invalid analysis, naming the field', async () => {
    const bad = [
      [{ leaky_columns: 'review_score' }, 'leaky_columns'],
      [{ leaky_columns: [1, 2] }, 'leaky_columns.0'],
      [{ columns: ['review_score'] }, 'leaky_columns'],
      [{ leaky_columns: [], notes: 3 }, 'notes'],
    ] as const;
    for (const [value, field] of bad) {
      const file = await tmp.write(JSON.stringify(value), 'analysis', '.json');
      const read = await readAnalysis(file, leakageAnalysisSchema);
      expect(read.ok).toBe(false);
      if (read.ok) continue;
      expect(read.reason).toContain(`${field}:`);
      const c = await grade(data, truth, undefined, answers, read.reason);
      expect([c.leaky_precision!.score, c.leaky_recall!.score, c.predictions!.score]).toEqual([0, 0, 1]);
      expect(c.leaky_recall!.detail).toContain(`${field}:`);
    }
  });
});
