/**
 * The encoding task on a small synthetic data set: the plant is deterministic, its truth matches
 * the planted tables, and the grade follows the documented criteria and weights.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCsv, type CsvTable } from '../../../core/csv';
import { seededRandom } from '../../../core/competitions/random';
import { readAnalysis } from '../../../core/techniques/agentFiles';
import { column, isNumberCell } from '../../../core/techniques/data';
import { checkPredictions, type PredictionCheck, type PredictionTruth } from '../../../core/techniques/predictions';
import { totalScore } from '../../../core/techniques/scoring';
import { encoding, encodingAnalysisSchema, type EncodingAnalysis, type EncodingTruth } from '../../../core/techniques/tasks/encoding';
import type { Criterion, PlantedData, Problem, TabularData } from '../../../core/techniques/types';

const COLORS = ['red', 'green', 'blue'];

/** 300 train and 100 test rows: six informative numbers, a 0/1 flag, a text column with one level only in test. */
function synthetic(problem: Problem = 'binary', seed = 11): TabularData {
  const random = seededRandom(seed);
  const features = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'flag', 'color'];
  const rows = (n: number, start: number, test: boolean) =>
    Array.from({ length: n }, (_, i) => {
      const xs = Array.from({ length: 6 }, () => Number((random() * 100).toFixed(2)));
      const color = test && i % 17 === 0 ? 'purple' : COLORS[Math.floor(random() * 3)]!;
      const signal = xs[0]! + 0.8 * xs[1]! + 0.5 * xs[2]! + 20 * random();
      const y = problem === 'regression' ? signal.toFixed(3) : problem === 'binary' ? String(signal > 80 ? 1 : 0) : ['a', 'b', 'c'][Math.min(2, Math.floor(signal / 60))]!;
      return { cells: [String(start + i), ...xs.map(String), String(i % 2), color], y };
    });
  const train = rows(300, 0, false);
  const test = rows(100, 1000, true);
  return {
    competitionId: 'synthetic',
    competitionName: 'Synthetic',
    idColumn: 'id',
    targetColumn: 'y',
    problem,
    labels: problem === 'regression' ? [] : [...new Set([...train, ...test].map((r) => r.y))].sort(),
    featureColumns: features,
    train: { header: ['id', ...features, 'y'], rows: train.map((r) => [...r.cells, r.y]) },
    test: { header: ['id', ...features], rows: test.map((r) => r.cells) },
    answers: { header: ['id', 'y'], rows: test.map((r) => [r.cells[0]!, r.y]) },
  };
}

let dir: string;
let counter = 0;
const data = synthetic();
const planted: PlantedData<EncodingTruth> = encoding.plant(data, seededRandom(7));

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-encoding-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function predictionTruth(answers: CsvTable, problem: Problem, labels: string[]): PredictionTruth {
  const ys = column(answers, 'y');
  return {
    problem,
    ids: column(answers, 'id'),
    labels: problem === 'regression' ? [] : ys,
    values: problem === 'regression' ? Float64Array.from(ys, Number) : new Float64Array(0),
    classes: labels,
  };
}

/** A submission folder holding `rows` as submission.csv (when given) and the analysis (when given). */
async function submission(rows: string[][] | undefined, analysis?: unknown): Promise<{ sub: string; predictions: PredictionCheck }> {
  const sub = path.join(dir, `sub-${counter++}`);
  await fs.mkdir(sub);
  if (rows) await fs.writeFile(path.join(sub, 'submission.csv'), toCsv(['id', 'y'], rows));
  if (analysis !== undefined) await fs.writeFile(path.join(sub, 'encoding_analysis.json'), JSON.stringify(analysis));
  const predictions = await checkPredictions(path.join(sub, 'submission.csv'), {
    idColumn: 'id',
    targetColumn: 'y',
    truth: predictionTruth(planted.answers, data.problem, data.labels),
  });
  return { sub, predictions };
}

