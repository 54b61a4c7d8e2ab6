/**
 * The imbalance task on small synthetic data sets: the plant is deterministic, its truth matches
 * the planted tables, and the grade follows the documented criteria, weights and tolerances.
 */
import { describe, expect, it } from 'vitest';
import { column } from '../../../core/techniques/data';
import { totalScore } from '../../../core/techniques/scoring';
import { FRACTION_MAX, FRACTION_MIN, imbalance, type ImbalanceTruth } from '../../../core/techniques/tasks/imbalance';
import type { Criterion, PlantedData, Problem, TabularData } from '../../../core/techniques/types';
import { answerRows, byName, gradeFiles, plantWith, synthetic, tempDir, type SyntheticOptions } from './fixtures';

const SIGNAL = { weights: [1, 1], noise: 2 };

/** 1200 train and 400 test rows, four numeric features; binary (≈ 60/40) or four classes. */
const IMBALANCE_DATA: SyntheticOptions = {
  seed: 5,
  trainRows: 1200,
  testRows: 400,
  testIdStart: 5000,
  targetColumn: 'y',
  numeric: 4,
  scale: 10,
  round: { fixed: 3 },
  strings: [],
  target: {
    binary: { ...SIGNAL, threshold: 11, labels: ['no', 'yes'] },
    multiclass: { ...SIGNAL, cuts: [5.5, 11, 16.5], labels: ['a', 'b', 'c', 'd'] },
  },
};

function syntheticData(problem: Extract<Problem, 'binary' | 'multiclass'>): TabularData {
  return synthetic({ ...IMBALANCE_DATA, problem });
}

const shareOf = (labels: string[], cls: string) => labels.filter((y) => y === cls).length / labels.length;

const tmp = tempDir('mlebench-imbalance-');
const data = syntheticData('binary');
const planted: PlantedData<ImbalanceTruth> = plantWith(imbalance, data, 7);
const minority = planted.truth.minority_class;

async function grade(rows: string[][] | undefined, analysis?: unknown): Promise<Criterion[]> {
  return gradeFiles(tmp, imbalance, planted, data, { rows, analysis });
}

const perfect = () => ({ minority_class: minority, minority_fraction: planted.truth.minority_fraction });
const truthRows = () => answerRows(planted.answers);
const other = () => data.labels.find((l) => l !== minority)!;

/** The answers with the first `k` rows of the minority class predicted as the other class. */
function missingMinority(k: number): string[][] {
  let left = k;
  return truthRows().map(([id, y]) => {
    if (y === minority && left > 0) {
      left -= 1;
      return [id!, other()];
    }
    return [id!, y!];
  });
}

