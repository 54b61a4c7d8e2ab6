/**
 * The agent's predictions (submission.csv: the id column and the target, one row per test id —
 * a class label, or a number for regression) checked against the answers, and the quality
 * measures the task graders score them with.
 */
import { validateSubmission } from '../grading/submission';
import { fmt } from './scoring';
import type { Criterion, Problem } from './types';

export type PredictionCheck =
  | {
      valid: true;
      /** Classification: the predicted label per test row (answers' order). */
      predicted: string[];
      /** Regression: the predicted value per test row. */
      values: Float64Array;
      truth: PredictionTruth;
    }
  | { valid: false; exists: boolean; reason: string; truth: PredictionTruth };

export interface PredictionTruth {
  problem: Problem;
  ids: string[];
  /** Classification: the true label per test row. */
  labels: string[];
  /** Regression: the true value per test row. */
  values: Float64Array;
  /** Classification: every class. */
  classes: string[];
  /** What a strong standard model attains on the competition's untouched data (techniques/attainable.json). */
  ceiling?: Ceiling;
}

/** What a strong standard model attains on the test set, as the metric and on the predictions scale. */
export interface CeilingLevel {
  metric: 'balanced_accuracy' | 'r2';
  /** The metric's value on the test set. */
  value: number;
  /** On the predictions scale (chance-corrected balanced accuracy, or R² clipped): full credit at or above. */
  score: number;
  model: string;
}

/** An entry of techniques/attainable.json: written by techniques/attainable.py for one competition's data. */
export interface Ceiling extends CeilingLevel {
  /** The prepared data measured; a ceiling holds for that data only. */
  source_checksum: string;
  /** The level with only `rows` train rows (the mean over `draws` seeded draws), for a plant that keeps that few (cv). */
  small_train?: Omit<CeilingLevel, 'metric'> & { rows: number; draws: number };
  /** Classification: per class, the level with that class cut as the imbalance plant cuts it at its smallest share `fraction`. */
  rare_class?: { fraction: number; classes: Record<string, RareClassLevel> };
}

/**
 * What prior-corrected models attain with one class cut to `rows` train rows (the mean of `draws`
 * seeded draws), its probabilities boosted as well as any boost does on test: the balance the
 * imbalance grader counts (`minority_recall`) and the balanced accuracy there.
 */
export interface RareClassLevel extends Omit<CeilingLevel, 'metric'> {
  rows: number;
  draws: number;
  minority_recall: number;
}

export async function checkPredictions(
  file: string,
  spec: { idColumn: string; targetColumn: string; truth: PredictionTruth },
): Promise<PredictionCheck> {
  const { truth } = spec;
  const classification = truth.problem !== 'regression';
  const check = await validateSubmission(file, {
    idColumn: spec.idColumn,
    columns: [spec.idColumn, spec.targetColumn],
    ids: truth.ids,
    cells: classification ? 'label' : 'number',
    labels: classification ? new Set(truth.classes) : undefined,
  });
  if (!check.valid) return { valid: false, exists: check.exists, reason: check.reason, truth };
  return {
    valid: true,
    predicted: classification ? check.labels[0]! : [],
    values: classification ? new Float64Array(0) : check.numbers[0]!,
    truth,
  };
}

/** Recall of one class: of the rows truly `cls`, the share predicted `cls`. NaN when the class is absent. */
export function classRecall(truth: readonly string[], predicted: readonly string[], cls: string): number {
  let n = 0;
  let hit = 0;
  for (let i = 0; i < truth.length; i += 1) {
    if (truth[i] !== cls) continue;
    n += 1;
    if (predicted[i] === cls) hit += 1;
  }
  return n === 0 ? Number.NaN : hit / n;
}

