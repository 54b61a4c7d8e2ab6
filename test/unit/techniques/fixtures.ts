/**
 * What the technique tasks' unit tests share: one seeded, configurable synthetic data set, the
 * truth a submission is checked against, a temporary folder per test file, and an agent's files
 * written into it (and graded).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { seededRandom } from '../../../core/competitions/random';
import { toCsv, type CsvTable } from '../../../core/csv';
import { readAnalysis } from '../../../core/techniques/agentFiles';
import { column, formatNumber } from '../../../core/techniques/data';
import { checkPredictions, type PredictionCheck, type PredictionTruth } from '../../../core/techniques/predictions';
import { analysisFileName } from '../../../core/techniques/registry';
import type { Criterion, PlantedData, Problem, TabularData, TechniqueTaskDefinition } from '../../../core/techniques/types';

// ---------------------------------------------------------------------------------------------
// The synthetic data set
// ---------------------------------------------------------------------------------------------

/** One cell of a string column: `i` counts the rows of train (or of test) from 0; draw from `random` or not. */
export type CellRule = (random: () => number, i: number, test: boolean) => string;

export interface StringColumn {
  name: string;
  cell: CellRule;
}

/** A level drawn uniformly: one draw per row. */
export function drawn(levels: readonly string[]): CellRule {
  return (random) => levels[Math.floor(random() * levels.length)]!;
}

/** levels[i mod n]: no draw. */
export function cycled(levels: readonly string[]): CellRule {
  return (_random, i) => levels[i % levels.length]!;
}

/**
 * The target's signal: Σ weights[j]·x_j over the numeric features (x_j / scale_j when
 * `perScale`), plus noise·random(), drawn only when `noise` is set and not 0.
 */
export interface Signal {
  weights: readonly number[];
  noise?: number;
  perScale?: boolean;
}

export interface TargetRules {
  /** The signal, as toFixed(digits) or, without digits, formatNumber. */
  regression?: Signal & { digits?: number };
  /** labels[1] when the signal is above the threshold, labels[0] otherwise. */
  binary?: Signal & { threshold: number; labels: readonly [string, string] };
  /** labels[k], k the number of cuts at or below the signal. */
  multiclass?: Signal & { cuts: readonly number[]; labels: readonly string[] };
}

/** x1 drives the target; x2 is noise. */
export const DEFAULT_TARGET: Required<TargetRules> = {
  regression: { weights: [3, 2], noise: 1 },
  binary: { weights: [1], noise: 3, threshold: 6.5, labels: ['no', 'yes'] },
  multiclass: { weights: [1], cuts: [4, 7], labels: ['a', 'b', 'c'] },
};

export interface SyntheticOptions {
  /** Default binary. */
  problem?: Problem;
  /** Default 1. */
  seed?: number;
  /** Default 300 and 100. */
  trainRows?: number;
  testRows?: number;
  /** The first test id (train's ids count from 0); default trainRows. */
  testIdStart?: number;
  /** Default 'target'. */
  targetColumn?: string;
  /** The numeric features: a count (named f1, f2, …) or their names. Default x1, x2. */
  numeric?: number | readonly string[];
  /** Each numeric feature is random() × its scale (one number for all, or one per feature). Default [10, 1]. */
  scale?: number | readonly number[];
  /** Numeric values rounded (toFixed or toPrecision) before they are written and enter the target. */
  round?: { fixed: number } | { precision: number };
  /** Text (or other) columns after the numeric ones. Default: color, drawn from red, green, blue. */
  strings?: readonly StringColumn[];
  /** Per problem; the problems not given keep DEFAULT_TARGET's rule. */
  target?: TargetRules;
  /** A last feature column of noise numbers, drawn after the target. */
  extraColumn?: string;
  /** Default: the classes that occur, sorted ([] for regression). */
  labels?: readonly string[];
}

const COLOR: StringColumn = { name: 'color', cell: drawn(['red', 'green', 'blue']) };

/**
 * Train and test rows from one seeded generator. Each row draws, in order: its numeric features,
 * its string columns (those that draw), the target's noise, the extra column. Ids are the row
 * numbers; answers are id, target in test's order.
 */
