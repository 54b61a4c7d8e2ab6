/**
 * The missing task on a small synthetic data set: the plant is deterministic, its truth matches
 * the planted tables, and the grade (analysis, imputed_test.csv, predictions) follows the
 * documented criteria, weights and tolerances.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toCsv, type CsvTable } from '../../../core/csv';
import { column, withColumn } from '../../../core/techniques/data';
import { totalScore } from '../../../core/techniques/scoring';
import { isBlank, missing, RATE_MAX, RATE_MIN, type MissingTruth } from '../../../core/techniques/tasks/missing';
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

const NUMERIC = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8'];
const SIGNAL = { weights: [1, 1], noise: 10 };

/**
 * 400 train and 150 test rows: eight numeric features with many distinct values, a 0/1/2 column,
 * a text column with a few blank cells and a numeric column with blank cells already (`gaps`).
 */
const MISSING_DATA: SyntheticOptions = {
  seed: 13,
  trainRows: 400,
  testRows: 150,
  testIdStart: 9000,
  targetColumn: 'y',
  numeric: NUMERIC,
  scale: 50,
  round: { fixed: 3 },
  strings: [
    { name: 'small', cell: cycled(['0', '1', '2']) },
    { name: 'color', cell: (random, i, test) => (i % 23 === 0 ? '' : drawn(['red', 'green'])(random, i, test)) },
    { name: 'gaps', cell: (random, i) => (i % 10 === 0 ? '' : (random() * 5).toFixed(2)) },
  ],
  target: {
    regression: { ...SIGNAL, digits: 3 },
    binary: { ...SIGNAL, threshold: 55, labels: ['0', '1'] },
    multiclass: { ...SIGNAL, cuts: [37, 74], labels: ['a', 'b', 'c'] },
  },
};

function syntheticData(problem: Problem = 'regression'): TabularData {
  return synthetic({ ...MISSING_DATA, problem });
}

const tmp = tempDir('mlebench-missing-');
const data = syntheticData();
const planted: PlantedData<MissingTruth> = plantWith(missing, data, 7);
const truth = planted.truth;
const plantedColumns = Object.keys(truth.imputation);

interface Files {
  rows?: string[][];
  analysis?: unknown;
  imputed?: CsvTable;
}

async function grade(files: Files, prepare?: (sub: string) => Promise<void>): Promise<Criterion[]> {
  const tables: Record<string, CsvTable> = files.imputed ? { 'imputed_test.csv': files.imputed } : {};
  return gradeFiles(tmp, missing, planted, data, { rows: files.rows, analysis: files.analysis, tables, prepare });
}

const rates = () => Object.fromEntries(truth.columns.map((c) => [c.column, c.rate]));
const perfect = (): Files => ({ rows: answerRows(planted.answers), analysis: { missing_columns: rates() }, imputed: data.test });

/** The test set with each planted column's blanks filled by `fill(true value, train mean)`. */
function imputedWith(fill: (value: number, mean: number) => number, columns = plantedColumns): CsvTable {
  let table = planted.test;
  for (const c of columns) {
    const { ids, values, train_mean: mean } = truth.imputation[c]!;
    const byId = new Map(ids.map((id, i) => [id, fill(values[i]!, mean)]));
    const cells = column(table, c).map((v, i) => byId.get(table.rows[i]![0]!)?.toString() ?? v);
    table = withColumn(table, c, cells);
  }
  return table;
}

