/**
 * cv: the plant (a seeded, class-stratified cut of train to a few hundred rows; test and answers
 * untouched) and the grade (the estimate and interval against the true held-out score of the
 * agent's own predictions), on small synthetic data.
 */
import { describe, expect, it } from 'vitest';
import { type CsvTable } from '../../../core/csv';
import { readAnalysis } from '../../../core/techniques/agentFiles';
import { column, formatNumber } from '../../../core/techniques/data';
import { r2, type PredictionCheck } from '../../../core/techniques/predictions';
import { fmt, totalScore } from '../../../core/techniques/scoring';
import {
  CV_TOLERANCES,
  cv,
  cvAnalysisSchema,
  estimateError,
  heldOutScore,
  toleranceFor,
  type CvAnalysis,
  type CvTruth,
} from '../../../core/techniques/tasks/cv';
import type { Criterion, PlantedData, Problem, TabularData } from '../../../core/techniques/types';
import { answerRows, keyedByName, plantWith, submit, synthetic, tempDir, type SyntheticOptions } from './fixtures';

/**
 * 1000 train and 300 test rows: x1 drives the target, x2 and color are noise. Multiclass: unequal
 * shares, and a class of about 2% (rarer than the stratification floor).
 */
const CV_DATA: SyntheticOptions = {
  seed: 11,
  trainRows: 1000,
  testRows: 300,
  target: { multiclass: { weights: [1], cuts: [0.2, 5, 8], labels: ['rare', 'a', 'b', 'c'] } },
};

function syntheticData(problem: Problem, options: SyntheticOptions = {}): TabularData {
  return synthetic({ ...CV_DATA, problem, ...options });
}

function plant(data: TabularData, seed = 1): PlantedData<CvTruth> {
  return plantWith(cv, data, seed);
}

const tmp = tempDir('mlebench-cv-test-');

/** A fresh submission folder holding submission.csv with `values` for the answers' ids (none when undefined). */
async function submission(data: TabularData, values: string[] | undefined): Promise<{ folder: string; check: PredictionCheck }> {
  const { folder, predictions } = await submit(tmp, data, { rows: values && answerRows(data.answers, values) });
  return { folder, check: predictions };
}

async function grade(
  data: TabularData,
  truth: CvTruth,
  analysis: CvAnalysis | undefined,
  values: string[] | undefined,
  analysisProblem?: string,
): Promise<Record<string, Criterion>> {
  const { folder, check } = await submission(data, values);
  const criteria = await cv.grade({
    truth,
    analysis,
    analysisProblem,
    predictions: check,
    submissionDir: folder,
    test: data.test,
    problem: data.problem,
    labels: data.labels,
  });
  expect(() => totalScore(criteria)).not.toThrow(); // weights sum to 1
  return keyedByName(criteria);
}

function analysis(estimate: number, interval: [number, number], metric = 'accuracy'): CvAnalysis {
  return cvAnalysisSchema.parse({ metric, estimate, interval });
}

/** The answers with the first `wrong` labels flipped (binary): accuracy 1 − wrong/n. */
function flipped(data: TabularData, wrong: number): string[] {
  return column(data.answers, 'target').map((y, i) => (i < wrong ? (y === 'yes' ? 'no' : 'yes') : y));
}

