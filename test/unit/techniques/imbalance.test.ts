/**
 * The imbalance task on small synthetic data sets: the plant is deterministic, its truth matches
 * the planted tables, and the grade follows the documented criteria, weights and tolerances.
 */
import { describe, expect, it } from 'vitest';
import { column } from '../../../core/techniques/data';
import { totalScore } from '../../../core/techniques/scoring';
import type { Ceiling, RareClassLevel } from '../../../core/techniques/predictions';
import {
  FRACTION_MAX,
  FRACTION_MIN,
  imbalance,
  minorityRecallCriterion,
  nearestCentroidRecall,
  OVERLAP_RECALL,
  RECALL_FULL,
  rareClassLevel,
  type ImbalanceTruth,
} from '../../../core/techniques/tasks/imbalance';
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

/** Six classes cut from a noisy signal: the narrow middle bands overlap, the two ends do not. */
const OVERLAPPING_DATA: SyntheticOptions = {
  ...IMBALANCE_DATA,
  problem: 'multiclass',
  target: { multiclass: { weights: [1, 1], noise: 6, cuts: [9, 10.5, 12, 13.5, 15], labels: ['a', 'b', 'c', 'd', 'e', 'f'] } },
};

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

  it("on several classes, makes a seeded class clearly the rarest, at binary's ratio to the largest other class", () => {
    const multi = syntheticData('multiclass');
    for (let seed = 1; seed <= 12; seed += 1) {
      const p = plantWith(imbalance, multi, seed);
      const ys = column(p.train, 'y');
      const cls = p.truth.minority_class;
      expect(p.truth.minority_fraction).toBeCloseTo(shareOf(ys, cls), 12);
      const others = multi.labels.filter((l) => l !== cls).map((l) => ys.filter((y) => y === l).length);
      for (const size of others) expect(size).toBeGreaterThanOrEqual(3 * p.truth.minority_train_rows);
      const f = p.truth.drawn_fraction;
      const ratio = Math.round((f * Math.max(...others)) / (1 - f));
      expect(p.truth.minority_train_rows).toBe(Math.max(1, Math.min(ratio, Math.floor(Math.min(...others) / 3))));
      expect(p.truth.minority_fraction).toBeLessThanOrEqual(FRACTION_MAX + 0.002);
    }
  });

  it('draws a multiclass minority only among the classes that overlap others', () => {
    const multi = synthetic(OVERLAPPING_DATA);
    const recall = nearestCentroidRecall(multi)!;
    const overlapping = multi.labels.filter((c) => recall.get(c)! < OVERLAP_RECALL);
    // The fixture is what the test needs: some classes overlap, some are well separated.
    expect(overlapping.length).toBeGreaterThan(1);
    expect(overlapping.length).toBeLessThan(multi.labels.length);
    const chosen = new Set<string>();
    for (let seed = 1; seed <= 20; seed += 1) chosen.add(plantWith(imbalance, multi, seed).truth.minority_class);
    expect([...chosen].sort()).toEqual([...overlapping].sort());
  });

  it('falls back to the class recalled worst when every class is well separated', () => {
    const multi = syntheticData('multiclass');
    const recall = nearestCentroidRecall(multi)!;
    expect([...recall.values()].every((r) => r >= OVERLAP_RECALL)).toBe(true);
    const worst = [...recall.entries()].sort((a, b) => a[1] - b[1])[0]![0];
    for (let seed = 1; seed <= 5; seed += 1) expect(plantWith(imbalance, multi, seed).truth.minority_class).toBe(worst);
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

describe('imbalance prediction criteria on a class cut to a few rows', () => {
  const labels = ['a', 'b', 'c'];
  // 10 rows per class; the minority 'a' recalled on 7 of 10, the others on 8 of 10.
  const truth = labels.flatMap((c) => Array.from({ length: 10 }, () => c));
  const predicted = truth.map((c, i) => (i % 10 < (c === 'a' ? 7 : 8) ? c : labels[(labels.indexOf(c) + 1) % 3]!));
  const check = (ceiling?: Ceiling) => ({
    valid: true as const,
    predicted,
    values: new Float64Array(0),
    truth: {
      problem: 'multiclass' as const,
      ids: truth.map((_, i) => String(i)),
      labels: truth,
      values: new Float64Array(0),
      classes: labels,
      ceiling,
    },
  });
  const level = (minority_recall: number): RareClassLevel => ({
    rows: 34,
    draws: 3,
    minority_recall,
    value: 0.7,
    score: 0.55,
    model: 'random forest',
  });
  const ceiling = (a: RareClassLevel): Ceiling => ({
    metric: 'balanced_accuracy',
    value: 0.9,
    score: 0.85,
    model: 'gradient boosting',
    source_checksum: 'x',
    rare_class: { fraction: FRACTION_MIN, classes: { a } },
  });
  const at08 = (0.7 - 1 / 3) / (RECALL_FULL - 1 / 3);

  it('gives the minority recall full credit at what prior-corrected models attain with the class cut, when below 0.8', () => {
    const c = minorityRecallCriterion(check(ceiling(level(0.7))), 'a', 0.3, rareClassLevel(ceiling(level(0.7)), 'a'));
    expect(c.score).toBe(1);
    expect(c.detail).toMatch(/full at 0\.7: what a random forest attains on 34 train rows of class a, prior-corrected/);
    const at075 = ceiling(level(0.75));
    expect(minorityRecallCriterion(check(at075), 'a', 0.3, rareClassLevel(at075, 'a')).score).toBeCloseTo(
      (0.7 - 1 / 3) / (0.75 - 1 / 3),
      9,
    );
  });

  it('keeps full credit at 0.8 when the level is higher, at chance, or missing for the class', () => {
    const high = ceiling(level(0.95));
    expect(minorityRecallCriterion(check(high), 'a', 0.3, rareClassLevel(high, 'a')).score).toBeCloseTo(at08, 9);
    const low = ceiling(level(0.3));
    expect(minorityRecallCriterion(check(low), 'a', 0.3, rareClassLevel(low, 'a')).score).toBeCloseTo(at08, 9);
    expect(rareClassLevel(high, 'b')).toBeUndefined();
    expect(rareClassLevel(high, 'constructor')).toBeUndefined();
    expect(rareClassLevel(undefined, 'a')).toBeUndefined();
    expect(minorityRecallCriterion(check(), 'a', 0.3).score).toBeCloseTo(at08, 9);
  });

  it("ends the predictions scale at the cut class's balanced accuracy when that is below the ceiling", () => {
    const gradeWith = (c: Ceiling) =>
      imbalance.grade({
        truth: { ...planted.truth, minority_class: 'a' },
        analysis: undefined,
        analysisProblem: 'none written',
        predictions: check(c),
        submissionDir: '/nonexistent',
        test: planted.test,
        problem: 'multiclass',
        labels,
      }) as Criterion[];
    // Balanced accuracy 23/30 = 0.7667: 0.65 on the predictions scale, full credit at 0.55 here.
    const cut = byName(gradeWith(ceiling(level(0.7))), 'predictions');
    expect(cut.score).toBe(1);
    expect(cut.detail).toMatch(/full credit at 0\.55 \(balanced_accuracy 0\.7, a random forest on 34 train rows of class a/);
    // A cut level above the untouched data's is no ceiling: the untouched one stays.
    const untouched = byName(gradeWith({ ...ceiling(level(0.7)), score: 0.5, value: 0.67 }), 'predictions');
    expect(untouched.detail).toMatch(/on the untouched data/);
    const other = byName(gradeWith({ ...ceiling(level(0.7)), rare_class: { fraction: FRACTION_MIN, classes: {} } }), 'predictions');
    expect(other.score).toBeCloseTo(0.65 / 0.85, 9);
  });
});
