/**
 * The answers, turned into what a metric compares against. How the answers look depends on the
 * metric's kind (see metrics/index.ts); a mismatch between answers, sample submission and metric
 * is the competition's fault, not the agent's, so it throws naming the file.
 */
import { promises as fs } from 'node:fs';
import { readCsvStream } from './csvReader';
import type { Metric } from './metrics';

/** The answers are ours, not the agent's: a long record is allowed, only a broken file is refused. */
const MAX_ANSWER_RECORD_BYTES = 64 * 1024 * 1024;

export interface AnswerColumns {
  ids: string[];
  /** The answers' columns by name, one cell per id. */
  column(name: string): string[];
}

async function withFile<T>(file: string, use: (handle: fs.FileHandle) => Promise<T>): Promise<T> {
  const handle = await fs.open(file, 'r');
  try {
    return await use(handle);
  } finally {
    await handle.close();
  }
}

/** The header of a CSV file (the sample submission's), without reading the rest. */
export async function readCsvHeader(file: string): Promise<string[]> {
  let names: string[] = [];
  await withFile(file, (handle) =>
    readCsvStream(handle, file, { header: (h) => ((names = h), false), record: () => false }, { maxRecordBytes: MAX_ANSWER_RECORD_BYTES }),
  );
  return names;
}

function missingColumn(file: string, name: string, header: readonly string[]): Error {
  return new Error(`${file}: missing column "${name}" (columns: ${header.join(', ')})`);
}

/**
 * The id column and the `wanted` columns of the answers, streamed: a million-row answers file
 * costs its kept cells, not the whole text.
 */
export async function readAnswerColumns(file: string, idColumn: string, wanted: readonly string[]): Promise<AnswerColumns> {
  const names = [...new Set([idColumn, ...wanted])];
  const kept: string[][] = names.map(() => []);
  let at: number[] = [];
  let header: string[] = [];
  await withFile(file, (handle) =>
    readCsvStream(
      handle,
      file,
      {
        header: (h) => {
          header = h;
          at = names.map((n) => {
            const i = h.indexOf(n);
            if (i < 0) throw missingColumn(file, n, h);
            return i;
          });
        },
        record: (f) => {
          for (let k = 0; k < at.length; k += 1) kept[k]!.push(f.string(at[k]!));
        },
      },
      { maxRecordBytes: MAX_ANSWER_RECORD_BYTES },
    ),
  );
  return {
    ids: kept[0]!,
    column: (name) => {
      const k = names.indexOf(name);
      if (k < 0) throw missingColumn(file, name, header);
      return kept[k]!;
    },
  };
}

/** The answers' columns a metric of this kind reads: the target, or (multi-label) the value columns. */
export function answerColumnsFor(metric: Metric, targetColumn: string, valueColumns: readonly string[]): readonly string[] {
  return metric.kind === 'multilabel-probabilities' ? valueColumns : [targetColumn];
}

/** What the metric receives as the truth, by kind. */
export type Truth =
  | { kind: 'labels'; labels: string[] }
  | { kind: 'values'; values: Float64Array }
  | { kind: 'probability'; positive: Uint8Array; positiveLabel: string }
  | { kind: 'probabilities'; classIndex: Int32Array }
  | { kind: 'multilabel-probabilities'; columns: Uint8Array[] };

export interface TruthOptions {
  /** The answers' file, for error messages. */
  source: string;
  targetColumn: string;
  /** The submission's value columns (the sample submission's, without the id column). */
  valueColumns: readonly string[];
  /** config `dataset.positive_label`. */
  positiveLabel?: string;
}

/** Numbers by value (pandas reads "2" and "10" as integers), other labels by code point. */
function byValue(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (a !== '' && b !== '' && Number.isFinite(x) && Number.isFinite(y) && x !== y) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The positive class of a binary target. In order: the configured `positive_label`; `1` when
 * the labels are 0 and 1 (or only one of them occurs); otherwise the greater of the two labels
 * (by value when both are numbers), which is scikit-learn's `pos_label` for `roc_auc_score` and `log_loss`.
 */
export function positiveLabelOf(labels: readonly string[], configured: string | undefined, source: string): string {
  const distinct = [...new Set(labels)].sort(byValue);
  if (configured !== undefined) {
    const other = distinct.filter((l) => l !== configured);
    if (other.length > 1) throw new Error(`${source}: a binary target needs two classes, found ${distinct.join(', ')}`);
    return configured;
  }
  if (distinct.every((l) => l === '0' || l === '1')) return '1';
  if (distinct.length !== 2) {
    throw new Error(
      `${source}: a binary target needs exactly two classes (or 0/1, or config dataset.positive_label), found ${distinct.join(', ')}`,
    );
  }
  return distinct[1]!;
}

function numbers(cells: readonly string[], source: string, column: string): Float64Array {
  const out = new Float64Array(cells.length);
  cells.forEach((cell, i) => {
    const v = cell.trim() === '' ? Number.NaN : Number(cell);
    if (!Number.isFinite(v)) throw new Error(`${source}: column ${column}, row ${i + 1}: "${cell}" is not a finite number`);
    out[i] = v;
  });
  return out;
}

function zeroOne(cells: readonly string[], source: string, column: string): Uint8Array {
  const out = new Uint8Array(cells.length);
  numbers(cells, source, column).forEach((v, i) => {
    if (v !== 0 && v !== 1) throw new Error(`${source}: column ${column}, row ${i + 1}: "${cells[i]}" is not 0 or 1`);
    out[i] = v;
  });
  return out;
}

export function truthFor(metric: Metric, answers: AnswerColumns, options: TruthOptions): Truth {
  const { source, targetColumn, valueColumns } = options;
  const single = () => {
    if (valueColumns.length !== 1) {
      throw new Error(`${source}: metric ${metric.name} expects one submission column, the sample submission has ${valueColumns.length}`);
    }
    return answers.column(targetColumn);
  };
  switch (metric.kind) {
    case 'labels':
      return { kind: 'labels', labels: single().map((l) => l.trim()) };
    case 'values':
      return { kind: 'values', values: numbers(single(), source, targetColumn) };
    case 'probability': {
      const labels = single().map((l) => l.trim());
      const positiveLabel = positiveLabelOf(labels, options.positiveLabel, source);
      return { kind: 'probability', positiveLabel, positive: Uint8Array.from(labels, (l) => (l === positiveLabel ? 1 : 0)) };
    }
    case 'probabilities': {
      const classOf = new Map(valueColumns.map((c, k) => [c, k]));
      const classIndex = new Int32Array(answers.ids.length);
      answers.column(targetColumn).forEach((label, i) => {
        const k = classOf.get(label.trim());
        if (k === undefined) {
          throw new Error(`${source}: row ${i + 1}: class "${label}" is not a sample-submission column (${valueColumns.join(', ')})`);
        }
        classIndex[i] = k;
      });
      return { kind: 'probabilities', classIndex };
    }
    case 'multilabel-probabilities':
      return { kind: 'multilabel-probabilities', columns: valueColumns.map((c) => zeroOne(answers.column(c), source, c)) };
  }
}
