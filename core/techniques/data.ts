/**
 * A tabular competition's prepared data as a task sees it (train, test, answers in test's order),
 * and the column helpers the tasks transform it with. The data sets are small (thousands of
 * rows), so tables are held in memory as rows of string cells, exactly as the CSV spells them.
 */
import path from 'node:path';
import { columnIndex, readCsvFile, type CsvTable } from '../csv';
import { getMetric } from '../grading/metrics';
import type { Competition, PreparedCompetition } from '../competitions';
import type { Problem, TabularData } from './types';

/** The problem a competition poses, from its metric (and its configured labels when it lists them). */
export function problemOf(competition: Competition): Problem | undefined {
  const kind = getMetric(competition.metric).kind;
  if (kind === 'values') return 'regression';
  if (kind === 'probability') return 'binary';
  if (kind === 'probabilities') return 'multiclass';
  if (kind === 'labels') return competition.config.dataset.labels?.length === 2 ? 'binary' : 'multiclass';
  return undefined;
}

export async function loadTabularData(competition: Competition, prepared: PreparedCompetition): Promise<TabularData> {
  const { id_column: idColumn, target_column: targetColumn } = competition.config.dataset;
  const trainFile = path.join(prepared.publicDir, 'train.csv');
  const testFile = path.join(prepared.publicDir, 'test.csv');
  const [train, test, rawAnswers] = await Promise.all([readCsvFile(trainFile), readCsvFile(testFile), readCsvFile(prepared.answersPath)]);
  columnIndex(train, idColumn, trainFile);
  columnIndex(train, targetColumn, trainFile);
  const featureColumns = train.header.filter((c) => c !== idColumn && c !== targetColumn);
  for (const c of featureColumns) columnIndex(test, c, testFile);

  // Answers in test's row order, id and target only.
  const answerId = columnIndex(rawAnswers, idColumn, prepared.answersPath);
  const answerTarget = columnIndex(rawAnswers, targetColumn, prepared.answersPath);
  const byId = new Map(rawAnswers.rows.map((r) => [r[answerId]!, r[answerTarget]!]));
  const testIds = column(test, idColumn);
  const answers: CsvTable = {
    header: [idColumn, targetColumn],
    rows: testIds.map((id) => {
      const y = byId.get(id);
      if (y === undefined) throw new Error(`${prepared.answersPath}: no answer for test id ${id}`);
      return [id, y];
    }),
  };

  let problem = problemOf(competition);
  if (!problem) throw new Error(`${competition.id}: metric ${competition.metric} has no single target for a technique task`);
  const labels = problem === 'regression' ? [] : [...new Set([...column(train, targetColumn), ...column(answers, targetColumn)])].sort();
  if (problem !== 'regression') problem = labels.length === 2 ? 'binary' : 'multiclass';
  return {
    competitionId: competition.id,
    competitionName: competition.name,
    idColumn,
    targetColumn,
    problem,
    labels,
    featureColumns,
    train,
    test,
    answers,
  };
}

/** The cells of one column. */
export function column(table: CsvTable, name: string): string[] {
  const i = table.header.indexOf(name);
  if (i < 0) throw new Error(`no column "${name}" (columns: ${table.header.join(', ')})`);
  return table.rows.map((r) => r[i]!);
}

/** A copy of the table with one column's cells replaced, or appended when it is new. */
export function withColumn(table: CsvTable, name: string, cells: readonly string[]): CsvTable {
  if (cells.length !== table.rows.length) throw new Error(`column "${name}": ${cells.length} cells for ${table.rows.length} rows`);
  const i = table.header.indexOf(name);
  if (i >= 0) return { header: table.header, rows: table.rows.map((r, k) => r.map((v, j) => (j === i ? cells[k]! : v))) };
  return { header: [...table.header, name], rows: table.rows.map((r, k) => [...r, cells[k]!]) };
}

/** A copy with a new column inserted just before `before` (e.g. before the target in train). */
export function insertColumn(table: CsvTable, name: string, cells: readonly string[], before: string): CsvTable {
  const at = table.header.indexOf(before);
  if (at < 0) return withColumn(table, name, cells);
  return {
    header: [...table.header.slice(0, at), name, ...table.header.slice(at)],
    rows: table.rows.map((r, k) => [...r.slice(0, at), cells[k]!, ...r.slice(at)]),
  };
}

/** A copy holding only the rows at `indices`, in that order. */
export function selectRows(table: CsvTable, indices: readonly number[]): CsvTable {
  return { header: table.header, rows: indices.map((i) => table.rows[i]!) };
}

export function isNumberCell(cell: string): boolean {
  return cell.trim() !== '' && Number.isFinite(Number(cell));
}

/** Feature columns whose every cell, in train and in test, is a number. */
export function numericFeatures(data: TabularData): string[] {
  return data.featureColumns.filter((c) => column(data.train, c).every(isNumberCell) && column(data.test, c).every(isNumberCell));
}

/** Feature columns holding some non-number cell (categories, text). */
export function stringFeatures(data: TabularData): string[] {
  const numeric = new Set(numericFeatures(data));
  return data.featureColumns.filter((c) => !numeric.has(c));
}

/** A number as the CSVs write it: shortest round-trip form, no exponent noise for ordinary values. */
export function formatNumber(x: number): string {
  return String(Number(x.toPrecision(12)));
}

/** k distinct items picked by a seeded random source, in the order picked. */
export function pickSome<T>(items: readonly T[], k: number, random: () => number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < k && pool.length > 0) out.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
  return out;
}