export function synthetic(options: SyntheticOptions = {}): TabularData {
  const problem = options.problem ?? 'binary';
  const trainRows = options.trainRows ?? 300;
  const testRows = options.testRows ?? 100;
  const testIdStart = options.testIdStart ?? trainRows;
  const targetColumn = options.targetColumn ?? 'target';
  const numeric =
    options.numeric === undefined
      ? ['x1', 'x2']
      : typeof options.numeric === 'number'
        ? Array.from({ length: options.numeric }, (_, j) => `f${j + 1}`)
        : [...options.numeric];
  const scaleOption = options.scale ?? [10, 1];
  const scales = typeof scaleOption === 'number' ? numeric.map(() => scaleOption) : [...scaleOption];
  if (scales.length !== numeric.length) throw new Error(`${scales.length} scales for ${numeric.length} numeric features`);
  const round = options.round;
  const rounded = (x: number): number =>
    round === undefined ? x : 'fixed' in round ? Number(x.toFixed(round.fixed)) : Number(x.toPrecision(round.precision));
  const strings = options.strings ?? [COLOR];
  const rules: Required<TargetRules> = { ...DEFAULT_TARGET, ...options.target };
  const random = seededRandom(options.seed ?? 1);

  const signal = (rule: Signal, xs: readonly number[]): number => {
    let s = 0;
    rule.weights.forEach((w, j) => {
      if (w !== 0) s += w * (rule.perScale ? xs[j]! / scales[j]! : xs[j]!);
    });
    if (rule.noise) s += rule.noise * random();
    return s;
  };
  const target = (xs: readonly number[]): string => {
    if (problem === 'regression') {
      const s = signal(rules.regression, xs);
      return rules.regression.digits === undefined ? formatNumber(s) : s.toFixed(rules.regression.digits);
    }
    if (problem === 'binary') return rules.binary.labels[signal(rules.binary, xs) > rules.binary.threshold ? 1 : 0];
    const s = signal(rules.multiclass, xs);
    return rules.multiclass.labels[rules.multiclass.cuts.filter((c) => c <= s).length]!;
  };

  const rows = (n: number, start: number, test: boolean): { cells: string[]; y: string }[] =>
    Array.from({ length: n }, (_, i) => {
      const xs = scales.map((s) => rounded(random() * s));
      const texts = strings.map((c) => c.cell(random, i, test));
      const y = target(xs);
      const extra = options.extraColumn ? [formatNumber(random())] : [];
      return { cells: [String(start + i), ...xs.map(formatNumber), ...texts, ...extra], y };
    });
  const train = rows(trainRows, 0, false);
  const test = rows(testRows, testIdStart, true);
  const featureColumns = [...numeric, ...strings.map((c) => c.name), ...(options.extraColumn ? [options.extraColumn] : [])];
  const labels = options.labels
    ? [...options.labels]
    : problem === 'regression'
      ? []
      : [...new Set([...train, ...test].map((r) => r.y))].sort();
  return {
    competitionId: 'synthetic',
    competitionName: 'Synthetic',
    idColumn: 'id',
    targetColumn,
    problem,
    labels,
    featureColumns,
    train: { header: ['id', ...featureColumns, targetColumn], rows: train.map((r) => [...r.cells, r.y]) },
    test: { header: ['id', ...featureColumns], rows: test.map((r) => r.cells) },
    answers: { header: ['id', targetColumn], rows: test.map((r) => [r.cells[0]!, r.y]) },
  };
}

/** A task's plant, seeded. */
export function plantWith<Truth>(task: TechniqueTaskDefinition<Truth, unknown>, data: TabularData, seed = 1): PlantedData<Truth> {
  return task.plant(data, seededRandom(seed));
}

/** The table with only the columns named in `keep`, in its own order. */
export function keepColumns(table: CsvTable, keep: readonly string[]): CsvTable {
  return {
    header: table.header.filter((h) => keep.includes(h)),
    rows: table.rows.map((r) => r.filter((_, i) => keep.includes(table.header[i]!))),
  };
}

// ---------------------------------------------------------------------------------------------
// Predictions and criteria
// ---------------------------------------------------------------------------------------------

/** What submission.csv is checked against: the answers (id, target), the problem and the classes. */
export function predictionTruth(answers: CsvTable, problem: Problem, labels: readonly string[]): PredictionTruth {
  const [idColumn, targetColumn] = answers.header;
  const ys = column(answers, targetColumn!);
  const classification = problem !== 'regression';
  return {
    problem,
    ids: column(answers, idColumn!),
    labels: classification ? ys : [],
    values: classification ? new Float64Array(0) : Float64Array.from(ys, Number),
    classes: [...labels],
  };
}

/** submission.csv rows: the answers' ids with `values`, or a copy of the answers without them. */
export function answerRows(answers: CsvTable, values?: readonly string[]): string[][] {
  return values ? answers.rows.map((r, i) => [r[0]!, values[i]!]) : answers.rows.map((r) => [...r]);
}

