/**
 * The scaling task on a small synthetic data set: exact decimal shifting, a deterministic plant
 * whose rescaled features are decidable from the data, and the documented grade.
 */
import { describe, expect, it } from 'vitest';
import { type CsvTable } from '../../../core/csv';
import { column } from '../../../core/techniques/data';
import { totalScore } from '../../../core/techniques/scoring';
import { columnStd, scaling, shiftDecimal, type ScalingTruth } from '../../../core/techniques/tasks/scaling';
import type { Criterion, PlantedData, TabularData } from '../../../core/techniques/types';
import { answerRows, byName, cycled, gradeFiles, keepColumns, plantWith, synthetic, tempDir } from './fixtures';

const FEATURES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'kind'];
const numeric = FEATURES.filter((c) => c !== 'kind');

/** 200 train and 60 test rows: eight numeric features of scales 0.01 to 500, a text column, a 0/1 target. */
const data: TabularData = synthetic({
  problem: 'binary',
  seed: 5,
  trainRows: 200,
  testRows: 60,
  testIdStart: 500,
  targetColumn: 'y',
  numeric,
  scale: [0.01, 0.5, 1, 3, 10, 40, 120, 500],
  round: { precision: 4 },
  strings: [{ name: 'kind', cell: cycled(['v', 'u', 'u']) }],
  // a / 0.01 + d / 3 + noise > 1.2
  target: { binary: { weights: [1, 0, 0, 1], perScale: true, noise: 1, threshold: 1.2, labels: ['0', '1'] } },
});

const tmp = tempDir('mlebench-scaling-');
const planted: PlantedData<ScalingTruth> = plantWith(scaling, data, 3);

async function grade(rows: string[][] | undefined, analysis?: unknown): Promise<Criterion[]> {
  return gradeFiles(tmp, scaling, planted, data, { rows, analysis });
}

const truthRows = () => answerRows(planted.answers);

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
    expect(plantWith(scaling, data, 3)).toEqual(planted);
    expect(plantWith(scaling, data, 4).train).not.toEqual(planted.train);
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
      const p = plantWith(scaling, data, seed);
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
    expect(() =>
      plantWith(
        scaling,
        { ...data, featureColumns: ['a', 'b', 'kind'], train: keepColumns(data.train, keep), test: keepColumns(data.test, keep) },
        1,
      ),
    ).toThrow(/at least 3/);
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
