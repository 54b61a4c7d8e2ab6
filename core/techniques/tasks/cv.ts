/**
 * cv: estimate, by cross-validation on train only, the score your own test predictions will get.
 * The true held-out score is computed by the grader from the agent's submission and the answers,
 * under the metric the task fixes (task.json `facts.cv_metric`): `accuracy` for classification,
 * `r2` (scikit-learn's r2_score) for regression.
 *
 * The plant: train is cut to a seeded few hundred rows (n in [250, 400]; at least 20 per class
 * for multiclass, e.g. 520 for 26 letters), stratified by class for classification (each class
 * keeps its share, at least 10 rows when it has them); file order is kept. The test set and its
 * answers are untouched, so the true score is measured on many rows. With so few train rows the
 * training-set score of a flexible model is far too optimistic and a single split is noisy.
 *
 * The tolerances follow the data size. An honest estimate is off by σ = s·√(1/n_train + 1/n_test)
 * typically: the metric is a mean over rows (accuracy: right or wrong; R²: by the delta method,
 * (e² − (1 − R²)·d²) / mean(d²) with e the residual and d = y − ȳ), the estimate averages it over
 * the n_train rows cross-validated, the true score over the n_test rows, and s is its per-row
 * standard deviation in the agent's own test predictions. On hpc-job-class (314 train rows at
 * seed 1) σ is 0.028, and redrawing those rows 30 times put a 10-fold CV's error at sd 0.031:
 * a fixed 0.02 was below the estimate's own resampling error. On many rows the fixed floors hold.
 *
 * Graded (weights sum to 1):
 * - cv_estimate 0.5: |estimate − true held-out score|; full credit ≤ max(2σ, 0.02), none ≥
 *   max(4σ, 0.10) (accuracy); floors 0.03 / 0.15 for R²; linear between;
 * - cv_interval 0.25: width credit × coverage credit. Width: full ≤ max(4σ, 0.15), none ≥
 *   max(8σ, 0.30) (accuracy); floors 0.20 / 0.40 for R² (an honest ±2σ interval is 4σ wide).
 *   Coverage: 1 when the true score is inside [low, high], falling linearly to 0 as it lies
 *   0 → max(σ, 0.02) (accuracy) / max(σ, 0.03) (R²) outside;
 * - predictions 0.25: chance-corrected balanced accuracy, or R², on the held-out rows; full credit
 *   at what a strong model attains trained on as few rows as this plant keeps (the ceiling's
 *   small_train level, techniques/attainable.py), since no technique brings the cut rows back.
 * An analysis naming another metric scores 0 on cv_estimate and cv_interval. So do predictions no
 * better than 0.1 on the predictions scale (e.g. one constant label, or the mean): estimating the
 * score of a constant takes no cross-validation.
 */
import { z } from 'zod';
import { column, pickSome, selectRows } from '../data';
import {
  accuracyOf,
  predictionCriterion,
  predictionQuality,
  r2,
  type Ceiling,
  type CeilingLevel,
  type PredictionCheck,
} from '../predictions';
import { fmt, linearCredit, withoutAnalysis } from '../scoring';
import type { Criterion, Problem, TechniqueTaskDefinition } from '../types';

export type CvMetric = 'accuracy' | 'r2';

export interface CvTruth {
  /** The metric the estimate is of (task.json facts.cv_metric). */
  metric: CvMetric;
  /** Rows of the planted train, and of the competition's train before the cut. */
  train_rows: number;
  source_train_rows: number;
  /** Rows the true score is measured on. */
  test_rows: number;
}

export const cvAnalysisSchema = z
  .object({
    metric: z.string().describe('the metric estimated: must be task.json facts.cv_metric'),
    estimate: z.number().describe('the expected score of the submitted predictions on the test set'),
    interval: z.tuple([z.number(), z.number()]).describe('[low, high]: where the true test score is expected to lie'),
    folds: z.number().int().min(2).optional(),
    method: z.string().optional(),
    notes: z.string().optional(),
  })
  .superRefine((a, ctx) => {
    const [low, high] = a.interval;
    if (!(low <= a.estimate && a.estimate <= high)) {
      ctx.addIssue({
        code: 'custom',
        path: ['interval'],
        message: `must hold low <= estimate <= high; got [${low}, ${high}] and estimate ${a.estimate}`,
      });
    }
  });
export type CvAnalysis = z.infer<typeof cvAnalysisSchema>;

