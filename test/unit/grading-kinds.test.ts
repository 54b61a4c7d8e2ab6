/**
 * Grading end to end for every metric: a synthetic competition of the metric's shape is prepared,
 * a submission with some signal is graded, and the score equals the metric on the same answers and
 * predictions as scikit-learn takes them (rounded to 5 decimals as reports are): this checks the
 * wiring (columns, classes, positive class); grading-metrics*.test.ts check each metric against
 * scikit-learn itself. Also: values each kind refuses.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareCompetition } from '../../core/competitions';
import { seededRandom } from '../../core/competitions/random';
import { readCsvFile, toCsv, type CsvTable } from '../../core/csv';
import { gradeSubmission, type CompetitionReport } from '../../core/grading';
import { positiveLabelOf } from '../../core/grading/answers';
import { ours } from '../helpers/metricCases';
import type { SklearnCase } from '../helpers/sklearn';
import { writeSyntheticCompetition, type SyntheticSpec } from '../helpers/syntheticCompetition';

let root: string;
const random = seededRandom(4242);
const ROWS = 300;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-kinds-'));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const dirs = () => ({ competitionsDir: path.join(root, 'competitions'), dataDir: path.join(root, 'data') });

/** Prepares the competition and returns its answers and sample submission. */
async function competition(spec: SyntheticSpec): Promise<{ answers: CsvTable; sample: CsvTable }> {
  await writeSyntheticCompetition(dirs().competitionsDir, spec);
  const prepared = await prepareCompetition(spec.id, dirs());
  return { answers: await readCsvFile(prepared.answersPath), sample: await readCsvFile(prepared.sampleSubmissionPath) };
}

async function grade(id: string, header: string[], rows: (string | number)[][]): Promise<CompetitionReport> {
  const file = path.join(root, `${id}-${Math.floor(random() * 1e9)}.csv`);
  await fs.writeFile(file, toCsv(header, rows));
  return gradeSubmission({ ...dirs(), competitionId: id, submissionPath: file });
}

function reference(c: SklearnCase): number {
  return Number(ours(c).toFixed(5));
}

const noisy = <T>(truth: T, other: () => T, p = 0.6) => (random() < p ? truth : other());

describe('every metric, graded from files, scores the answers and predictions as the metric does', () => {
  it.each(['accuracy', 'f1-micro', 'f1-macro'])('%s (labels)', async (metric) => {
    const { answers } = await competition({
      id: `s-${metric}`,
      metric,
      targetColumn: 'label',
      options: { task: 'labels', rows: ROWS, classes: 4 },
    });
    const yTrue = answers.rows.map((r) => r[1]!);
    const yPred = yTrue.map((t) => noisy(t, () => `class_${Math.floor(random() * 4)}`));
    const report = await grade(
      `s-${metric}`,
      ['id', 'label'],
      answers.rows.map((r, i) => [r[0]!, yPred[i]!]),
    );
    expect(report).toMatchObject({ valid_submission: true, score: reference({ metric: metric as 'accuracy', yTrue, yPred }) });
  });

  it('quadratic-weighted-kappa (integer grades)', async () => {
    const id = 's-qwk';
    const { answers } = await competition({
      id,
      metric: 'quadratic-weighted-kappa',
      targetColumn: 'grade',
      options: { task: 'ordinal', rows: ROWS, classes: 5 },
    });
    const yTrue = answers.rows.map((r) => Number(r[1]));
    const yPred = yTrue.map((t) => noisy(t, () => Math.floor(random() * 5)));
    const report = await grade(
      id,
      ['id', 'grade'],
      answers.rows.map((r, i) => [r[0]!, yPred[i]!]),
    );
    expect(report).toMatchObject({ valid_submission: true, score: reference({ metric: 'quadratic-weighted-kappa', yTrue, yPred }) });
  });

  it.each(['rmse', 'mae', 'rmsle'])('%s (values)', async (metric) => {
    const id = `s-${metric}`;
    const { answers } = await competition({ id, metric, targetColumn: 'target', options: { task: 'regression', rows: ROWS } });
    const yTrue = answers.rows.map((r) => Number(r[1]));
    const yPred = yTrue.map((t) => t * Math.exp(0.3 * (random() - 0.5)));
    const report = await grade(
      id,
      ['id', 'target'],
      answers.rows.map((r, i) => [r[0]!, yPred[i]!]),
    );
    expect(report).toMatchObject({ valid_submission: true, score: reference({ metric: metric as 'rmse', yTrue, yPred }) });
  });

  it.each([
    ['roc-auc', ['0', '1'], undefined, '1'],
    ['roc-auc', ['no', 'yes'], undefined, 'yes'],
    ['roc-auc', ['benign', 'attack'], 'attack', 'attack'],
    ['binary-log-loss', ['0', '1'], undefined, '1'],
    ['binary-log-loss', ['cat', 'dog'], 'cat', 'cat'],
  ] as const)('%s with answers %j, positive_label %s: P(%s) is scored', async (metric, labels, positiveLabel, positive) => {
    const id = `s-${metric}-${labels.join('-')}`;
    const { answers } = await competition({
      id,
      metric,
      targetColumn: 'target',
      options: { task: 'binary', rows: ROWS, labels },
      ...(positiveLabel ? { dataset: { positive_label: positiveLabel } } : {}),
    });
    const yTrue = answers.rows.map((r) => (r[1] === positive ? 1 : 0));
    const score = yTrue.map((t) => Math.min(1, 0.3 * t + 0.7 * random()));
    const report = await grade(
      id,
      ['id', 'target'],
      answers.rows.map((r, i) => [r[0]!, score[i]!]),
    );
    expect(report).toMatchObject({ valid_submission: true, score: reference({ metric, yTrue, score }) });
  });

  it('multiclass-log-loss (a probability column per class, in any order)', async () => {
    const id = 's-mlogloss';
    const { answers } = await competition({
      id,
      metric: 'multiclass-log-loss',
      targetColumn: 'label',
      options: { task: 'multiclass', rows: ROWS, classes: 3 },
    });
    const labels = ['class_0', 'class_1', 'class_2'];
    const proba = answers.rows.map((r) => {
      const raw = labels.map((l) => random() + (l === r[1] ? 0.7 : 0));
      const sum = raw.reduce((a, b) => a + b, 0);
      return raw.map((v) => v / sum);
    });
    const header = ['class_2', 'id', 'class_0', 'class_1'];
    const report = await grade(
      id,
      header,
      answers.rows.map((r, i) => [proba[i]![2]!, r[0]!, proba[i]![0]!, proba[i]![1]!]),
    );
    const yTrue = answers.rows.map((r) => r[1]!);
    expect(report).toMatchObject({ valid_submission: true, score: reference({ metric: 'multiclass-log-loss', yTrue, proba, labels }) });
  });

  it('roc-auc-mean-columnwise (one column per label; answers hold the same columns, 0 or 1)', async () => {
    const id = 's-multilabel';
    const { answers, sample } = await competition({
      id,
      metric: 'roc-auc-mean-columnwise',
      targetColumn: 'label_0',
      options: { task: 'multilabel', rows: ROWS, classes: 4 },
    });
    const yTrue = [1, 2, 3, 4].map((c) => answers.rows.map((r) => Number(r[c])));
    const score = yTrue.map((col) => col.map((t) => Math.min(1, 0.2 * t + 0.8 * random())));
    const report = await grade(
      id,
      sample.header,
      answers.rows.map((r, i) => [r[0]!, ...score.map((col) => col[i]!)]),
    );
    expect(report).toMatchObject({ valid_submission: true, score: reference({ metric: 'roc-auc-mean-columnwise', yTrue, score }) });
  });
});