describe('cv plant', () => {
  for (const problem of ['binary', 'multiclass', 'regression'] as const) {
    it(`is deterministic in the seed (${problem})`, () => {
      const data = syntheticData(problem);
      expect(plant(data, 1)).toEqual(plant(data, 1));
      expect(plant(data, 2).train).not.toEqual(plant(data, 1).train);
    });

    it(`keeps a few hundred original train rows in file order, test and answers untouched (${problem})`, () => {
      const data = syntheticData(problem);
      for (const seed of [1, 2, 3, 4, 5]) {
        const p = plant(data, seed);
        expect(p.train.header).toEqual(data.train.header); // no column added: nothing names the truth
        expect(p.test).toEqual(data.test);
        expect(p.answers).toEqual(data.answers);
        const original = new Map(data.train.rows.map((r, i) => [r[0]!, { row: r, at: i }]));
        const at = p.train.rows.map((r) => {
          const o = original.get(r[0]!);
          expect(o?.row).toEqual(r);
          return o!.at;
        });
        expect(at).toEqual([...new Set(at)].sort((a, b) => a - b));
        // Rounding per class moves the total by at most a row per class; the floor adds the rest.
        expect(p.train.rows.length).toBeGreaterThanOrEqual(250 - 4);
        expect(p.train.rows.length).toBeLessThanOrEqual(400 + 10);
        expect(p.truth).toEqual({
          metric: problem === 'regression' ? 'r2' : 'accuracy',
          train_rows: p.train.rows.length,
          source_train_rows: 1000,
          test_rows: 300,
        });
        expect(p.facts?.cv_metric).toBe(p.truth.metric);
        expect(typeof p.facts?.cv_metric_definition).toBe('string');
      }
    });
  }

  it('stratifies by class and keeps at least 10 rows of a rare class', () => {
    const data = syntheticData('multiclass');
    const share = (t: CsvTable, cls: string): number => column(t, 'target').filter((y) => y === cls).length / t.rows.length;
    const rareRows = column(data.train, 'target').filter((y) => y === 'rare').length;
    expect(rareRows).toBeGreaterThan(10);
    expect(rareRows * 0.4).toBeLessThan(10); // the floor, not the share, decides the rare class
    for (const seed of [1, 2, 3]) {
      const p = plant(data, seed);
      expect(column(p.train, 'target').filter((y) => y === 'rare')).toHaveLength(10);
      for (const cls of ['a', 'b', 'c']) expect(Math.abs(share(p.train, cls) - share(data.train, cls))).toBeLessThan(0.03);
    }
  });

  it('asks for at least 20 rows per class when there are many classes', () => {
    const base = syntheticData('multiclass', { seed: 5, trainRows: 3000 });
    const letters = Array.from({ length: 26 }, (_, i) => String.fromCharCode(65 + i));
    const ys = base.train.rows.map((_, i) => letters[i % 26]!);
    const data: TabularData = {
      ...base,
      labels: letters,
      train: { header: base.train.header, rows: base.train.rows.map((r, i) => [...r.slice(0, -1), ys[i]!]) },
    };
    const p = plant(data);
    expect(p.train.rows.length).toBeGreaterThanOrEqual(520 - 26);
  });

  it('keeps every row of a train already that small', () => {
    const data = syntheticData('binary', { seed: 3, trainRows: 200 });
    const p = plant(data);
    expect(p.train).toEqual(data.train);
    expect(p.truth.train_rows).toBe(200);
  });
});