/** Precision of one class: of the rows predicted `cls`, the share truly `cls`. 0 when none is predicted. */
export function classPrecision(truth: readonly string[], predicted: readonly string[], cls: string): number {
  let n = 0;
  let hit = 0;
  for (let i = 0; i < truth.length; i += 1) {
    if (predicted[i] !== cls) continue;
    n += 1;
    if (truth[i] === cls) hit += 1;
  }
  return n === 0 ? 0 : hit / n;
}

/** Mean recall over the classes present in the truth (scikit-learn's balanced_accuracy_score). */
export function balancedAccuracy(truth: readonly string[], predicted: readonly string[]): number {
  const classes = [...new Set(truth)];
  return classes.reduce((s, c) => s + classRecall(truth, predicted, c), 0) / classes.length;
}

/** Share of rows predicted right. */
export function accuracyOf(truth: readonly string[], predicted: readonly string[]): number {
  let hit = 0;
  for (let i = 0; i < truth.length; i += 1) if (truth[i] === predicted[i]) hit += 1;
  return truth.length === 0 ? Number.NaN : hit / truth.length;
}

/** Coefficient of determination (scikit-learn's r2_score); 1 is perfect, 0 is the mean, below 0 worse. */
export function r2(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  const n = truth.length;
  let mean = 0;
  for (let i = 0; i < n; i += 1) mean += truth[i]! / n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i += 1) {
    ssRes += (truth[i]! - predicted[i]!) ** 2;
    ssTot += (truth[i]! - mean) ** 2;
  }
  return ssTot === 0 ? Number.NaN : 1 - ssRes / ssTot;
}

export interface PredictionQuality {
  /** `balanced_accuracy` (classification) or `r2` (regression). */
  metric: 'balanced_accuracy' | 'r2';
  value: number;
  /** 0..1: balanced accuracy rescaled so chance (1/K) is 0, or R² clipped to [0, 1]. */
  score: number;
}

/** The general quality of valid predictions: chance-corrected balanced accuracy, or R². */
export function predictionQuality(check: Extract<PredictionCheck, { valid: true }>): PredictionQuality {
  const { truth } = check;
  if (truth.problem === 'regression') {
    const value = r2(truth.values, check.values);
    return { metric: 'r2', value, score: clip01(value) };
  }
  const value = balancedAccuracy(truth.labels, check.predicted);
  const chance = 1 / new Set(truth.labels).size;
  return { metric: 'balanced_accuracy', value, score: clip01((value - chance) / (1 - chance)) };
}

/**
 * The usual prediction criterion: `predictionQuality` on the held-out rows, as a share of the
 * competition's ceiling when it has one (full credit at what a strong model attains on the
 * untouched data: a noisy target caps every model below a perfect score), or 0 with the reason
 * when the submission is missing or invalid. `ceiling` may be another level (e.g. its small_train
 * level); `on` says what it was measured on.
 */
export function predictionCriterion(
  check: PredictionCheck,
  weight: number,
  name = 'predictions',
  ceiling: CeilingLevel | undefined = check.truth.ceiling,
  on = 'the untouched data',
): Criterion {
  if (!check.valid) return { name, weight, score: 0, detail: `no valid predictions: ${check.reason}` };
  const q = predictionQuality(check);
  const what =
    q.metric === 'r2'
      ? `R² ${fmt(q.value)} on ${check.truth.ids.length} held-out rows (0 = predicting the mean)`
      : `balanced accuracy ${fmt(q.value)} on ${check.truth.ids.length} held-out rows (chance ${fmt(1 / new Set(check.truth.labels).size)})`;
  if (!ceiling || ceiling.metric !== q.metric || !(ceiling.score > 0)) return { name, weight, score: q.score, detail: what };
  return {
    name,
    weight,
    score: clip01(q.score / ceiling.score),
    detail: `${what}: ${fmt(q.score)} on the predictions scale, full credit at ${fmt(ceiling.score)} (${q.metric} ${fmt(ceiling.value)}, a ${ceiling.model} on ${on})`,
  };
}

export function clip01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