export interface Tolerance {
  /** |estimate − true|: full credit at or below, none at or above. */
  estimateFull: number;
  estimateZero: number;
  /** Interval width: full credit at or below, none at or above. */
  widthFull: number;
  widthZero: number;
  /** How far outside the interval the true score may lie before coverage earns nothing. */
  missZero: number;
}

/** The floors: the tolerances on many rows, where σ is smaller. */
export const CV_TOLERANCES: Record<CvMetric, Tolerance> = {
  accuracy: { estimateFull: 0.02, estimateZero: 0.1, widthFull: 0.15, widthZero: 0.3, missZero: 0.02 },
  r2: { estimateFull: 0.03, estimateZero: 0.15, widthFull: 0.2, widthZero: 0.4, missZero: 0.03 },
};

export const CV_METRIC_DEFINITIONS: Record<CvMetric, string> = {
  accuracy: 'the share of test rows whose predicted label is the true label',
  r2: 'R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)² over the test rows (scikit-learn r2_score)',
};

/** Below this on the predictions scale (0 = chance or the mean) the estimate criteria earn nothing. */
export const MIN_PREDICTION_SCORE = 0.1;

/** The planted train's size; techniques/attainable.py measures the small_train ceiling at the smallest. */
export const MIN_ROWS = 250;
const MAX_ROWS = 400;
export const MIN_ROWS_PER_CLASS = 20;
const MIN_KEPT_PER_CLASS = 10;

export function cvMetricOf(problem: Problem): CvMetric {
  return problem === 'regression' ? 'r2' : 'accuracy';
}

/** The true held-out score of valid predictions under the task's metric. */
export function heldOutScore(check: Extract<PredictionCheck, { valid: true }>, metric: CvMetric): number {
  return metric === 'r2' ? r2(check.truth.values, check.values) : accuracyOf(check.truth.labels, check.predicted);
}

/**
 * σ, the standard error of an honest estimate of the held-out score: the per-row standard
 * deviation of the metric in these predictions, times √(1/trainRows + 1/testRows).
 */
export function estimateError(check: Extract<PredictionCheck, { valid: true }>, metric: CvMetric, trainRows: number): number {
  const n = check.truth.ids.length;
  let perRow: number;
  if (metric === 'accuracy') {
    const p = accuracyOf(check.truth.labels, check.predicted);
    perRow = Math.sqrt(p * (1 - p));
  } else {
    // R² = 1 − mean(e²) / mean(d²); its influence per row is (e² − (1 − R²)·d²) / mean(d²), mean 0.
    const y = check.truth.values;
    const mean = y.reduce((s, v) => s + v, 0) / n;
    const d2 = Array.from(y, (v) => (v - mean) ** 2);
    const e2 = Array.from(y, (v, i) => (v - check.values[i]!) ** 2);
    const md2 = d2.reduce((s, v) => s + v, 0) / n;
    const unexplained = e2.reduce((s, v) => s + v, 0) / n / md2;
    perRow = Math.sqrt(e2.reduce((s, e, i) => s + ((e - unexplained * d2[i]!) / md2) ** 2, 0) / n);
  }
  return perRow * Math.sqrt(1 / trainRows + 1 / n);
}

/** The floors widened to this data size's σ (see the header). */
export function toleranceFor(metric: CvMetric, sigma: number): Tolerance {
  const f = CV_TOLERANCES[metric];
  const s = Number.isFinite(sigma) ? sigma : 0;
  return {
    estimateFull: Math.max(f.estimateFull, 2 * s),
    estimateZero: Math.max(f.estimateZero, 4 * s),
    widthFull: Math.max(f.widthFull, 4 * s),
    widthZero: Math.max(f.widthZero, 8 * s),
    missZero: Math.max(f.missZero, s),
  };
}

/** The ceiling's level with a train as small as this plant's, and what it was measured on. */
function smallTrainCeiling(ceiling: Ceiling | undefined): [CeilingLevel | undefined, string] {
  const small = ceiling?.small_train;
  if (!ceiling || !small) return [ceiling, 'the untouched data'];
  return [{ ...small, metric: ceiling.metric }, `${small.rows} train rows, the mean of ${small.draws} draws`];
}

