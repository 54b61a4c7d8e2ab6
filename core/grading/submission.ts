/**
 * Submission validation. A malformed submission is the agent's result, not an error: each check
 * returns a reason a person can act on ("missing columns: BHO"), and grading records it as
 * `valid_submission: false`.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import { parseCsv } from '../csv';
import type { CellRule } from './metrics';

/** Default size cap: far above any honest submission, low enough to read into memory safely. */
export const DEFAULT_MAX_SUBMISSION_BYTES = 100 * 1024 * 1024;

export interface SubmissionSpec {
  idColumn: string;
  /** The expected header (the sample submission's), in any order. */
  columns: readonly string[];
  /** The expected ids (the answers'), one row each. */
  ids: readonly string[];
  /** What every value cell must hold (the metric's rule). */
  cells: CellRule;
  /** For `label` and `integer` cells: the labels a prediction may name. */
  labels?: ReadonlySet<string>;
  /**
   * For `probability` cells in several columns (one per class): a row must not be all zeros,
   * since it is rescaled to sum to one before scoring.
   */
  rowsRescaled?: boolean;
  maxBytes?: number;
}

export type SubmissionCheck =
  | {
      valid: true;
      /** Value columns: the spec's columns without the id column, in the spec's order. */
      valueColumns: string[];
      /** One row of cells per expected id, aligned with `spec.ids`. */
      values: string[][];
    }
  | { valid: false; exists: boolean; reason: string };

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const SHOWN = 5;

function invalid(reason: string, exists = true): SubmissionCheck {
  return { valid: false, exists, reason };
}

function some(items: readonly string[]): string {
  const shown = items.slice(0, SHOWN).join(', ');
  return items.length > SHOWN ? `${shown} and ${items.length - SHOWN} more` : shown;
}

export async function validateSubmission(file: string, spec: SubmissionSpec): Promise<SubmissionCheck> {
  // O_NOFOLLOW: the agent controls this folder; a symlink planted there (say, to the answers on
  // the host) must never be followed by the grader, which runs outside the sandbox.
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return invalid(`${file} is a symbolic link; the submission must be a regular file`);
    return invalid(`no submission file at ${file}`, false);
  }
  let bytes: Buffer;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return invalid(`${file} is not a regular file`, false);
    const maxBytes = spec.maxBytes ?? DEFAULT_MAX_SUBMISSION_BYTES;
    if (stat.size > maxBytes) return invalid(`submission is ${stat.size} bytes, over the limit of ${maxBytes} bytes`);
    if (stat.size === 0) return invalid('submission is empty (0 bytes)');
    bytes = await handle.readFile();
  } finally {
    await handle.close();
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return invalid('submission is not UTF-8 text (invalid byte sequence)');
  }
  if (text.trim() === '') return invalid('submission is empty (only whitespace)');

  let table;
  try {
    table = parseCsv(text, 'submission');
  } catch (err) {
    return invalid((err as Error).message);
  }
  const header = table.header.map((h) => h.trim());

  const duplicated = header.filter((h, i) => header.indexOf(h) !== i);
  if (duplicated.length > 0) return invalid(`duplicate columns: ${some([...new Set(duplicated)])}`);
  const missing = spec.columns.filter((c) => !header.includes(c));
  const extra = header.filter((c) => !spec.columns.includes(c));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [missing.length > 0 ? `missing columns: ${some(missing)}` : '', extra.length > 0 ? `unexpected columns: ${some(extra)}` : ''];
    return invalid(`${parts.filter(Boolean).join('; ')} (expected: ${spec.columns.join(', ')})`);
  }

  const idAt = header.indexOf(spec.idColumn);
  const valueColumns = spec.columns.filter((c) => c !== spec.idColumn);
  const valueAt = valueColumns.map((c) => header.indexOf(c));
  if (table.rows.length === 0) return invalid(`submission has a header but no rows (expected ${spec.ids.length})`);

  const expected = new Set(spec.ids);
  const rowOf = new Map<string, number>();
  const duplicates: string[] = [];
  const unknown: string[] = [];
  table.rows.forEach((row, i) => {
    const id = row[idAt]!.trim();
    if (rowOf.has(id)) duplicates.push(id);
    else rowOf.set(id, i);
    if (!expected.has(id)) unknown.push(id === '' ? '(empty)' : id);
  });
  if (duplicates.length > 0) return invalid(`duplicate ids: ${some([...new Set(duplicates)])}`);
  if (unknown.length > 0) return invalid(`unknown ids (not in the test set): ${some(unknown)}`);
  if (table.rows.length !== spec.ids.length) {
    const absent = spec.ids.filter((id) => !rowOf.has(id));
    return invalid(`submission has ${table.rows.length} rows, expected ${spec.ids.length} (one per test id); missing ids: ${some(absent)}`);
  }

  const problems: string[] = [];
  const values = spec.ids.map((id) => {
    const i = rowOf.get(id)!;
    const row = table.rows[i]!;
    const cells = valueAt.map((at) => row[at]!.trim());
    const where = (c: number) => `line ${i + 2} (id ${id}), column ${valueColumns[c]}`;
    let rowSum = 0;
    const before = problems.length;
    cells.forEach((cell, c) => {
      const problem = cellProblem(cell, spec);
      if (problem) problems.push(`${where(c)}: ${problem}`);
      else if (spec.rowsRescaled) rowSum += Number(cell);
    });
    if (spec.rowsRescaled && rowSum === 0 && problems.length === before) problems.push(`line ${i + 2} (id ${id}): all probabilities are 0`);
    return cells;
  });
  if (problems.length > 0) {
    return invalid(problems.length === 1 ? problems[0]! : `${problems.length} bad values; first: ${problems[0]!}`);
  }
  return { valid: true, valueColumns, values };
}

/** Why one value cell breaks the rule, or undefined when it is fine. */
export function cellProblem(cell: string, spec: Pick<SubmissionSpec, 'cells' | 'labels'>): string | undefined {
  if (spec.cells === 'label' || spec.cells === 'integer') {
    if (cell === '') return 'empty label';
    if (spec.cells === 'integer' && !INTEGER.test(cell)) return `"${cell}" is not an integer label`;
    if (spec.labels && !spec.labels.has(cell)) return `unknown label "${cell}" (known: ${some([...spec.labels])})`;
    return undefined;
  }
  const value = Number(cell);
  if (!NUMBER.test(cell) || !Number.isFinite(value)) return `"${cell}" is not a finite number`;
  if (spec.cells === 'probability' && (value < 0 || value > 1)) return `probability ${cell} is outside [0, 1]`;
  if (spec.cells === 'above-minus-one' && value <= -1) return `${cell} is not above -1 (the metric takes log(1 + value))`;
  return undefined;
}