describe('what each kind refuses, as a report and never a crash', () => {
  it('a metric undefined on the answers (AUC with one class) is reported as an error', async () => {
    const id = 's-auc-one-row';
    const { answers } = await competition({ id, metric: 'roc-auc', targetColumn: 'target', options: { task: 'binary', rows: 1 } });
    const report = await grade(id, ['id', 'target'], [[answers.rows[0]![0]!, 0.5]]);
    expect(report).toMatchObject({ score: null, valid_submission: false, submission_exists: true, any_medal: false });
    expect(report.error).toMatch(/^scoring failed: roc auc: undefined when only one class is present/);
  });

  it('labels outside the known set, non-integer grades, RMSLE values at -1, probabilities outside [0, 1]', async () => {
    const first = async (id: string) => (await readCsvFile(path.join(dirs().dataDir, id, 'prepared', 'private', 'answers.csv'))).rows;
    const cases: [string, string[], (id: string) => (string | number)[], RegExp][] = [
      ['s-accuracy', ['id', 'label'], (id) => [id, 'class_9'], /unknown label "class_9" \(known: class_/],
      ['s-qwk', ['id', 'grade'], (id) => [id, '2.5'], /"2.5" is not an integer label/],
      ['s-rmsle', ['id', 'target'], (id) => [id, -1], /-1 is not above -1/],
      ['s-rmse', ['id', 'target'], (id) => [id, 'inf'], /"inf" is not a finite number/],
      ['s-binary-log-loss-0-1', ['id', 'target'], (id) => [id, 1.5], /probability 1.5 is outside \[0, 1\]/],
    ];
    for (const [id, header, bad, reason] of cases) {
      const rows = (await first(id)).map((r): (string | number)[] => [r[0]!, header[1] === 'label' ? 'class_0' : 1]);
      rows[5] = bad(rows[5]![0] as string);
      const report = await grade(id, header, rows);
      expect(report.valid_submission).toBe(false);
      expect(report.error).toMatch(reason);
      expect(report.error).toMatch(/^line 7 \(id id5\), column /);
    }
  });

  it('the positive class: configured, else 1 for 0/1 answers, else the greater label', () => {
    expect(positiveLabelOf(['0', '1', '0'], undefined, 'a.csv')).toBe('1');
    expect(positiveLabelOf(['0', '0'], undefined, 'a.csv')).toBe('1');
    expect(positiveLabelOf(['no', 'yes'], undefined, 'a.csv')).toBe('yes');
    expect(positiveLabelOf(['10', '2'], undefined, 'a.csv')).toBe('10');
    expect(positiveLabelOf(['no', 'yes'], 'no', 'a.csv')).toBe('no');
    expect(() => positiveLabelOf(['a', 'b', 'c'], undefined, 'a.csv')).toThrow(/a\.csv: a binary target needs exactly two classes/);
    expect(() => positiveLabelOf(['spam'], undefined, 'a.csv')).toThrow(
      /exactly two classes \(or 0\/1, or config dataset.positive_label\), found spam/,
    );
  });
});
