/**
 * missing: cells of a few numeric feature columns are blanked completely at random, in train and
 * test alike; the harness keeps the true values of the blanked test cells. The agent reports which
 * columns have blanks and at what rate, fills the test blanks (imputed_test.csv), and predicts.
 *
 * The plant: 3 to 5 numeric columns (seeded) among those with the most distinct values (the top
 * half of the numeric columns with two values or more, at least 5 of them when there are, and
 * any column tied with the last of them), each with a seeded rate in
 * [0.05, 0.35]; that share of train's rows and of test's rows (rounded) is blanked in the
 * column, the rows seeded. Columns that already had blank cells in the competition's data count
 * in the truth too (named and rated), but only planted columns are graded on imputation, since
 * only their true values are known.
 *
 * Graded (weights sum to 1):
 * - missing_columns 0.15: F1 of the columns named with a rate above 0 against the columns with
 *   blank cells;
 * - missing_rates   0.2: per column with blanks, |estimated − true rate| (the rate over train and
 *   test cells together): full credit at ≤ 0.02, none at ≥ 0.10, linear between; a column not
 *   named scores 0; averaged over the columns with blanks;
 * - imputation      0.4: per planted column, the RMSE of imputed_test.csv on the blanked test
 *   cells divided by the RMSE of filling them with the mean of the column's non-blank train
 *   cells: full credit at ≤ 1 (as good as the mean or better), none at ≥ 1.5, linear between; a
 *   column absent, or a blanked cell not filled with a number, scores 0; averaged;
 * - predictions     0.25: chance-corrected balanced accuracy, or R², on the held-out rows.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseCsv, type CsvTable } from '../../csv';
import { readAgentFile } from '../agentFiles';
import { column, formatNumber, numericFeatures, pickSome, withColumn } from '../data';
import { predictionCriterion } from '../predictions';
import { fmt, linearCredit, listSome, matchSets, withoutAnalysis } from '../scoring';
import type { Criterion, TabularData, TechniqueTaskDefinition } from '../types';

export interface MissingColumnTruth {
  column: string;
  /** Blank cells over train and test cells together. */
  rate: number;
  train_blank: number;
  test_blank: number;
  /** Blanked by the plant (true), or blank in the competition's data already (false). */
  planted: boolean;
}

export interface MissingTruth {
  id_column: string;
  columns: MissingColumnTruth[];
  /** Per planted column: the blanked test cells (ids, true values) and the mean-imputation baseline. */
  imputation: Record<string, { ids: string[]; values: number[]; train_mean: number }>;
}

export const missingAnalysisSchema = z.object({
  missing_columns: z
    .record(z.string(), z.number().min(0).max(1))
    .describe('per feature column with blank cells: the share of its cells that are blank, over train and test'),
  imputation: z.string().optional(),
});
export type MissingAnalysis = z.infer<typeof missingAnalysisSchema>;

export const IMPUTED_FILE = 'imputed_test.csv';
export const RATE_MIN = 0.05;
export const RATE_MAX = 0.35;
/** Absolute error of an estimated rate: full credit at or below, none at or above. */
export const RATE_FULL = 0.02;
export const RATE_ZERO = 0.1;
/** Imputation RMSE over the train-mean baseline's: full credit at or below, none at or above. */
export const IMPUTE_FULL = 1;
export const IMPUTE_ZERO = 1.5;

export function isBlank(cell: string): boolean {
  return cell.trim() === '';
}

/** Numeric columns worth blanking: the ones with the most distinct values, in file order. */
function candidates(data: TabularData): string[] {
  const numeric = numericFeatures(data);
  const distinct = new Map(numeric.map((c) => [c, new Set(column(data.train, c)).size]));
  const varied = numeric.filter((c) => distinct.get(c)! >= 2);
  if (varied.length === 0) return [];
  // The top half (at least 5), and every column tied with the last one kept.
  const keep = Math.max(Math.ceil(varied.length / 2), Math.min(varied.length, 5));
  const threshold = varied.map((c) => distinct.get(c)!).sort((a, b) => b - a)[keep - 1]!;
  return varied.filter((c) => distinct.get(c)! >= threshold);
}

/** `count` distinct row indices of `n`, seeded. */
function someRows(n: number, count: number, random: () => number): Set<number> {
  return new Set(
    pickSome(
      Array.from({ length: n }, (_, i) => i),
      count,
      random,
    ),
  );
}

function blankCount(table: CsvTable, name: string): number {
  return column(table, name).filter(isBlank).length;
}