export function byName(criteria: readonly Criterion[], name: string): Criterion {
  return criteria.find((c) => c.name === name)!;
}

/** The criteria keyed by name. */
export function keyedByName(criteria: readonly Criterion[]): Record<string, Criterion> {
  return Object.fromEntries(criteria.map((c) => [c.name, c]));
}

// ---------------------------------------------------------------------------------------------
// A temporary folder and the agent's files
// ---------------------------------------------------------------------------------------------

export interface TempDir {
  /** The folder; made before the file's tests, removed after them. */
  readonly path: string;
  /** A fresh path in it: `<stem>-<n><ext>`. */
  next(stem: string, ext?: string): string;
  /** `content` written to a fresh file; its path. */
  write(content: string | Uint8Array, stem?: string, ext?: string): Promise<string>;
  /** A fresh, empty folder. */
  folder(stem?: string): Promise<string>;
}

/** A temporary folder for the calling test file (registers its beforeAll and afterAll). */
export function tempDir(prefix: string): TempDir {
  let root = '';
  let counter = 0;
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });
  const next = (stem: string, ext = ''): string => path.join(root, `${stem}-${counter++}${ext}`);
  return {
    get path() {
      return root;
    },
    next,
    async write(content, stem = 'file', ext = '') {
      const file = next(stem, ext);
      await fs.writeFile(file, content);
      return file;
    },
    async folder(stem = 'sub') {
      const folder = next(stem);
      await fs.mkdir(folder);
      return folder;
    },
  };
}

/** What an agent leaves in its submission folder. */
export interface AgentFiles {
  /** submission.csv's rows (id, target); not written when undefined. */
  rows?: string[][];
  /** Written as JSON to `analysisFile` when defined. */
  analysis?: unknown;
  analysisFile?: string;
  /** Other CSV files (imputed_test.csv), by name. */
  tables?: Record<string, CsvTable>;
  /** Anything else to do in the folder before it is read (a symbolic link, say). */
  prepare?: (folder: string) => Promise<unknown>;
}

/** The answers, problem and classes submission.csv is checked against. */
export type Expected = Pick<TabularData, 'answers' | 'problem' | 'labels'>;

/** A fresh submission folder holding `files`, and its submission.csv checked (header: the answers'). */
export async function submit(
  tmp: TempDir,
  expected: Expected,
  files: AgentFiles = {},
): Promise<{ folder: string; predictions: PredictionCheck }> {
  const folder = await tmp.folder();
  const [idColumn, targetColumn] = expected.answers.header as [string, string];
  if (files.rows) await fs.writeFile(path.join(folder, 'submission.csv'), toCsv([idColumn, targetColumn], files.rows));
  if (files.analysis !== undefined) {
    if (!files.analysisFile) throw new Error('an analysis without analysisFile');
    await fs.writeFile(path.join(folder, files.analysisFile), JSON.stringify(files.analysis));
  }
  for (const [name, table] of Object.entries(files.tables ?? {}))
    await fs.writeFile(path.join(folder, name), toCsv(table.header, table.rows));
  await files.prepare?.(folder);
  const predictions = await checkPredictions(path.join(folder, 'submission.csv'), {
    idColumn,
    targetColumn,
    truth: predictionTruth(expected.answers, expected.problem, expected.labels),
  });
  return { folder, predictions };
}

/**
 * The task's grade of a fresh submission folder holding `files`, the analysis read from
 * `<task>_analysis.json` as the harness reads it, against the planted truth and test set.
 */
export async function gradeFiles<Truth, Analysis>(
  tmp: TempDir,
  task: TechniqueTaskDefinition<Truth, Analysis>,
  planted: PlantedData<Truth>,
  data: Pick<TabularData, 'problem' | 'labels'>,
  files: AgentFiles,
): Promise<Criterion[]> {
  const analysisFile = analysisFileName(task.id);
  const { folder, predictions } = await submit(
    tmp,
    { answers: planted.answers, problem: data.problem, labels: data.labels },
    { ...files, analysisFile },
  );
  const parsed = await readAnalysis(path.join(folder, analysisFile), task.analysisSchema);
  return task.grade({
    truth: planted.truth,
    analysis: parsed.ok ? parsed.value : undefined,
    analysisProblem: parsed.ok ? undefined : parsed.reason,
    predictions,
    submissionDir: folder,
    test: planted.test,
    problem: data.problem,
    labels: data.labels,
  });
}
