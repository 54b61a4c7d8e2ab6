/**
 * A tabular competition from a data frame in a Debian R package (`debian-r-table`): every
 * column but the target is a feature, the rows are shuffled with the competition's seed and
 * split into train and test, and the target is written the way the competition's metric reads
 * it (see `target.encoding`). Ids are the row numbers after the shuffle.
 *
 * Files: public/train.csv (id, features, target), public/test.csv (id, features),
 * public/sample_submission.csv (a constant prediction), private/answers.csv (id, target).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { toCsv } from '../../../csv';
import { seededShuffle } from '../../random';
import { readRDataFrame, rDataSourceSchema } from '../../sources/rpackage';
import type { RColumn, RDataFrame } from '../../sources/rframe';
import type { PrepareStep } from '../types';

const targetSchema = z
  .object({
    /** The data frame's column. */
    column: z.string().min(1),
    /** Its name in train.csv and the answers (default: the same). */
    name: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_.]*$/)
      .optional(),
    /**
     * `number`: the value (regression). `binary`: 1 for `positive`, else 0. `class`: the class
     * label (one probability column per class in the sample). `ordinal`: the label's index in
     * `order`, an integer 0..k-1.
     */
    encoding: z.enum(['number', 'binary', 'class', 'ordinal']),
    positive: z.string().optional(),
    order: z.array(z.string()).min(2).optional(),
  })
  .strict()
  .refine((t) => t.encoding !== 'binary' || t.positive !== undefined, { message: 'binary encoding needs `positive`', path: ['positive'] })
  .refine((t) => t.encoding !== 'ordinal' || t.order !== undefined, { message: 'ordinal encoding needs `order`', path: ['order'] });

const optionsSchema = z
  .object({
    source: rDataSourceSchema,
    target: targetSchema,
    /** Data frame columns left out of the features. */
    drop_columns: z.array(z.string()).default([]),
    test_fraction: z.number().gt(0).lt(1).default(0.2),
    /** Subsample to at most this many rows (after the seeded shuffle). */
    max_rows: z.number().int().min(10).optional(),
    /**
     * The sample submission: `uniform` class probabilities, the training `prior` (class
     * frequencies, or the positive rate), the training `median` (numbers) or `mode` (labels).
     */
    sample: z.enum(['uniform', 'prior', 'median', 'mode']),
    id_column: z.string().default('id'),
  })
  .strict();

type Options = z.output<typeof optionsSchema>;
type Cell = string | number;

function cell(column: RColumn, row: number): Cell {
  const v = column.values[row];
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return v;
}

/** The target as the answers hold it, per row. */
function encodeTarget(frame: RDataFrame, options: Options): string[] {
  const { target } = options;
  const column = frame.column(target.column);
  const where = `target column "${target.column}"`;
  return column.values.map((v, row) => {
    if (v === null) throw new Error(`${where}: row ${row + 1} is NA; a target must be known for every row`);
    const label = String(v);
    switch (target.encoding) {
      case 'number':
        if (column.kind !== 'double' && column.kind !== 'integer') throw new Error(`${where} is ${column.kind}, not numeric`);
        return label;
      case 'binary':
        return label === target.positive ? '1' : '0';
      case 'class':
        return label;
      case 'ordinal': {
        const index = target.order!.indexOf(label);
        if (index < 0) throw new Error(`${where}: "${label}" is not in order [${target.order!.join(', ')}]`);
        return String(index);
      }
    }
  });
}

function classesOf(frame: RDataFrame, options: Options, labels: readonly string[]): string[] {
  const column = frame.column(options.target.column);
  const present = new Set(labels);
  // Factor level order when there is one (every level present), else sorted.
  return column.kind === 'factor' ? column.levels.filter((l) => present.has(l)) : [...present].sort();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function mode(labels: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
}

/** Six significant digits: constant predictions need no more, and the bytes stay stable. */
function short(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/** The sample submission's value columns and the one row of values every test id gets. */
function sampleRow(
  options: Options,
  frame: RDataFrame,
  trainLabels: string[],
  allLabels: string[],
): { columns: string[]; values: string[] } {
  const name = options.target.name ?? options.target.column;
  const { encoding } = options.target;
  const fail = () => new Error(`sample "${options.sample}" does not fit target encoding "${encoding}"`);
  if (encoding === 'class') {
    const classes = classesOf(frame, options, allLabels);
    if (options.sample === 'uniform') return { columns: classes, values: classes.map(() => short(1 / classes.length)) };
    if (options.sample !== 'prior') throw fail();
    return { columns: classes, values: classes.map((c) => short(trainLabels.filter((l) => l === c).length / trainLabels.length)) };
  }
  if (encoding === 'binary') {
    if (options.sample === 'uniform') return { columns: [name], values: ['0.5'] };
    if (options.sample !== 'prior') throw fail();
    return { columns: [name], values: [short(trainLabels.filter((l) => l === '1').length / trainLabels.length)] };
  }
  if (encoding === 'number') {
    if (options.sample !== 'median') throw fail();
    return { columns: [name], values: [short(median(trainLabels.map(Number)))] };
  }
  if (options.sample !== 'mode') throw fail();
  return { columns: [name], values: [mode(trainLabels)] };
}

export const debianRTable: PrepareStep<Options> = {
  name: 'debian-r-table',
  options: optionsSchema,
  async run({ seed, options, publicDir, privateDir }) {
    const frame = await readRDataFrame(options.source);
    const targetName = options.target.name ?? options.target.column;
    for (const c of options.drop_columns) frame.column(c); // throws naming a column that does not exist
    const features = frame.columns.filter((c) => c.name !== options.target.column && !options.drop_columns.includes(c.name));
    const clash = features.find((c) => c.name === options.id_column || c.name === targetName);
    if (clash) throw new Error(`feature column "${clash.name}" clashes with the id or target column name`);

    const labels = encodeTarget(frame, options);
    let order = seededShuffle(
      Array.from({ length: frame.nrow }, (_, i) => i),
      seed,
    );
    if (options.max_rows !== undefined) order = order.slice(0, options.max_rows);
    const nTest = Math.round(order.length * options.test_fraction);
    const nTrain = order.length - nTest;
    const featureCells = (row: number) => features.map((c) => cell(c, row));

    const header = [options.id_column, ...features.map((c) => c.name)];
    const train = order.slice(0, nTrain).map((row, i) => [i, ...featureCells(row), labels[row]!]);
    const test = order.slice(nTrain).map((row, i) => [nTrain + i, ...featureCells(row)]);
    const answers = order.slice(nTrain).map((row, i) => [nTrain + i, labels[row]!]);
    const sample = sampleRow(
      options,
      frame,
      order.slice(0, nTrain).map((row) => labels[row]!),
      order.map((row) => labels[row]!),
    );

    await fs.writeFile(path.join(publicDir, 'train.csv'), toCsv([...header, targetName], train));
    await fs.writeFile(path.join(publicDir, 'test.csv'), toCsv(header, test));
    await fs.writeFile(
      path.join(publicDir, 'sample_submission.csv'),
      toCsv(
        [options.id_column, ...sample.columns],
        test.map((r) => [r[0]!, ...sample.values]),
      ),
    );
    await fs.writeFile(path.join(privateDir, 'answers.csv'), toCsv([options.id_column, targetName], answers));
  },
};

export type DebianRTableOptions = Options;
