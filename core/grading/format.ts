/**
 * The submission format spec: one definition of a valid submission per bundled competition,
 * written at prepare into the public folder (the agent's /home/data/submission_format.json) and
 * read by both the container's validator (images/validate-submission.py) and the grader
 * (./bundled.ts builds its SubmissionSpec from it). It holds what the sample submission and the
 * metric already tell an agent — columns, the ids' count and hash, the cell rule, the label set —
 * never an answer.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Competition } from '../competitions/types';
import { answerColumnsFor, readAnswerColumns, readCsvHeader, truthFor, type Truth } from './answers';
import { getMetric, type CellRule, type Metric } from './metrics';

/** Its name in the public folder. */
export const FORMAT_FILE = 'submission_format.json';
/** In the prepared data's fingerprint: data prepared before the spec existed (or with an older one) is rebuilt. */
export const FORMAT_VERSION = 1;

export interface SubmissionFormat {
  competition_id: string;
  metric: string;
  id_column: string;
  /** The sample submission's header; any order is accepted. */
  columns: string[];
  /** One row per id, each once: their count and the sha256 of the ids sorted, one per line. */
  ids: { count: number; sha256: string };
  /** What every value cell must hold: label, integer (label), number, above-minus-one (> -1), probability ([0, 1]). */
  cells: CellRule;
  /** For label and integer cells: the labels a prediction may name; null when any is accepted. */
  labels: string[] | null;
  /** True when each row's probabilities are rescaled to sum to one: a row must not be all zeros. */
  row_sum_nonzero: boolean;
}

export function idsDigest(ids: readonly string[]): string {
  return createHash('sha256')
    .update([...ids].sort().join('\n'))
    .digest('hex');
}

/** The format and the answers it was derived from, read from a prepared folder (`<dir>/public`, `<dir>/private`). */
export async function submissionFormatOf(
  competition: Competition,
  preparedDir: string,
): Promise<{ format: SubmissionFormat; metric: Metric; truth: Truth; ids: string[] }> {
  const { dataset } = competition.config;
  const samplePath = path.join(preparedDir, dataset.sample_submission);
  const answersPath = path.join(preparedDir, dataset.answers);
  const metric = getMetric(competition.metric);
  const header = await readCsvHeader(samplePath);
  const { id_column: idColumn, target_column: targetColumn, positive_label: positiveLabel } = dataset;
  if (!header.includes(idColumn)) throw new Error(`${samplePath}: missing column "${idColumn}" (columns: ${header.join(', ')})`);
  const valueColumns = header.filter((c) => c !== idColumn);
  const answers = await readAnswerColumns(answersPath, idColumn, answerColumnsFor(metric, targetColumn, valueColumns));
  const truth = truthFor(metric, answers, { source: answersPath, targetColumn, valueColumns, positiveLabel });
  const labels = truth.kind === 'labels' ? [...new Set(dataset.labels ?? truth.labels)].sort() : null;
  const format: SubmissionFormat = {
    competition_id: competition.id,
    metric: metric.name,
    id_column: idColumn,
    columns: header,
    ids: { count: answers.ids.length, sha256: idsDigest(answers.ids) },
    cells: metric.cells,
    labels,
    row_sum_nonzero: metric.kind === 'probabilities',
  };
  return { format, metric, truth, ids: answers.ids };
}

/** Writes the format into a prepared folder's public/ (at prepare, before the manifest is built). */
export async function writeSubmissionFormat(competition: Competition, preparedDir: string): Promise<void> {
  const { format } = await submissionFormatOf(competition, preparedDir);
  await fs.writeFile(path.join(preparedDir, 'public', FORMAT_FILE), `${JSON.stringify(format, null, 2)}\n`);
}

/** The written format, checked against what the answers give (the manifest already guards it; this names a stale one). */
export async function readSubmissionFormat(publicDir: string, expected: SubmissionFormat): Promise<SubmissionFormat> {
  const file = path.join(publicDir, FORMAT_FILE);
  const written = JSON.parse(await fs.readFile(file, 'utf8')) as SubmissionFormat;
  if (JSON.stringify(written) !== JSON.stringify(expected)) {
    throw new Error(`${file}: does not match the competition's answers and metric; prepare it again with force`);
  }
  return written;
}
