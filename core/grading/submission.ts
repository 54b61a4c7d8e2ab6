/**
 * Submission validation. A malformed submission is the agent's result, not an error: each check
 * returns a reason a person can act on ("missing columns: BHO"), and grading records it as
 * `valid_submission: false`.
 *
 * Memory stays bounded whatever the agent wrote: the file is refused above a size cap before it
 * is read, then streamed (csvReader.ts) one record at a time into typed arrays sized by the
 * expected ids, keeping only the first few bad ids and values for the reason.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import { CsvFormatError, readCsvStream, type CsvFields } from './csvReader';
import type { CellRule } from './metrics';
import { cellProblem, numberOk, numberProblem } from './cells';

/** Size cap floor: far above any honest submission of an ordinary competition. */
export const DEFAULT_MAX_SUBMISSION_BYTES = 100 * 1024 * 1024;
/**
 * Bytes allowed per expected cell above the floor: a double in full precision takes 24 characters,
 * so a million rows of ten probabilities (about 200 MB as pandas writes them) still fit.
 */
export const MAX_BYTES_PER_CELL = 64;
/** One record (line) at most: bounds what a file without line ends can make us hold. */
export const MAX_RECORD_BYTES = 1024 * 1024;

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
  /** Size cap in bytes; default submissionByteLimit(spec). */
  maxBytes?: number;
}

export type SubmissionCheck =
  | {
      valid: true;
      /** Value columns: the spec's columns without the id column, in the spec's order. */
      valueColumns: string[];
      /** For number cells: one array per value column, aligned with `spec.ids`; else empty. */
      numbers: Float64Array[];
      /** For label cells: one array per value column, aligned with `spec.ids`; else empty. */
      labels: string[][];
    }
  | { valid: false; exists: boolean; reason: string };

const SHOWN = 5;

function invalid(reason: string, exists = true): SubmissionCheck {
  return { valid: false, exists, reason };
}

function some(items: readonly string[], total = items.length): string {
  const shown = items.slice(0, SHOWN).join(', ');
  return total > SHOWN ? `${shown} and ${total - SHOWN} more` : shown;
}

/** The size cap for a spec: the floor, or more for a competition with very many expected cells. */
export function submissionByteLimit(spec: Pick<SubmissionSpec, 'ids' | 'columns' | 'maxBytes'>): number {
  return spec.maxBytes ?? Math.max(DEFAULT_MAX_SUBMISSION_BYTES, spec.ids.length * spec.columns.length * MAX_BYTES_PER_CELL);
}

/** A few examples and a count: what a reason shows of a problem repeated a million times. */
class Examples {
  readonly items: string[] = [];
  count = 0;
  add(item: string): void {
    if (this.items.length < SHOWN && !this.items.includes(item)) this.items.push(item);
    this.count += 1;
  }
}

/** Reads the records of an open submission, checking header, ids and cells as it goes. */
class SubmissionReader {
  headerProblem: string | undefined;
  blankHeader = false;
  rows = 0;
  readonly duplicates = new Examples();
  readonly unknown = new Examples();
  readonly problems = new Examples();
  readonly valueColumns: string[];
  readonly numbers: Float64Array[] = [];
  readonly labels: string[][] = [];
  readonly seen: Uint8Array;
  /** Built on the first row out of the answers' order: most submissions follow it, and a million-key map costs a second. */
  private positionOf: Map<string, number> | undefined;
  private idAt = -1;
  private valueAt: number[] = [];
  private readonly numeric: boolean;

  constructor(private readonly spec: SubmissionSpec) {
    this.seen = new Uint8Array(spec.ids.length);
    this.valueColumns = spec.columns.filter((c) => c !== spec.idColumn);
    this.numeric = spec.cells !== 'label' && spec.cells !== 'integer';
    for (let c = 0; c < this.valueColumns.length; c += 1) {
      if (this.numeric) this.numbers.push(new Float64Array(spec.ids.length));
      else this.labels.push(new Array<string>(spec.ids.length).fill(''));
    }
  }

  header(names: string[]): boolean {
    const { spec } = this;
    if (names.every((n) => n === '')) {
      this.blankHeader = true;
      return true;
    }
    const duplicated = names.filter((h, i) => names.indexOf(h) !== i);
    const missing = spec.columns.filter((c) => !names.includes(c));
    const extra = names.filter((c) => !spec.columns.includes(c));
    if (duplicated.length > 0) this.headerProblem = `duplicate columns: ${some([...new Set(duplicated)])}`;
    else if (missing.length > 0 || extra.length > 0) {
      const parts = [
        missing.length > 0 ? `missing columns: ${some(missing)}` : '',
        extra.length > 0 ? `unexpected columns: ${some(extra)}` : '',
      ];
      this.headerProblem = `${parts.filter(Boolean).join('; ')} (expected: ${spec.columns.join(', ')})`;
    }
    this.idAt = names.indexOf(spec.idColumn);
    this.valueAt = this.valueColumns.map((c) => names.indexOf(c));
    return this.headerProblem === undefined;
  }