describe('missing plant', () => {
  it('is deterministic in the seed', () => {
    expect(plantWith(missing, data, 7)).toEqual(planted);
    expect(plantWith(missing, data, 8).train).not.toEqual(planted.train);
  });

  it('blanks 3 to 5 varied numeric columns at rates in [0.05, 0.35], in train and test alike', () => {
    expect(plantedColumns.length).toBeGreaterThanOrEqual(3);
    expect(plantedColumns.length).toBeLessThanOrEqual(5);
    for (const c of plantedColumns) {
      expect(NUMERIC).toContain(c);
      const trainRate = column(planted.train, c).filter(isBlank).length / planted.train.rows.length;
      const testRate = column(planted.test, c).filter(isBlank).length / planted.test.rows.length;
      for (const r of [trainRate, testRate]) {
        expect(r).toBeGreaterThanOrEqual(RATE_MIN - 0.005);
        expect(r).toBeLessThanOrEqual(RATE_MAX + 0.005);
      }
      expect(Math.abs(trainRate - testRate)).toBeLessThan(0.01);
    }
    const seen = new Set<string>();
    for (let seed = 1; seed <= 20; seed += 1) for (const c of Object.keys(plantWith(missing, data, seed).truth.imputation)) seen.add(c);
    expect(seen.has('small')).toBe(false);
    expect(seen.size).toBeGreaterThan(5);
  });

  it('computes the truth from the planted tables, blanks of the competition included', () => {
    const cells = planted.train.rows.length + planted.test.rows.length;
    const expected = data.featureColumns.flatMap((c) => {
      const trainBlank = column(planted.train, c).filter(isBlank).length;
      const testBlank = column(planted.test, c).filter(isBlank).length;
      return trainBlank + testBlank === 0
        ? []
        : [
            {
              column: c,
              rate: (trainBlank + testBlank) / cells,
              train_blank: trainBlank,
              test_blank: testBlank,
              planted: plantedColumns.includes(c),
            },
          ];
    });
    expect(truth.columns).toEqual(expected);
    expect(truth.columns.filter((c) => !c.planted).map((c) => c.column)).toEqual(['color', 'gaps']);
    expect(truth.id_column).toBe('id');
    for (const c of plantedColumns) {
      const { ids, values, train_mean } = truth.imputation[c]!;
      const blankIds = planted.test.rows.filter((_, i) => isBlank(column(planted.test, c)[i]!)).map((r) => r[0]!);
      expect(ids).toEqual(blankIds);
      const original = new Map(data.test.rows.map((r, i) => [r[0]!, Number(column(data.test, c)[i])]));
      expect(values).toEqual(ids.map((id) => original.get(id)));
      const kept = column(planted.train, c)
        .filter((v) => !isBlank(v))
        .map(Number);
      expect(train_mean).toBeCloseTo(kept.reduce((s, x) => s + x, 0) / kept.length, 9);
    }
  });

  it('keeps ids, order, headers, the target and every other cell; the truth is in no column name', () => {
    expect(planted.answers).toEqual(data.answers);
    expect(planted.train.header).toEqual(data.train.header);
    expect(planted.test.header).toEqual(data.test.header);
    for (const table of ['train', 'test'] as const) {
      planted[table].rows.forEach((row, i) =>
        row.forEach((cell, j) => {
          if (cell !== data[table].rows[i]![j]) {
            expect(cell).toBe('');
            expect(plantedColumns).toContain(data[table].header[j]);
          }
        }),
      );
    }
  });

  it('plants on classification targets too, and refuses data without a varied numeric column', () => {
    for (const problem of ['binary', 'multiclass'] as const)
      expect(Object.keys(plantWith(missing, syntheticData(problem), 2).truth.imputation).length).toBeGreaterThanOrEqual(3);
    const keep = ['id', 'small', 'color', 'y'];
    const constant = (t: CsvTable) =>
      withColumn(
        keepColumns(t, keep),
        'small',
        t.rows.map(() => '1'),
      );
    expect(() =>
      plantWith(missing, { ...data, featureColumns: ['small', 'color'], train: constant(data.train), test: constant(data.test) }, 1),
    ).toThrow(/no numeric feature/);
  });
});

