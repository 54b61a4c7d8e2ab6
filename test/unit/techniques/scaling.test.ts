/**
 * The scaling task on a small synthetic data set: exact decimal shifting, a deterministic plant
 * whose rescaled features are decidable from the data, and the documented grade.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCsv, type CsvTable } from '../../../core/csv';
import { seededRandom } from '../../../core/competitions/random';
import { readAnalysis } from '../../../core/techniques/agentFiles';
import { column } from '../../../core/techniques/data';
import { checkPredictions, type PredictionCheck } from '../../../core/techniques/predictions';
import { totalScore } from '../../../core/techniques/scoring';
import { columnStd, scaling, scalingAnalysisSchema, shiftDecimal, type ScalingTruth } from '../../../core/techniques/tasks/scaling';
import type { Criterion, PlantedData, TabularData } from '../../../core/techniques/types';

const FEATURES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'kind'];

/** 200 train and 60 test rows: eight numeric features of scales 0.01 to 500, a text column, a 0/1 target. */
function synthetic(seed = 5): TabularData {
  const random = seededRandom(seed);
  const scales = [0.01, 0.5, 1, 3, 10, 40, 120, 500];
  const rows = (n: number, start: number) =>
    Array.from({ length: n }, (_, i) => {
      const xs = scales.map((s) => Number((random() * s).toPrecision(4)));
      const y = xs[0]! / 0.01 + xs[3]! / 3 + random() > 1.2 ? '1' : '0';
      return { cells: [String(start + i), ...xs.map(String), i % 3 ? 'u' : 'v'], y };
    });
  const train = rows(200, 0);
  const test = rows(60, 500);
  return {
    competitionId: 'synthetic',
    competitionName: 'Synthetic',
    idColumn: 'id',
    targetColumn: 'y',
    problem: 'binary',
    labels: ['0', '1'],
    featureColumns: FEATURES,
    train: { header: ['id', ...FEATURES, 'y'], rows: train.map((r) => [...r.cells, r.y]) },
    test: { header: ['id', ...FEATURES], rows: test.map((r) => r.cells) },
    answers: { header: ['id', 'y'], rows: test.map((r) => [r.cells[0]!, r.y]) },
  };
}

let dir: string;
let counter = 0;
const data = synthetic();
const planted: PlantedData<ScalingTruth> = scaling.plant(data, seededRandom(3));
const numeric = FEATURES.filter((c) => c !== 'kind');

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-scaling-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function grade(rows: string[][] | undefined, analysis?: unknown): Promise<Criterion[]> {
  const sub = path.join(dir, `sub-${counter++}`);
  await fs.mkdir(sub);
  if (rows) await fs.writeFile(path.join(sub, 'submission.csv'), toCsv(['id', 'y'], rows));
  if (analysis !== undefined) await fs.writeFile(path.join(sub, 'scaling_analysis.json'), JSON.stringify(analysis));
  const predictions: PredictionCheck = await checkPredictions(path.join(sub, 'submission.csv'), {
    idColumn: 'id',
    targetColumn: 'y',
    truth: { problem: 'binary', ids: column(planted.answers, 'id'), labels: column(planted.answers, 'y'), values: new Float64Array(0), classes: ['0', '1'] },
  });
  const parsed = await readAnalysis(path.join(sub, 'scaling_analysis.json'), scalingAnalysisSchema);
  return scaling.grade({
    truth: planted.truth,
    analysis: parsed.ok ? parsed.value : undefined,
    analysisProblem: parsed.ok ? undefined : parsed.reason,
    predictions,
    submissionDir: sub,
    test: planted.test,
    problem: 'binary',
    labels: ['0', '1'],
  });
}

const byName = (criteria: Criterion[], name: string) => criteria.find((c) => c.name === name)!;
const truthRows = () => planted.answers.rows.map((r) => [...r]);

/** The rule the description states: sorted by train std, the rescaled ones sit above the first drop of ≥ 1000×. */
function rescaledByRule(train: CsvTable): string[] {
  const sorted = numeric.map((c) => ({ c, s: columnStd(train, c) })).sort((x, y) => y.s - x.s);
  for (let i = 0; i + 1 < sorted.length; i += 1) if (sorted[i]!.s >= 1000 * sorted[i + 1]!.s) return sorted.slice(0, i + 1).map((x) => x.c);
  return [];
}

describe('shiftDecimal', () => {
  it('moves the decimal point exactly, without exponent notation', () => {
    expect(shiftDecimal('0.07', 7)).toBe('700000');
    expect(shiftDecimal('18.166666666666668', 3)).toBe('18166.666666666668');
    expect(shiftDecimal('-1.5e-3', 2)).toBe('-0.15');
    expect(shiftDecimal('42.054035', 8)).toBe('4205403500');
    expect(shiftDecimal('0', 9)).toBe('0');
    expect(shiftDecimal('-0.0', 4)).toBe('0');
    expect(shiftDecimal('.5', 1)).toBe('5');
    expect(shiftDecimal('1e-05', 2)).toBe('0.001');
    expect(shiftDecimal('123', -5)).toBe('0.00123');
    expect(shiftDecimal('007.50', 1)).toBe('75');
  });
});