async function grade(rows: string[][] | undefined, analysis?: unknown): Promise<Criterion[]> {
  const { sub, predictions } = await submission(rows, analysis);
  const parsed = await readAnalysis(path.join(sub, 'encoding_analysis.json'), encodingAnalysisSchema);
  return encoding.grade({
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
const perfect = (): EncodingAnalysis => ({ categorical_columns: planted.truth.categorical_columns, unseen_levels: planted.truth.unseen_levels });

describe('encoding plant', () => {
  it('is deterministic in the seed', () => {
    expect(encoding.plant(data, seededRandom(7))).toEqual(planted);
    const other = encoding.plant(data, seededRandom(8));
    expect(other.train).not.toEqual(planted.train);
  });

  it('turns 2–3 numeric features into opaque tokens with unseen test levels', () => {
    const { planted_columns: cols } = planted.truth;
    expect(cols.length).toBeGreaterThanOrEqual(2);
    expect(cols.length).toBeLessThanOrEqual(3);
    for (const c of cols) {
      expect(data.featureColumns.slice(0, 6)).toContain(c);
      const trainLevels = new Set(column(planted.train, c));
      const testCells = column(planted.test, c);
      for (const v of [...trainLevels, ...testCells]) expect(v).toMatch(/^[a-z][2-9][a-z][2-9]$/);
      expect(trainLevels.size).toBeGreaterThanOrEqual(4);
      expect(trainLevels.size).toBeLessThanOrEqual(12);
      expect(trainLevels.size).toBe(planted.truth.planted[c]!.bins);
      const unseen = testCells.filter((v) => !trainLevels.has(v));
      const share = unseen.length / testCells.length;
      expect(share).toBeGreaterThanOrEqual(0.04);
      expect(share).toBeLessThanOrEqual(0.16);
      expect(new Set(unseen).size).toBeLessThanOrEqual(3);
    }
    // Levels are shared by neither two columns nor the train and the unseen set.
    const all = cols.flatMap((c) => [...new Set([...column(planted.train, c), ...column(planted.test, c)])]);
    expect(new Set(all).size).toBe(all.length);
  });

  it('computes the truth from the planted tables, text columns of the competition included', () => {
    const categorical = planted.train.header.filter(
      (c) => data.featureColumns.includes(c) && [...column(planted.train, c), ...column(planted.test, c)].some((v) => !isNumberCell(v)),
    );
    expect(planted.truth.categorical_columns).toEqual(categorical);
    expect(categorical).toContain('color');
    const unseen: Record<string, string[]> = {};
    for (const c of categorical) {
      const seen = new Set(column(planted.train, c));
      const u = [...new Set(column(planted.test, c))].filter((v) => !seen.has(v)).sort();
      if (u.length) unseen[c] = u;
    }
    expect(planted.truth.unseen_levels).toEqual(unseen);
    expect(unseen.color).toEqual(['purple']);
  });

  it('keeps ids, order, headers and the target; the truth is in no column name', () => {
    expect(planted.answers).toEqual(data.answers);
    expect(planted.train.header).toEqual(data.train.header);
    expect(planted.test.header).toEqual(data.test.header);
    expect(column(planted.train, 'id')).toEqual(column(data.train, 'id'));
    expect(column(planted.test, 'id')).toEqual(column(data.test, 'id'));
    expect(column(planted.train, 'y')).toEqual(column(data.train, 'y'));
    for (const c of data.featureColumns.filter((c) => !planted.truth.planted_columns.includes(c))) {
      expect(column(planted.train, c)).toEqual(column(data.train, c));
      expect(column(planted.test, c)).toEqual(column(data.test, c));
    }
  });

  it('plants on multiclass and regression targets too', () => {
    for (const problem of ['multiclass', 'regression'] as const) {
      const p = encoding.plant(synthetic(problem), seededRandom(3));
      expect(p.truth.planted_columns.length).toBeGreaterThanOrEqual(2);
      for (const c of p.truth.planted_columns) expect(Object.keys(p.truth.unseen_levels)).toContain(c);
    }
  });

  it('refuses data with fewer than two numeric features to bin', () => {
    const few = synthetic();
    const keep = ['id', 'f1', 'flag', 'color', 'y'];
    const pick = (t: CsvTable) => ({ header: t.header.filter((h) => keep.includes(h)), rows: t.rows.map((r) => r.filter((_, i) => keep.includes(t.header[i]!))) });
    expect(() => encoding.plant({ ...few, featureColumns: ['f1', 'flag', 'color'], train: pick(few.train), test: pick(few.test) }, seededRandom(1))).toThrow(/at least 2/);
  });
});

describe('encoding grade', () => {
  const truthRows = () => planted.answers.rows.map((r) => [...r]);

  it('scores a perfect analysis with perfect predictions 1', async () => {
    const criteria = await grade(truthRows(), perfect());
    expect(criteria.map((c) => [c.name, c.weight])).toEqual([
      ['categorical_columns', 0.3],
      ['unseen_levels', 0.45],
      ['predictions', 0.25],
    ]);
    expect(totalScore(criteria)).toBe(1);
  });

  it('scores no files 0, with the reasons', async () => {
    const criteria = await grade(undefined);
    expect(totalScore(criteria)).toBe(0);
    expect(byName(criteria, 'categorical_columns').detail).toMatch(/no valid analysis: no file at .*encoding_analysis\.json/);
    expect(byName(criteria, 'unseen_levels').detail).toMatch(/no valid analysis/);
    expect(byName(criteria, 'predictions').detail).toMatch(/no valid predictions/);
  });

  it('gives F1 credit for partly right columns and levels', async () => {
    const cats = planted.truth.categorical_columns;
    // Some columns named, plus as many wrong ones: precision 1/2, recall h/|cats|.
    const half = cats.slice(0, Math.floor(cats.length / 2));
    const wrong = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'flag'].filter((c) => !cats.includes(c)).slice(0, half.length);
    const unseen = { ...planted.truth.unseen_levels, color: ['purple', 'red'] };
    const criteria = await grade(truthRows(), { categorical_columns: [...half, ...wrong], unseen_levels: unseen });
    const recall = half.length / cats.length;
    expect(byName(criteria, 'categorical_columns').score).toBeCloseTo((2 * 0.5 * recall) / (0.5 + recall), 10);
    const pairs = Object.values(planted.truth.unseen_levels).flat().length;
    // All true pairs named, one extra: precision p/(p+1), recall 1.
    const precision = pairs / (pairs + 1);
    expect(byName(criteria, 'unseen_levels').score).toBeCloseTo((2 * precision) / (precision + 1), 10);
    expect(byName(criteria, 'unseen_levels').detail).toContain('not unseen: color=red');
  });

  it('gives no unseen credit for the right levels under the wrong column', async () => {
    const moved = Object.fromEntries(Object.entries(planted.truth.unseen_levels).map(([, l], i, all) => [all[(i + 1) % all.length]![0], l]));
    const criteria = await grade(truthRows(), { categorical_columns: planted.truth.categorical_columns, unseen_levels: moved });
    expect(byName(criteria, 'unseen_levels').score).toBe(0);
    expect(byName(criteria, 'categorical_columns').score).toBe(1);
  });

  it('scores an invalid analysis 0 with a reason naming the field', async () => {
    const criteria = await grade(truthRows(), { categorical_columns: 'color', unseen_levels: {} });
    expect(byName(criteria, 'categorical_columns').score).toBe(0);
    expect(byName(criteria, 'categorical_columns').detail).toContain('categorical_columns');
    expect(byName(criteria, 'unseen_levels').score).toBe(0);
    expect(byName(criteria, 'predictions').score).toBe(1);
  });

  it('scores constant predictions 0 on predictions', async () => {
    const criteria = await grade(
      planted.answers.rows.map((r) => [r[0]!, '0']),
      perfect(),
    );
    expect(byName(criteria, 'predictions').score).toBe(0);
    expect(totalScore(criteria)).toBe(0.75);
  });
});