describe('missing grade', () => {
  it('scores a perfect analysis, imputation and predictions 1', async () => {
    const criteria = await grade(perfect());
    expect(criteria.map((c) => [c.name, c.weight])).toEqual([
      ['missing_columns', 0.15],
      ['missing_rates', 0.2],
      ['imputation', 0.4],
      ['predictions', 0.25],
    ]);
    expect(totalScore(criteria)).toBe(1);
  });

  it('scores no files 0, with the reasons', async () => {
    const criteria = await grade({});
    expect(totalScore(criteria)).toBe(0);
    expect(byName(criteria, 'missing_columns').detail).toMatch(/no valid analysis: no file at .*missing_analysis\.json/);
    expect(byName(criteria, 'missing_rates').detail).toMatch(/no valid analysis/);
    expect(byName(criteria, 'imputation').detail).toMatch(/no valid imputed_test\.csv: no file at .*imputed_test\.csv/);
    expect(byName(criteria, 'predictions').detail).toMatch(/no valid predictions/);
  });

  it('names columns by F1, a rate of 0 not counting as named', async () => {
    const n = truth.columns.length;
    const extra = await grade({ ...perfect(), analysis: { missing_columns: { ...rates(), small: 0.1 } } });
    expect(byName(extra, 'missing_columns').score).toBeCloseTo((2 * (n / (n + 1))) / (n / (n + 1) + 1), 9);
    expect(byName(extra, 'missing_rates').score).toBe(1);
    const zero = await grade({ ...perfect(), analysis: { missing_columns: { ...rates(), small: 0 } } });
    expect(byName(zero, 'missing_columns').score).toBe(1);
    const few = await grade({ ...perfect(), analysis: { missing_columns: { [truth.columns[0]!.column]: truth.columns[0]!.rate } } });
    expect(byName(few, 'missing_columns').score).toBeCloseTo(2 / (n + 1), 9);
    expect(byName(few, 'missing_columns').detail).toContain('with blanks and missed');
  });

  it('credits each rate fully within 0.02, none from 0.10, linearly between; a column not named scores 0', async () => {
    const n = truth.columns.length;
    const shifted = (d: number) => Object.fromEntries(truth.columns.map((c) => [c.column, Math.min(1, c.rate + d)]));
    const at = async (missingColumns: Record<string, number>) =>
      byName(await grade({ ...perfect(), analysis: { missing_columns: missingColumns } }), 'missing_rates').score;
    expect(await at(shifted(0.019))).toBe(1);
    expect(await at(shifted(0.06))).toBeCloseTo(0.5, 9);
    expect(await at(shifted(0.1001))).toBe(0);
    const [first, ...rest] = truth.columns;
    const without = Object.fromEntries(rest.map((c) => [c.column, c.rate]));
    expect(await at(without)).toBeCloseTo((n - 1) / n, 9);
    const criteria = await grade({ ...perfect(), analysis: { missing_columns: without } });
    expect(byName(criteria, 'missing_rates').detail).toContain(`${first!.column} not named`);
  });

  it('credits imputation by its RMSE over the train mean: full at 1×, none at 1.5×, linear between', async () => {
    const at = async (ratio: number) =>
      byName(await grade({ ...perfect(), imputed: imputedWith((v, m) => v + ratio * (m - v)) }), 'imputation').score;
    expect(await at(0)).toBe(1);
    expect(await at(0.5)).toBe(1);
    expect(await at(1)).toBeCloseTo(1, 9);
    expect(await at(1.25)).toBeCloseTo(0.5, 9);
    expect(await at(1.5)).toBeCloseTo(0, 9);
    expect(await at(3)).toBe(0);
  });

  it('scores a column 0 when it is absent or a blanked cell is not filled; needs the id column', async () => {
    const k = plantedColumns.length;
    const [c0] = plantedColumns;
    const dropped = {
      header: data.test.header.filter((h) => h !== c0),
      rows: data.test.rows.map((r) => r.filter((_, j) => data.test.header[j] !== c0)),
    };
    const absent = byName(await grade({ ...perfect(), imputed: dropped }), 'imputation');
    expect(absent.score).toBeCloseTo((k - 1) / k, 9);
    expect(absent.detail).toContain(`${c0}: column absent`);
    const unfilled = byName(await grade({ ...perfect(), imputed: imputedWith((v) => v, plantedColumns.slice(1)) }), 'imputation');
    expect(unfilled.score).toBeCloseTo((k - 1) / k, 9);
    expect(unfilled.detail).toMatch(new RegExp(`${c0}: \\d+ of \\d+ blanked cells not filled`));
    const text = byName(
      await grade({
        ...perfect(),
        imputed: withColumn(
          data.test,
          c0!,
          data.test.rows.map(() => 'NA'),
        ),
      }),
      'imputation',
    );
    expect(text.score).toBeCloseTo((k - 1) / k, 9);
    const noId = { header: data.test.header.map((h) => (h === 'id' ? 'row' : h)), rows: data.test.rows };
    const withoutId = byName(await grade({ ...perfect(), imputed: noId }), 'imputation');
    expect(withoutId.score).toBe(0);
    expect(withoutId.detail).toMatch(/no id column "id"/);
    // Rows may come in any order and extra columns are ignored.
    const shuffled = { header: [...data.test.header, 'extra'], rows: [...data.test.rows].reverse().map((r) => [...r, 'x']) };
    expect(byName(await grade({ ...perfect(), imputed: shuffled }), 'imputation').score).toBe(1);
  });

  it('refuses an imputed_test.csv that is a symbolic link, and one that is not CSV', async () => {
    const target = path.join(tmp.path, 'outside.csv');
    await fs.writeFile(target, toCsv(data.test.header, data.test.rows));
    const linked = await grade({ rows: perfect().rows, analysis: perfect().analysis }, (sub) =>
      fs.symlink(target, path.join(sub, 'imputed_test.csv')),
    );
    expect(byName(linked, 'imputation').score).toBe(0);
    expect(byName(linked, 'imputation').detail).toMatch(/symbolic link/);
    const broken = await grade({ rows: perfect().rows, analysis: perfect().analysis }, (sub) =>
      fs.writeFile(path.join(sub, 'imputed_test.csv'), 'id,"f1\n1,2\n'),
    );
    expect(byName(broken, 'imputation').score).toBe(0);
    expect(byName(broken, 'imputation').detail).toMatch(/not valid CSV/);
  });

  it('gives an invalid analysis 0 on its criteria with the field named, and keeps the others', async () => {
    const [c0] = plantedColumns;
    const criteria = await grade({ ...perfect(), analysis: { missing_columns: { ...rates(), [c0!]: 1.5 } } });
    expect(byName(criteria, 'missing_columns').score).toBe(0);
    expect(byName(criteria, 'missing_rates').detail).toContain(`missing_columns.${c0}`);
    expect(totalScore(criteria)).toBe(0.65);
    const list = await grade({ ...perfect(), analysis: { missing_columns: plantedColumns } });
    expect(byName(list, 'missing_columns').detail).toMatch(/missing_columns/);
  });
});
