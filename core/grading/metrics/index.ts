/**
 * Metrics by name. A competition's config names its metric; the metric's kind says what shape the
 * submission has (and so what the answers hold), and its cell rule what every value must be.
 *
 * | kind                       | submission value columns            | answers' target            |
 * |----------------------------|-------------------------------------|----------------------------|
 * | `labels`                   | one, a label per row                | the true label             |
 * | `values`                   | one, a number per row               | the true number            |
 * | `probability`              | one, P(positive) or a score per row | two classes (see positive) |
 * | `probabilities`            | one per class, named by class       | the true class's name      |
 * | `multilabel-probabilities` | one per label                       | the same columns, 0 or 1   |
 */
import { accuracy, f1Macro, f1Micro } from './accuracy';
import { rocAuc, rocAucMeanColumnwise } from './auc';
import { quadraticWeightedKappa } from './kappa';
import { binaryLogLoss, multiclassLogLoss } from './logLoss';
import { mae, rmse, rmsle } from './regression';

export { accuracy, f1Macro, f1Micro } from './accuracy';
export { rocAuc, rocAucMeanColumnwise } from './auc';
export { quadraticWeightedKappa } from './kappa';
export { binaryLogLoss, multiclassLogLoss, LOG_LOSS_EPS } from './logLoss';
export { mae, rmse, rmsle } from './regression';

export type MetricKind = Metric['kind'];

/**
 * What every submitted value must be: `label` non-empty text (and one of the known labels),
 * `integer` an integer (and one of the known labels), `number` a finite number, `above-minus-one`
 * a finite number > -1 (log1p must be defined), `probability` a finite number in [0, 1].
 */
export type CellRule = 'label' | 'integer' | 'number' | 'above-minus-one' | 'probability';

interface MetricBase {
  name: string;
  lowerIsBetter: boolean;
}

/** One predicted label per row. */
export interface LabelsMetric extends MetricBase {
  kind: 'labels';
  cells: 'label' | 'integer';
  compute(yTrue: readonly string[], yPred: readonly string[]): number;
}

/** One predicted number per row; the answers hold numbers. */
export interface ValuesMetric extends MetricBase {
  kind: 'values';
  cells: 'number' | 'above-minus-one';
  compute(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number;
}

/** Binary: one column, the positive class's probability or score; `yTrue` is 1 for positive rows, else 0. */
export interface ProbabilityMetric extends MetricBase {
  kind: 'probability';
  cells: 'probability' | 'number';
  compute(yTrue: ArrayLike<number>, score: ArrayLike<number>): number;
}

/** Multiclass: one probability column per class; `yTrue` holds class indices into the columns. */
export interface ProbabilitiesMetric extends MetricBase {
  kind: 'probabilities';
  cells: 'probability';
  compute(yTrue: ArrayLike<number>, proba: readonly ArrayLike<number>[]): number;
}

/** Multi-label: one column per label, each scored against the answers' 0/1 column of that name. */
export interface MultilabelMetric extends MetricBase {
  kind: 'multilabel-probabilities';
  cells: 'probability' | 'number';
  compute(yTrue: readonly ArrayLike<number>[], score: readonly ArrayLike<number>[], columns: readonly string[]): number;
}

export type Metric = LabelsMetric | ValuesMetric | ProbabilityMetric | ProbabilitiesMetric | MultilabelMetric;

const metrics: Metric[] = [
  { name: 'accuracy', kind: 'labels', cells: 'label', lowerIsBetter: false, compute: accuracy },
  { name: 'f1-micro', kind: 'labels', cells: 'label', lowerIsBetter: false, compute: f1Micro },
  { name: 'f1-macro', kind: 'labels', cells: 'label', lowerIsBetter: false, compute: f1Macro },
  {
    name: 'quadratic-weighted-kappa',
    kind: 'labels',
    cells: 'integer',
    lowerIsBetter: false,
    compute: (yTrue, yPred) => quadraticWeightedKappa(yTrue.map(Number), yPred.map(Number)),
  },
  { name: 'rmse', kind: 'values', cells: 'number', lowerIsBetter: true, compute: rmse },
  { name: 'rmsle', kind: 'values', cells: 'above-minus-one', lowerIsBetter: true, compute: rmsle },
  { name: 'mae', kind: 'values', cells: 'number', lowerIsBetter: true, compute: mae },
  // AUC only ranks: any finite score will do, not only a probability.
  { name: 'roc-auc', kind: 'probability', cells: 'number', lowerIsBetter: false, compute: (y, s) => rocAuc(y, s) },
  { name: 'binary-log-loss', kind: 'probability', cells: 'probability', lowerIsBetter: true, compute: binaryLogLoss },
  { name: 'multiclass-log-loss', kind: 'probabilities', cells: 'probability', lowerIsBetter: true, compute: multiclassLogLoss },
  {
    name: 'roc-auc-mean-columnwise',
    kind: 'multilabel-probabilities',
    cells: 'number',
    lowerIsBetter: false,
    compute: rocAucMeanColumnwise,
  },
];

const registry = new Map(metrics.map((m) => [m.name, m]));

export const METRIC_NAMES: readonly string[] = metrics.map((m) => m.name);

export function getMetric(name: string): Metric {
  const metric = registry.get(name);
  if (!metric) throw new Error(`unknown metric "${name}" (known: ${METRIC_NAMES.join(', ')})`);
  return metric;
}