/** The row indices of train to keep: `n` seeded rows, stratified by class for classification. */
function keptRows(ys: readonly string[], classification: boolean, n: number, random: () => number): number[] {
  const all = ys.map((_, i) => i);
  if (!classification) return pickSome(all, n, random).sort((a, b) => a - b);
  const byClass = new Map<string, number[]>();
  for (const i of all) {
    const rows = byClass.get(ys[i]!) ?? [];
    rows.push(i);
    byClass.set(ys[i]!, rows);
  }
  const kept: number[] = [];
  for (const cls of [...byClass.keys()].sort()) {
    const rows = byClass.get(cls)!;
    const k = Math.min(rows.length, Math.max(MIN_KEPT_PER_CLASS, Math.round((n * rows.length) / ys.length)));
    kept.push(...pickSome(rows, k, random));
  }
  return kept.sort((a, b) => a - b);
}

export const cv: TechniqueTaskDefinition<CvTruth, CvAnalysis> = {
  id: 'cv',
  title: 'estimate by cross-validation the score your predictions will get on the held-out test set',
  problems: ['binary', 'multiclass', 'regression'],
  analysisSchema: cvAnalysisSchema,

  plant(data, random) {
    const metric = cvMetricOf(data.problem);
    let n = MIN_ROWS + Math.floor(random() * (MAX_ROWS - MIN_ROWS + 1));
    if (data.problem === 'multiclass') n = Math.max(n, MIN_ROWS_PER_CLASS * data.labels.length);
    const ys = column(data.train, data.targetColumn);
    const rows = n >= ys.length ? ys.map((_, i) => i) : keptRows(ys, data.problem !== 'regression', n, random);
    const train = selectRows(data.train, rows);
    return {
      train,
      test: data.test,
      answers: data.answers,
      truth: { metric, train_rows: train.rows.length, source_train_rows: ys.length, test_rows: data.test.rows.length },
      facts: { cv_metric: metric, cv_metric_definition: CV_METRIC_DEFINITIONS[metric] },
    };
  },

  grade({ truth, analysis, analysisProblem, predictions }) {
    const criteria: Criterion[] = [];
    const none = (why: string): void => {
      criteria.push(
        { name: 'cv_estimate', weight: 0.5, score: 0, detail: why },
        { name: 'cv_interval', weight: 0.25, score: 0, detail: why },
      );
    };
    if (!analysis) {
      criteria.push(withoutAnalysis('cv_estimate', 0.5, analysisProblem), withoutAnalysis('cv_interval', 0.25, analysisProblem));
    } else if (analysis.metric !== truth.metric) {
      none(`the analysis estimates "${analysis.metric}", and the task's metric is "${truth.metric}"`);
    } else if (!predictions.valid) {
      none(`no valid predictions, so no held-out score to compare with: ${predictions.reason}`);
    } else if (predictionQuality(predictions).score < MIN_PREDICTION_SCORE) {
      none(
        `the predictions score ${fmt(predictionQuality(predictions).score)} on the predictions scale, below ${MIN_PREDICTION_SCORE}: estimating a (near) constant prediction's score takes no cross-validation`,
      );
    } else {
      const actual = heldOutScore(predictions, truth.metric);
      const sigma = estimateError(predictions, truth.metric, truth.train_rows);
      const tol = toleranceFor(truth.metric, sigma);
      const sized = `σ ${fmt(sigma)} on ${truth.train_rows} train and ${truth.test_rows} test rows`;
      const error = Math.abs(analysis.estimate - actual);
      criteria.push({
        name: 'cv_estimate',
        weight: 0.5,
        score: linearCredit(error, tol.estimateFull, tol.estimateZero),
        detail: `estimated ${truth.metric} ${fmt(analysis.estimate)}, true held-out ${fmt(actual)} (error ${fmt(error)}; full credit ≤ ${fmt(tol.estimateFull)}, none ≥ ${fmt(tol.estimateZero)}; ${sized})`,
      });
      const [low, high] = analysis.interval;
      const width = high - low;
      const miss = Math.max(0, low - actual, actual - high);
      const widthCredit = linearCredit(width, tol.widthFull, tol.widthZero);
      const coverage = linearCredit(miss, 0, tol.missZero);
      criteria.push({
        name: 'cv_interval',
        weight: 0.25,
        score: widthCredit * coverage,
        detail:
          `[${fmt(low)}, ${fmt(high)}] (width ${fmt(width)}; full credit ≤ ${fmt(tol.widthFull)}, none ≥ ${fmt(tol.widthZero)}) ` +
          (miss === 0 ? `covers the true ${fmt(actual)}` : `misses the true ${fmt(actual)} by ${fmt(miss)} (none ≥ ${fmt(tol.missZero)})`),
      });
    }
    criteria.push(predictionCriterion(predictions, 0.25, 'predictions', ...smallTrainCeiling(predictions.truth.ceiling)));
    return criteria;
  },
};