describe('scaling plant', () => {
  it('is deterministic in the seed', () => {
    expect(scaling.plant(data, seededRandom(3))).toEqual(planted);
    expect(scaling.plant(data, seededRandom(4)).train).not.toEqual(planted.train);
  });

  it('rescales 3–5 features by powers of ten ≥ 10, exactly, in train and test alike', () => {
    const { rescaled_features: rescaled, factors } = planted.truth;
    expect(rescaled.length).toBeGreaterThanOrEqual(3);
    expect(rescaled.length).toBeLessThanOrEqual(5);
    expect(rescaled).toEqual(FEATURES.filter((c) => rescaled.includes(c)));
    for (const c of rescaled) {
      const { factor, exponent } = factors[c]!;
      expect(exponent).toBeGreaterThanOrEqual(1);
      expect(factor).toBe(10 ** exponent);
      for (const table of ['train', 'test'] as const) {
        const before = column(data[table], c);
        const after = column(planted[table], c);
        after.forEach((v, i) => {
          expect(v).not.toMatch(/e/i);
          expect(v).toBe(shiftDecimal(before[i]!, exponent));
          expect(Number(v) / factor).toBeCloseTo(Number(before[i]), 9);
        });
      }
    }
    for (const c of FEATURES.filter((c) => !rescaled.includes(c))) {
      expect(column(planted.train, c)).toEqual(column(data.train, c));
      expect(column(planted.test, c)).toEqual(column(data.test, c));
    }
  });

  it('makes the rescaled features decidable: ≥ 1000× above the rest, < 1000× apart', () => {
    const { rescaled_features: rescaled } = planted.truth;
    const stds = new Map(numeric.map((c) => [c, columnStd(planted.train, c)]));
    const low = Math.min(...rescaled.map((c) => stds.get(c)!));
    const high = Math.max(...rescaled.map((c) => stds.get(c)!));
    const untouched = Math.max(...numeric.filter((c) => !rescaled.includes(c)).map((c) => stds.get(c)!));
    expect(low).toBeGreaterThanOrEqual(1000 * untouched);
    expect(high).toBeLessThan(1000 * low);
    expect(planted.truth.largest_untouched_std).toBeCloseTo(untouched, 3);
    expect(rescaledByRule(planted.train).sort()).toEqual([...rescaled].sort());
    for (let seed = 1; seed <= 20; seed += 1) {
      const p = scaling.plant(data, seededRandom(seed));
      expect(rescaledByRule(p.train).sort()).toEqual([...p.truth.rescaled_features].sort());
    }
  });

  it('keeps ids, order, headers and the target; the truth is in no column name', () => {
    expect(planted.answers).toEqual(data.answers);
    expect(planted.train.header).toEqual(data.train.header);
    expect(planted.test.header).toEqual(data.test.header);
    expect(column(planted.train, 'id')).toEqual(column(data.train, 'id'));
    expect(column(planted.test, 'id')).toEqual(column(data.test, 'id'));
    expect(column(planted.train, 'y')).toEqual(column(data.train, 'y'));
  });

  it('refuses data with fewer than three non-constant numeric features', () => {
    const keep = ['id', 'a', 'b', 'kind', 'y'];
    const pick = (t: CsvTable) => ({ header: t.header.filter((h) => keep.includes(h)), rows: t.rows.map((r) => r.filter((_, i) => keep.includes(t.header[i]!))) });
    expect(() => scaling.plant({ ...data, featureColumns: ['a', 'b', 'kind'], train: pick(data.train), test: pick(data.test) }, seededRandom(1))).toThrow(/at least 3/);
  });
});

describe('scaling grade', () => {
  it('scores a perfect analysis with perfect predictions 1', async () => {
    const criteria = await grade(truthRows(), { rescaled_features: planted.truth.rescaled_features, scaler: 'standard' });
    expect(criteria.map((c) => [c.name, c.weight])).toEqual([
      ['rescaled_precision', 0.3],
      ['rescaled_recall', 0.3],
      ['predictions', 0.4],
    ]);
    expect(totalScore(criteria)).toBe(1);
  });

  it('scores no files 0, with the reasons', async () => {
    const criteria = await grade(undefined);
    expect(totalScore(criteria)).toBe(0);
    expect(byName(criteria, 'rescaled_precision').detail).toMatch(/no valid analysis: no file at .*scaling_analysis\.json/);
    expect(byName(criteria, 'rescaled_recall').detail).toMatch(/no valid analysis/);
    expect(byName(criteria, 'predictions').detail).toMatch(/no valid predictions/);
  });

  it('scores precision and recall separately', async () => {
    const [first, ...rest] = planted.truth.rescaled_features;
    const wrong = numeric.find((c) => !planted.truth.rescaled_features.includes(c))!;
    const criteria = await grade(truthRows(), { rescaled_features: [first!, wrong] });
    expect(byName(criteria, 'rescaled_precision').score).toBe(0.5);
    expect(byName(criteria, 'rescaled_precision').detail).toContain(`not rescaled: ${wrong}`);
    expect(byName(criteria, 'rescaled_recall').score).toBeCloseTo(1 / (rest.length + 1), 10);
    // Naming nothing: precision 0 (something was rescaled), recall 0.
    const none = await grade(truthRows(), { rescaled_features: [] });
    expect(byName(none, 'rescaled_precision').score).toBe(0);
    expect(byName(none, 'rescaled_recall').score).toBe(0);
    expect(totalScore(none)).toBe(0.4);
  });

  it('scores an invalid analysis 0 with a reason naming the field', async () => {
    const criteria = await grade(truthRows(), { rescaled_features: [1, 2] });
    expect(byName(criteria, 'rescaled_precision').score).toBe(0);
    expect(byName(criteria, 'rescaled_precision').detail).toContain('rescaled_features');
    expect(byName(criteria, 'predictions').score).toBe(1);
  });

  it('scores chance-level predictions 0 on predictions', async () => {
    const criteria = await grade(
      planted.answers.rows.map((r) => [r[0]!, '1']),
      { rescaled_features: planted.truth.rescaled_features },
    );
    expect(byName(criteria, 'predictions').score).toBe(0);
    expect(totalScore(criteria)).toBe(0.6);
  });
});
