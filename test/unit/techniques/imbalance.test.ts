/**
 * The imbalance task on small synthetic data sets: the plant is deterministic, its truth matches
 * the planted tables, and the grade follows the documented criteria, weights and tolerances.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCsv, type CsvTable } from '../../../core/csv';
import { seededRandom } from '../../../core/competitions/random';
import { readAnalysis } from '../../../core/techniques/agentFiles';
import { column } from '../../../core/techniques/data';
import { checkPredictions, type PredictionCheck, type PredictionTruth } from '../../../core/techniques/predictions';
import { totalScore } from '../../../core/techniques/scoring';
import { FRACTION_MAX, FRACTION_MIN, imbalance, imbalanceAnalysisSchema, type ImbalanceTruth } from '../../../core/techniques/tasks/imbalance';
import type { Criterion, PlantedData, Problem, TabularData } from '../../../core/techniques/types';

/** 1200 train and 400 test rows, four numeric features; binary (≈ 60/40) or four classes. */
function synthetic(problem: Extract<Problem, 'binary' | 'multiclass'>, seed = 5): TabularData {
  const random = seededRandom(seed);
  const features = ['f1', 'f2', 'f3', 'f4'];
  const rows = (n: number, start: number) =>
    Array.from({ length: n }, (_, i) => {
      const xs = features.map(() => Number((random() * 10).toFixed(3)));
      const s = xs[0]! + xs[1]! + 2 * random();
      const y = problem === 'binary' ? (s > 11 ? 'yes' : 'no') : ['a', 'b', 'c', 'd'][Math.min(3, Math.floor(s / 5.5))]!;
      return { cells: [String(start + i), ...xs.map(String)], y };
    });
  const train = rows(1200, 0);
  const test = rows(400, 5000);
  return {
    competitionId: 'synthetic',
    competitionName: 'Synthetic',
    idColumn: 'id',
    targetColumn: 'y',
    problem,
    labels: [...new Set([...train, ...test].map((r) => r.y))].sort(),
    featureColumns: features,
    train: { header: ['id', ...features, 'y'], rows: train.map((r) => [...r.cells, r.y]) },
    test: { header: ['id', ...features], rows: test.map((r) => r.cells) },
    answers: { header: ['id', 'y'], rows: test.map((r) => [r.cells[0]!, r.y]) },
  };
}

const shareOf = (labels: string[], cls: string) => labels.filter((y) => y === cls).length / labels.length;

let dir: string;
let counter = 0;
const data = synthetic('binary');
const planted: PlantedData<ImbalanceTruth> = imbalance.plant(data, seededRandom(7));
const minority = planted.truth.minority_class;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-imbalance-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function predictionTruth(answers: CsvTable, labels: string[]): PredictionTruth {
  return { problem: 'binary', ids: column(answers, 'id'), labels: column(answers, 'y'), values: new Float64Array(0), classes: labels };
}

async function submission(rows: string[][] | undefined, analysis?: unknown): Promise<{ sub: string; predictions: PredictionCheck }> {
  const sub = path.join(dir, `sub-${counter++}`);
  await fs.mkdir(sub);
  if (rows) await fs.writeFile(path.join(sub, 'submission.csv'), toCsv(['id', 'y'], rows));
  if (analysis !== undefined) await fs.writeFile(path.join(sub, 'imbalance_analysis.json'), JSON.stringify(analysis));
  const predictions = await checkPredictions(path.join(sub, 'submission.csv'), { idColumn: 'id', targetColumn: 'y', truth: predictionTruth(planted.answers, data.labels) });
  return { sub, predictions };
}

async function grade(rows: string[][] | undefined, analysis?: unknown): Promise<Criterion[]> {
  const { sub, predictions } = await submission(rows, analysis);
  const parsed = await readAnalysis(path.join(sub, 'imbalance_analysis.json'), imbalanceAnalysisSchema);
  return imbalance.grade({
    truth: planted.truth,
    analysis: parsed.ok ? parsed.value : undefined,
    analysisProblem: parsed.ok ? undefined : parsed.reason,
    predictions,
    submissionDir: sub,
    test: planted.test,
    problem: data.problem,
    labels: data.labels,
  });
}

const byName = (criteria: Criterion[], name: string) => criteria.find((c) => c.name === name)!;
const perfect = () => ({ minority_class: minority, minority_fraction: planted.truth.minority_fraction });
const truthRows = () => planted.answers.rows.map((r) => [...r]);
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
    expect(imbalance.plant(data, seededRandom(7))).toEqual(planted);
    expect(imbalance.plant(data, seededRandom(8)).train).not.toEqual(planted.train);
    const multi = synthetic('multiclass');
    expect(imbalance.plant(multi, seededRandom(3))).toEqual(imbalance.plant(multi, seededRandom(3)));
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
    const multi = synthetic('multiclass');
    const chosen = new Set<string>();
    for (let seed = 1; seed <= 12; seed += 1) {
      const p = imbalance.plant(multi, seededRandom(seed));
      const ys = column(p.train, 'y');
      const cls = p.truth.minority_class;
      chosen.add(cls);
      expect(p.truth.minority_fraction).toBeCloseTo(shareOf(ys, cls), 12);
      for (const l of multi.labels.filter((l) => l !== cls)) expect(shareOf(ys, l)).toBeGreaterThanOrEqual(3 * p.truth.minority_fraction - 1e-12);
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
    const nowhere = await grade(truthRows().map(([id]) => [id!, other()]), perfect());
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