describe('cv grade', () => {
  const data = syntheticData('binary');
  const truth = plant(data).truth;
  const answers = column(data.answers, 'target');

  it('gives 1 to a perfect analysis with perfect predictions', async () => {
    const c = await grade(data, truth, analysis(1, [0.97, 1]), answers);
    expect(Object.values(c).map((x) => [x.name, x.score])).toEqual([
      ['cv_estimate', 1],
      ['cv_interval', 1],
      ['predictions', 1],
    ]);
    expect(totalScore(Object.values(c))).toBe(1);
  });

  it('gives 1 on regression too, against R²', async () => {
    const reg = syntheticData('regression');
    const t = plant(reg).truth;
    const c = await grade(reg, t, analysis(1, [0.9, 1], 'r2'), column(reg.answers, 'target'));
    expect(totalScore(Object.values(c))).toBe(1);
  });

  it('gives 0 with the reasons when no file was written', async () => {
    const c = await grade(data, truth, undefined, undefined, 'no file at /x/cv_analysis.json');
    expect(totalScore(Object.values(c))).toBe(0);
    expect(c.cv_estimate!.detail).toContain('no file at /x/cv_analysis.json');
    expect(c.cv_interval!.detail).toContain('no file at /x/cv_analysis.json');
    expect(c.predictions!.detail).toMatch(/no valid predictions/);
  });

  it('scores the estimate against the true accuracy of the submitted predictions, within 2σ for this data size', async () => {
    const values = flipped(data, 60); // accuracy 0.8
    const { check } = await submission(data, values);
    expect(check.valid && heldOutScore(check, 'accuracy')).toBeCloseTo(0.8, 12);
    // An accuracy is a mean of right/wrong: σ = √(p(1 − p)) · √(1/n_train + 1/n_test).
    const sigma = check.valid ? estimateError(check, 'accuracy', truth.train_rows) : Number.NaN;
    expect(sigma).toBeCloseTo(0.4 * Math.sqrt(1 / truth.train_rows + 1 / 300), 12);
    expect(2 * sigma).toBeGreaterThan(CV_TOLERANCES.accuracy.estimateFull); // few rows: σ, not the floor, decides
    const score = async (estimate: number): Promise<number> =>
      (await grade(data, truth, analysis(estimate, [estimate - 0.05, estimate + 0.05]), values)).cv_estimate!.score;
    expect(await score(0.8)).toBe(1);
    expect(await score(0.8 + 1.99 * sigma)).toBe(1);
    expect(await score(0.8 - 1.99 * sigma)).toBe(1);
    expect(await score(0.8 + 3 * sigma)).toBeCloseTo(0.5, 9);
    expect(await score(0.8 - 3 * sigma)).toBeCloseTo(0.5, 9);
    expect(await score(0.8 + 3.99 * sigma)).toBeGreaterThan(0);
    expect(await score(0.8 + 4.01 * sigma)).toBe(0);
    expect(await score(0.5)).toBe(0);
    const c = await grade(data, truth, analysis(0.86, [0.8, 0.9]), values);
    expect(c.cv_estimate!.detail).toMatch(/estimated accuracy 0\.86, true held-out 0\.8 /);
    expect(c.cv_estimate!.detail).toContain(`σ ${fmt(sigma)} on ${truth.train_rows} train and 300 test rows`);
  });

  it('keeps the fixed tolerances as floors where σ is small', async () => {
    const values = flipped(data, 3); // accuracy 0.99: σ ≈ 0.008
    const { check } = await submission(data, values);
    expect(check.valid && 2 * estimateError(check, 'accuracy', truth.train_rows)).toBeLessThan(0.02);
    const score = async (estimate: number): Promise<number> =>
      (await grade(data, truth, analysis(estimate, [estimate - 0.01, Math.min(1, estimate + 0.01)]), values)).cv_estimate!.score;
    expect(await score(0.971)).toBe(1);
    expect(await score(0.93)).toBeCloseTo(0.5, 9); // half way from 0.02 to 0.10
    expect(await score(0.889)).toBe(0);
    expect(toleranceFor('accuracy', 0)).toEqual(CV_TOLERANCES.accuracy);
    expect(toleranceFor('accuracy', 0.05)).toEqual({
      estimateFull: 0.1,
      estimateZero: 0.2,
      widthFull: 0.2,
      widthZero: 0.4,
      missZero: 0.05,
    });
  });

  it('credits an interval that covers the true score and is not too wide', async () => {
    const values = flipped(data, 60); // accuracy 0.8
    const { check } = await submission(data, values);
    const sigma = check.valid ? estimateError(check, 'accuracy', truth.train_rows) : Number.NaN;
    expect(4 * sigma).toBeLessThan(0.15); // the width floors hold here, the miss follows σ
    const score = async (low: number, high: number): Promise<number> =>
      (await grade(data, truth, analysis((low + high) / 2, [low, high]), values)).cv_interval!.score;
    expect(await score(0.75, 0.85)).toBe(1);
    expect(await score(0.7, 0.849)).toBe(1); // 0.149 wide
    expect(await score(0.7, 0.925)).toBeCloseTo(0.5, 9); // 0.225 wide: half way from 0.15 to 0.30
    expect(await score(0.65, 0.951)).toBe(0); // 0.301 wide
    expect(await score(0.8 + sigma / 2, 0.9)).toBeCloseTo(0.5, 9); // misses by σ/2 of the σ allowed
    expect(await score(0.7, 0.8 - sigma / 2)).toBeCloseTo(0.5, 9);
    expect(await score(0.8 + sigma * 1.01, 0.9)).toBe(0);
    expect(await score(0.8, 0.8)).toBe(1); // a point on the true score covers it
    const c = await grade(data, truth, analysis(0.85, [0.81, 0.9]), values);
    expect(c.cv_interval!.detail).toMatch(/misses the true 0\.8 by 0\.01 /);
  });

  it('uses the R² tolerances for regression, with σ by the delta method', async () => {
    const reg = syntheticData('regression');
    const t = plant(reg).truth;
    const ys = column(reg.answers, 'target').map(Number);
    const values = ys.map((y, i) => formatNumber(y + (i % 2 === 0 ? 4 : -4)));
    const { check } = await submission(reg, values);
    const actual = check.valid ? heldOutScore(check, 'r2') : Number.NaN;
    expect(actual).toBeCloseTo(r2(ys, values.map(Number)), 12);
    expect(actual).toBeGreaterThan(0.5);
    expect(actual).toBeLessThan(0.95);
    // Every residual is ±4, so the per-row influence is (16 − (1 − R²)·d²) / mean(d²).
    const mean = ys.reduce((s, y) => s + y, 0) / ys.length;
    const d2 = ys.map((y) => (y - mean) ** 2);
    const md2 = d2.reduce((s, v) => s + v, 0) / ys.length;
    const spread = Math.sqrt(d2.reduce((s, d) => s + ((16 - (1 - actual) * d) / md2) ** 2, 0) / ys.length);
    const sigma = check.valid ? estimateError(check, 'r2', t.train_rows) : Number.NaN;
    expect(sigma).toBeCloseTo(spread * Math.sqrt(1 / t.train_rows + 1 / ys.length), 9);
    const tol = toleranceFor('r2', sigma);
    expect(tol.estimateFull).toBe(Math.max(0.03, 2 * sigma));
    const at = async (estimate: number, interval: [number, number]): Promise<Record<string, Criterion>> =>
      grade(reg, t, analysis(estimate, interval, 'r2'), values);
    const mid = (tol.estimateFull + tol.estimateZero) / 2;
    expect((await at(actual + tol.estimateFull - 0.001, [actual - 0.05, actual + 0.1])).cv_estimate!.score).toBe(1);
    expect((await at(actual + mid, [actual, actual + 0.2])).cv_estimate!.score).toBeCloseTo(0.5, 9);
    expect((await at(actual - tol.estimateZero - 0.001, [actual - 0.2, actual])).cv_estimate!.score).toBe(0);
    const w = tol.widthFull;
    expect((await at(actual, [actual - w / 2, actual + w / 2 - 0.001])).cv_interval!.score).toBe(1);
    const half = (tol.widthFull + tol.widthZero) / 4;
    expect((await at(actual, [actual - half, actual + half])).cv_interval!.score).toBeCloseTo(0.5, 9);
    const miss = tol.missZero / 2;
    expect((await at(actual + 0.05, [actual + miss, actual + 0.1])).cv_interval!.score).toBeCloseTo(0.5, 9);
  });

  it('gives no estimate credit to an analysis of another metric', async () => {
    const values = flipped(data, 60);
    const c = await grade(data, truth, analysis(0.8, [0.75, 0.85], 'balanced_accuracy'), values);
    expect(c.cv_estimate!.score).toBe(0);
    expect(c.cv_interval!.score).toBe(0);
    expect(c.cv_estimate!.detail).toContain('"balanced_accuracy"');
    expect(c.cv_estimate!.detail).toContain('"accuracy"');
    expect(c.predictions!.score).toBeGreaterThan(0.5);
  });

  it('gives no estimate credit for a constant prediction, however exact', async () => {
    const values = answers.map(() => 'no');
    const share = answers.filter((y) => y === 'no').length / answers.length;
    const c = await grade(data, truth, analysis(share, [share - 0.01, share + 0.01]), values);
    expect(totalScore(Object.values(c))).toBe(0);
    expect(c.cv_estimate!.detail).toMatch(/constant/);
  });

  it('gives no estimate credit without valid predictions', async () => {
    const c = await grade(
      data,
      truth,
      analysis(0.8, [0.75, 0.85]),
      answers.map(() => 'maybe'),
    );
    expect(totalScore(Object.values(c))).toBe(0);
    expect(c.cv_estimate!.detail).toMatch(/no valid predictions/);
  });

  it('refuses an invalid analysis, naming the field', async () => {
    const bad = [
      [{ metric: 'accuracy', estimate: 0.9, interval: [0.92, 0.95] }, 'interval'],
      [{ metric: 'accuracy', estimate: 0.9, interval: [0.85, 0.88] }, 'interval'],
      [{ metric: 'accuracy', interval: [0.85, 0.95] }, 'estimate'],
      [{ metric: 'accuracy', estimate: '0.9', interval: [0.85, 0.95] }, 'estimate'],
      [{ metric: 'accuracy', estimate: 0.9, interval: [0.85, 0.9, 0.95] }, 'interval'],
      [{ estimate: 0.9, interval: [0.85, 0.95] }, 'metric'],
      [{ metric: 'accuracy', estimate: 0.9, interval: [0.85, 0.95], folds: 1 }, 'folds'],
    ] as const;
    for (const [value, field] of bad) {
      const file = await tmp.write(JSON.stringify(value), 'analysis', '.json');
      const read = await readAnalysis(file, cvAnalysisSchema);
      expect(read.ok).toBe(false);
      if (read.ok) continue;
      expect(read.reason).toContain(`${field}:`);
      const c = await grade(data, truth, undefined, answers, read.reason);
      expect(c.cv_estimate!.score).toBe(0);
      expect(c.cv_estimate!.detail).toContain(`${field}:`);
      expect(c.predictions!.score).toBe(1);
    }
    const file = await tmp.write(
      JSON.stringify({ metric: 'accuracy', estimate: 0.9, interval: [0.85, 0.95], folds: 10, method: 'x', notes: 'y' }),
      'analysis',
      '.json',
    );
    expect((await readAnalysis(file, cvAnalysisSchema)).ok).toBe(true);
  });
});