describe('imbalance plant', () => {
  it('is deterministic in the seed', () => {
    expect(plantWith(imbalance, data, 7)).toEqual(planted);
    expect(plantWith(imbalance, data, 8).train).not.toEqual(planted.train);
    const multi = syntheticData('multiclass');
    expect(plantWith(imbalance, multi, 3)).toEqual(plantWith(imbalance, multi, 3));
  });

  it('undersamples the rarer class of a binary train to a share in [0.02, 0.06], other rows untouched', () => {
    const ys = column(data.train, 'y');
    const rarer = data.labels.reduce((a, b) => (shareOf(ys, a) <= shareOf(ys, b) ? a : b));
    expect(minority).toBe(rarer);
    const planted_ys = column(planted.train, 'y');
    const t = planted.truth;
    expect(t.minority_fraction).toBeCloseTo(shareOf(planted_ys, minority), 12);
    expect(t.minority_train_rows).toBe(planted_ys.filter((y) => y === minority).length);
    expect(t.train_rows).toBe(planted.train.rows.length);
    expect(t.original_fraction).toBeCloseTo(shareOf(ys, minority), 12);
    expect(t.drawn_fraction).toBeGreaterThanOrEqual(FRACTION_MIN);
    expect(t.drawn_fraction).toBeLessThanOrEqual(FRACTION_MAX);
    expect(Math.abs(t.minority_fraction - t.drawn_fraction)).toBeLessThan(0.002);
    // The other class keeps every row; the kept rows are original rows, in their original order.
    const originals = new Map(data.train.rows.map((r, i) => [r.join(','), i]));
    const at = planted.train.rows.map((r) => originals.get(r.join(','))!);
    expect(at.every((i) => i !== undefined)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(planted_ys.filter((y) => y !== minority).length).toBe(ys.filter((y) => y !== minority).length);
  });

  it('keeps the test set, the answers and the headers; the truth is in no column name', () => {
    expect(planted.test).toEqual(data.test);
    expect(planted.answers).toEqual(data.answers);
    expect(planted.train.header).toEqual(data.train.header);
    expect(planted.facts).toBeUndefined();
  });

  it('on several classes, makes a seeded class clearly the rarest', () => {
    const multi = syntheticData('multiclass');
    const chosen = new Set<string>();
    for (let seed = 1; seed <= 12; seed += 1) {
      const p = plantWith(imbalance, multi, seed);
      const ys = column(p.train, 'y');
      const cls = p.truth.minority_class;
      chosen.add(cls);
      expect(p.truth.minority_fraction).toBeCloseTo(shareOf(ys, cls), 12);
      for (const l of multi.labels.filter((l) => l !== cls))
        expect(shareOf(ys, l)).toBeGreaterThanOrEqual(3 * p.truth.minority_fraction - 1e-12);
      expect(p.truth.minority_fraction).toBeLessThanOrEqual(FRACTION_MAX + 0.002);
    }
    expect(chosen.size).toBeGreaterThan(1);
  });
});

describe('imbalance grade', () => {
  it('scores a perfect analysis with perfect predictions 1', async () => {
    const criteria = await grade(truthRows(), perfect());
    expect(criteria.map((c) => [c.name, c.weight])).toEqual([
      ['minority_class', 0.2],
      ['minority_fraction', 0.2],
      ['minority_recall', 0.3],
      ['predictions', 0.3],
    ]);
    expect(totalScore(criteria)).toBe(1);
  });

  it('scores no files 0, with the reasons', async () => {
    const criteria = await grade(undefined);
    expect(totalScore(criteria)).toBe(0);
    expect(byName(criteria, 'minority_class').detail).toMatch(/no valid analysis: no file at .*imbalance_analysis\.json/);
    expect(byName(criteria, 'minority_fraction').detail).toMatch(/no valid analysis/);
    expect(byName(criteria, 'minority_recall').detail).toMatch(/no valid predictions/);
    expect(byName(criteria, 'predictions').detail).toMatch(/no valid predictions/);
  });

  it('names the class exactly', async () => {
    expect(byName(await grade(truthRows(), { ...perfect(), minority_class: other() }), 'minority_class').score).toBe(0);
    expect(byName(await grade(truthRows(), { ...perfect(), minority_class: ` ${minority}` }), 'minority_class').score).toBe(0);
  });

  it('credits the fraction fully within 10% relative error, none from 50%, linearly between', async () => {
    const f = planted.truth.minority_fraction;
    const at = async (x: number) => byName(await grade(truthRows(), { ...perfect(), minority_fraction: x }), 'minority_fraction').score;
    expect(await at(f * 1.09)).toBe(1);
    expect(await at(f * 0.91)).toBe(1);
    expect(await at(f * 1.3)).toBeCloseTo(0.5, 9);
    expect(await at(f * 0.7)).toBeCloseTo(0.5, 9);
    expect(await at(f * 1.5)).toBe(0);
    expect(await at(f * 3)).toBe(0);
    expect(await at(planted.truth.original_fraction)).toBe(0);
  });

  it('credits the minority recall fully at 0.8, none at chance, and nothing for predicting it everywhere', async () => {
    const n = planted.answers.rows.filter((r) => r[1] === minority).length;
    const at = async (rows: string[][]) => byName(await grade(rows, perfect()), 'minority_recall');
    expect((await at(missingMinority(Math.floor(0.2 * n)))).score).toBe(1);
    const k = Math.ceil(0.35 * n);
    const recall = (n - k) / n;
    expect((await at(missingMinority(k))).score).toBeCloseTo((recall - 0.5) / 0.3, 9);
    expect((await at(missingMinority(Math.ceil(n / 2)))).score).toBe(0);
    const everywhere = await at(truthRows().map(([id]) => [id!, minority]));
    expect(everywhere.score).toBe(0);
    expect(everywhere.detail).toMatch(/mean recall of the other classes 0/);
    const nowhere = await grade(
      truthRows().map(([id]) => [id!, other()]),
      perfect(),
    );
    expect(byName(nowhere, 'minority_recall').score).toBe(0);
    expect(byName(nowhere, 'predictions').score).toBe(0);
  });

  it('gives an invalid analysis 0 on its criteria with the field named, and keeps the prediction criteria', async () => {
    const criteria = await grade(truthRows(), { minority_class: minority, minority_fraction: 1.5 });
    expect(byName(criteria, 'minority_class').score).toBe(0);
    expect(byName(criteria, 'minority_fraction').detail).toMatch(/minority_fraction/);
    expect(totalScore(criteria)).toBe(0.6);
    const noClass = await grade(truthRows(), { minority_fraction: 0.03 });
    expect(byName(noClass, 'minority_class').detail).toMatch(/minority_class/);
  });
});