export const missing: TechniqueTaskDefinition<MissingTruth, MissingAnalysis> = {
  id: 'missing',
  title: 'find the columns with missing cells, measure their rates, impute them and predict',
  problems: ['binary', 'multiclass', 'regression'],
  extraFiles: [IMPUTED_FILE],
  analysisSchema: missingAnalysisSchema,

  plant(data, random) {
    const pool = candidates(data);
    if (pool.length === 0) throw new Error(`missing: ${data.competitionId} has no numeric feature column with two distinct values or more`);
    const picked = pickSome(pool, Math.min(pool.length, 3 + Math.floor(random() * 3)), random);
    const order = data.featureColumns.filter((c) => picked.includes(c));
    let train = data.train;
    let test = data.test;
    const imputation: MissingTruth['imputation'] = {};
    const testIds = column(data.test, data.idColumn);
    for (const name of order) {
      const rate = RATE_MIN + random() * (RATE_MAX - RATE_MIN);
      const trainRows = someRows(train.rows.length, Math.round(rate * train.rows.length), random);
      const testRows = someRows(test.rows.length, Math.round(rate * test.rows.length), random);
      const trainCells = column(train, name);
      const testCells = column(test, name);
      const kept = trainCells.filter((_, i) => !trainRows.has(i)).map(Number);
      const blanked = [...testRows].sort((a, b) => a - b);
      imputation[name] = {
        ids: blanked.map((i) => testIds[i]!),
        values: blanked.map((i) => Number(testCells[i])),
        train_mean: Number(formatNumber(kept.reduce((s, x) => s + x, 0) / kept.length)),
      };
      train = withColumn(
        train,
        name,
        trainCells.map((v, i) => (trainRows.has(i) ? '' : v)),
      );
      test = withColumn(
        test,
        name,
        testCells.map((v, i) => (testRows.has(i) ? '' : v)),
      );
    }

    // Every column with blanks, planted or not, from the tables the agent will see.
    const cells = train.rows.length + test.rows.length;
    const columns = data.featureColumns.flatMap((name): MissingColumnTruth[] => {
      const trainBlank = blankCount(train, name);
      const testBlank = blankCount(test, name);
      if (trainBlank + testBlank === 0) return [];
      return [
        {
          column: name,
          rate: (trainBlank + testBlank) / cells,
          train_blank: trainBlank,
          test_blank: testBlank,
          planted: name in imputation,
        },
      ];
    });
    return { train, test, answers: data.answers, truth: { id_column: data.idColumn, columns, imputation } };
  },

  async grade({ truth, analysis, analysisProblem, predictions, submissionDir }) {
    const criteria: Criterion[] = [];
    const trueColumns = truth.columns.map((c) => c.column);
    if (!analysis) {
      criteria.push(withoutAnalysis('missing_columns', 0.15, analysisProblem), withoutAnalysis('missing_rates', 0.2, analysisProblem));
    } else {
      const named = Object.entries(analysis.missing_columns)
        .filter(([, rate]) => rate > 0)
        .map(([c]) => c);
      const m = matchSets(named, trueColumns);
      criteria.push({
        name: 'missing_columns',
        weight: 0.15,
        score: m.f1,
        detail: `named ${listSome(named)}; with blanks and missed: ${listSome(m.missed)}; without blanks: ${listSome(m.extra)}`,
      });
      const parts = truth.columns.map((c) => {
        const estimate = Object.hasOwn(analysis.missing_columns, c.column) ? analysis.missing_columns[c.column] : undefined;
        if (estimate === undefined) return { score: 0, text: `${c.column} not named (${fmt(c.rate)})` };
        return {
          score: linearCredit(Math.abs(estimate - c.rate), RATE_FULL, RATE_ZERO),
          text: `${c.column} ${fmt(estimate)} for ${fmt(c.rate)}`,
        };
      });
      criteria.push({
        name: 'missing_rates',
        weight: 0.2,
        score: mean(parts.map((p) => p.score)),
        detail: `${listSome(parts.map((p) => p.text))} (full at |error| ≤ ${RATE_FULL}, none ≥ ${RATE_ZERO})`,
      });
    }
    criteria.push(await imputationCriterion(truth, path.join(submissionDir, IMPUTED_FILE), 0.4));
    criteria.push(predictionCriterion(predictions, 0.25));
    return criteria;
  },
};

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length;
}

function rmse(truth: readonly number[], guess: (i: number) => number): number {
  return Math.sqrt(mean(truth.map((t, i) => (t - guess(i)) ** 2)));
}

/** imputed_test.csv against the true values of the blanked test cells, per planted column. */
export async function imputationCriterion(truth: MissingTruth, file: string, weight: number): Promise<Criterion> {
  const name = 'imputation';
  const planted = Object.keys(truth.imputation);
  if (planted.length === 0) return { name, weight, score: 1, detail: 'no planted column (nothing to impute)' };
  const read = await readAgentFile(file);
  if (!read.ok) return { name, weight, score: 0, detail: `no valid ${IMPUTED_FILE}: ${read.reason}` };
  let table: CsvTable;
  try {
    table = parseCsv(read.text, file);
  } catch (err) {
    return { name, weight, score: 0, detail: `no valid ${IMPUTED_FILE}: ${(err as Error).message}` };
  }
  const idAt = table.header.indexOf(truth.id_column);
  if (idAt < 0) return { name, weight, score: 0, detail: `${IMPUTED_FILE} has no id column "${truth.id_column}"` };
  const rowOf = new Map<string, string[]>();
  for (const row of table.rows) if (row[idAt] !== undefined && !rowOf.has(row[idAt])) rowOf.set(row[idAt], row);

  const parts = planted.map((c) => {
    const { ids, values, train_mean: baseline } = truth.imputation[c]!;
    const at = table.header.indexOf(c);
    if (at < 0) return { score: 0, text: `${c}: column absent` };
    const guesses = ids.map((id) => {
      const cell = rowOf.get(id)?.[at];
      return cell === undefined || isBlank(cell) ? Number.NaN : Number(cell);
    });
    const unfilled = guesses.filter((g) => !Number.isFinite(g)).length;
    if (unfilled > 0) return { score: 0, text: `${c}: ${unfilled} of ${ids.length} blanked cells not filled with a number` };
    const error = rmse(values, (i) => guesses[i]!);
    const base = rmse(values, () => baseline);
    const ratio = base === 0 ? (error === 0 ? 0 : Number.POSITIVE_INFINITY) : error / base;
    return { score: linearCredit(ratio, IMPUTE_FULL, IMPUTE_ZERO), text: `${c}: RMSE ${fmt(error)}, ${fmt(ratio)}× the train mean's` };
  });
  return {
    name,
    weight,
    score: mean(parts.map((p) => p.score)),
    detail: `${parts.map((p) => p.text).join('; ')} (full ≤ ${IMPUTE_FULL}×, none ≥ ${IMPUTE_ZERO}×)`,
  };
}
