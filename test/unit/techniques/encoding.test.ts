/**
 * The encoding task on a small synthetic data set: the plant is deterministic, its truth matches
 * the planted tables, and the grade follows the documented criteria and weights.
 */
import { describe, expect, it } from 'vitest';
import { column, isNumberCell } from '../../../core/techniques/data';
import { totalScore } from '../../../core/techniques/scoring';
import { encoding, type EncodingAnalysis, type EncodingTruth } from '../../../core/techniques/tasks/encoding';
import type { Criterion, PlantedData, Problem, TabularData } from '../../../core/techniques/types';
import {
  answerRows,
  byName,
  cycled,
  drawn,
  gradeFiles,
  keepColumns,
  plantWith,
  synthetic,
  tempDir,
  type SyntheticOptions,
} from './fixtures';

const COLORS = ['red', 'green', 'blue'];
const SIGNAL = { weights: [1, 0.8, 0.5], noise: 20 };

/** 300 train and 100 test rows: six informative numbers, a 0/1 flag, a text column with one level only in test. */
const ENCODING_DATA: SyntheticOptions = {
  seed: 11,
  trainRows: 300,
  testRows: 100,
  testIdStart: 1000,
  targetColumn: 'y',
  numeric: 6,
  scale: 100,
  round: { fixed: 2 },
  strings: [
    { name: 'flag', cell: cycled(['0', '1']) },
    { name: 'color', cell: (random, i, test) => (test && i % 17 === 0 ? 'purple' : drawn(COLORS)(random, i, test)) },
  ],
  target: {
    regression: { ...SIGNAL, digits: 3 },
    binary: { ...SIGNAL, threshold: 80, labels: ['0', '1'] },
    multiclass: { ...SIGNAL, cuts: [60, 120], labels: ['a', 'b', 'c'] },
  },
};

function syntheticData(problem: Problem = 'binary'): TabularData {
  return synthetic({ ...ENCODING_DATA, problem });
}

const tmp = tempDir('mlebench-encoding-');
const data = syntheticData();
const planted: PlantedData<EncodingTruth> = plantWith(encoding, data, 7);

async function grade(rows: string[][] | undefined, analysis?: unknown): Promise<Criterion[]> {
  return gradeFiles(tmp, encoding, planted, data, { rows, analysis });
}

const perfect = (): EncodingAnalysis => ({
  categorical_columns: planted.truth.categorical_columns,
  unseen_levels: planted.truth.unseen_levels,
});

describe('encoding plant', () => {
  it('is deterministic in the seed', () => {
    expect(plantWith(encoding, data, 7)).toEqual(planted);
    const other = plantWith(encoding, data, 8);
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
      const p = plantWith(encoding, syntheticData(problem), 3);
      expect(p.truth.planted_columns.length).toBeGreaterThanOrEqual(2);
      for (const c of p.truth.planted_columns) expect(Object.keys(p.truth.unseen_levels)).toContain(c);
    }
  });

  it('refuses data with fewer than two numeric features to bin', () => {
    const few = syntheticData();
    const keep = ['id', 'f1', 'flag', 'color', 'y'];
    expect(() =>
      plantWith(
        encoding,
        { ...few, featureColumns: ['f1', 'flag', 'color'], train: keepColumns(few.train, keep), test: keepColumns(few.test, keep) },
        1,
      ),
    ).toThrow(/at least 2/);
  });
});

describe('encoding grade', () => {
  const truthRows = () => answerRows(planted.answers);

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
    const moved = Object.fromEntries(
      Object.entries(planted.truth.unseen_levels).map(([, l], i, all) => [all[(i + 1) % all.length]![0], l]),
    );
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