  record(f: CsvFields): boolean {
    if (this.blankHeader) {
      for (let k = 0; k < f.count; k += 1) if (f.string(k) !== '') return this.stop('the first line (the header) is blank');
      return true;
    }
    const row = this.rows;
    this.rows += 1;
    const id = f.string(this.idAt);
    const pos = this.spec.ids[row] === id ? row : this.lookup(id);
    if (pos === undefined) {
      this.unknown.add(id === '' ? '(empty)' : id);
      return true;
    }
    if (this.seen[pos] === 1) {
      this.duplicates.add(id);
      return true;
    }
    this.seen[pos] = 1;
    if (!this.numeric) {
      for (let c = 0; c < this.valueAt.length; c += 1) {
        const cell = f.string(this.valueAt[c]!);
        const problem = cellProblem(cell, this.spec);
        if (problem) this.problems.add(`${this.where(f, id, c)}: ${problem}`);
        this.labels[c]![pos] = cell;
      }
      return true;
    }
    // The hot loop of a million-row file: no closures or strings unless a value is bad.
    const rule = this.spec.cells;
    let rowSum = 0;
    let bad = false;
    for (let c = 0; c < this.valueAt.length; c += 1) {
      const v = f.number(this.valueAt[c]!);
      if (!numberOk(v, rule)) {
        this.problems.add(`${this.where(f, id, c)}: ${numberProblem(v, rule, f.string(this.valueAt[c]!))}`);
        bad = true;
      }
      this.numbers[c]![pos] = v;
      rowSum += v;
    }
    if (this.spec.rowsRescaled && !bad && rowSum === 0) this.problems.add(`line ${f.line} (id ${id}): all probabilities are 0`);
    return true;
  }

  private where(f: CsvFields, id: string, c: number): string {
    return `line ${f.line} (id ${id}), column ${this.valueColumns[c]}`;
  }

  private lookup(id: string): number | undefined {
    if (!this.positionOf) {
      this.positionOf = new Map();
      this.spec.ids.forEach((expected, i) => this.positionOf!.set(expected, i));
    }
    return this.positionOf.get(id);
  }

  private stop(problem: string): false {
    this.headerProblem = problem;
    return false;
  }

  /** The first reason the submission is invalid, in the order a person would fix things. */
  verdict(): SubmissionCheck {
    const { spec } = this;
    if (this.blankHeader && this.headerProblem === undefined) return invalid('submission is empty (only whitespace)');
    if (this.headerProblem !== undefined) return invalid(this.headerProblem);
    if (this.rows === 0) return invalid(`submission has a header but no rows (expected ${spec.ids.length})`);
    if (this.duplicates.count > 0) return invalid(`duplicate ids: ${some(this.duplicates.items, this.duplicates.count)}`);
    if (this.unknown.count > 0) return invalid(`unknown ids (not in the test set): ${some(this.unknown.items, this.unknown.count)}`);
    if (this.rows !== spec.ids.length) {
      const absent: string[] = [];
      for (let i = 0; i < spec.ids.length && absent.length < SHOWN; i += 1) if (this.seen[i] === 0) absent.push(spec.ids[i]!);
      const missing = spec.ids.length - this.rows;
      return invalid(
        `submission has ${this.rows} rows, expected ${spec.ids.length} (one per test id); missing ids: ${some(absent, missing)}`,
      );
    }
    if (this.problems.count > 0) {
      const first = this.problems.items[0]!;
      return invalid(this.problems.count === 1 ? first : `${this.problems.count} bad values; first: ${first}`);
    }
    return { valid: true, valueColumns: this.valueColumns, numbers: this.numbers, labels: this.labels };
  }
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
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return invalid(`${file} is not a regular file`, false);
    const maxBytes = submissionByteLimit(spec);
    if (stat.size > maxBytes) return invalid(`submission is ${stat.size} bytes, over the limit of ${maxBytes} bytes`);
    if (stat.size === 0) return invalid('submission is empty (0 bytes)');
    const reader = new SubmissionReader(spec);
    try {
      await readCsvStream(handle, 'submission', reader, { maxRecordBytes: MAX_RECORD_BYTES });
    } catch (err) {
      if (!(err instanceof CsvFormatError)) throw err;
      if (err.reason === 'empty CSV (no header)') return invalid('submission is empty (only whitespace)');
      if (err.reason.startsWith('not UTF-8')) return invalid(`submission is ${err.reason}`);
      return invalid(`submission is not valid CSV: ${err.line > 0 ? `line ${err.line}: ` : ''}${err.reason}`);
    }
    return reader.verdict();
  } finally {
    await handle.close();
  }
}
