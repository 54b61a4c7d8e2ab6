/**
 * Runs a scikit-learn reference case through our metric of the same name (via the registry, as
 * grading does), and compares to a relative 1e-9.
 */
import { expect } from 'vitest';
import { getMetric } from '../../core/grading/metrics';
import type { SklearnCase, SklearnResult } from './sklearn';

export function ours(c: SklearnCase): number {
  const metric = getMetric(c.metric);
  switch (c.metric) {
    case 'accuracy':
    case 'f1-micro':
    case 'f1-macro':
      if (metric.kind === 'labels') return metric.compute(c.yTrue, c.yPred);
      break;
    case 'quadratic-weighted-kappa':
      if (metric.kind === 'labels') return metric.compute(c.yTrue.map(String), c.yPred.map(String));
      break;
    case 'rmse':
    case 'rmsle':
    case 'mae':
      if (metric.kind === 'values') return metric.compute(Float64Array.from(c.yTrue), Float64Array.from(c.yPred));
      break;
    case 'binary-log-loss':
    case 'roc-auc':
      if (metric.kind === 'probability') return metric.compute(Uint8Array.from(c.yTrue), Float64Array.from(c.score));
      break;
    case 'multiclass-log-loss':
      if (metric.kind === 'probabilities') {
        const classIndex = c.yTrue.map((l) => c.labels.indexOf(l));
        return metric.compute(
          classIndex,
          c.labels.map((_, k) => Float64Array.from(c.proba, (row) => row[k]!)),
        );
      }
      break;
    case 'roc-auc-mean-columnwise':
      if (metric.kind === 'multilabel-probabilities') {
        return metric.compute(
          c.yTrue.map((col) => Uint8Array.from(col)),
          c.score.map((col) => Float64Array.from(col)),
          c.yTrue.map((_, i) => `label${i}`),
        );
      }
      break;
  }
  throw new Error(`metric ${c.metric} has an unexpected kind ${metric.kind}`);
}

/** Ours equals scikit-learn's to a relative 1e-9 (absolute 1e-15 around 0). */
export function expectClose(actual: number, expected: number, rel = 1e-9): void {
  expect(Number.isFinite(actual)).toBe(true);
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected) + 1e-15);
}

/** Ours agrees with the reference: the same value, or (where scikit-learn gives NaN or raises) an error. */
export function expectAgrees(c: SklearnCase, reference: SklearnResult, undefinedReason?: RegExp): void {
  if (typeof reference === 'number') {
    expectClose(ours(c), reference);
    return;
  }
  expect(() => ours(c)).toThrow(undefinedReason ?? /./);
}
