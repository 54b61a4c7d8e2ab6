/**
 * Metrics by name. A competition's config names its metric; the metric's kind tells submission
 * validation what the agent's file must hold (one probability column per class, or a label).
 */
import { accuracy } from './accuracy';
import { multiclassLogLoss } from './logLoss';

export { accuracy } from './accuracy';
export { multiclassLogLoss, LOG_LOSS_EPS } from './logLoss';

/** Submission holds one probability column per class (columns named by class). */
export interface ProbabilityMetric {
  name: string;
  kind: 'probabilities';
  lowerIsBetter: boolean;
  compute(yTrue: readonly string[], yProba: readonly (readonly number[])[], labels: readonly string[]): number;
}

/** Submission holds one predicted label per row, in the answers' target column. */
export interface LabelMetric {
  name: string;
  kind: 'labels';
  lowerIsBetter: boolean;
  compute(yTrue: readonly string[], yPred: readonly string[]): number;
}

export type Metric = ProbabilityMetric | LabelMetric;

const registry: Record<string, Metric> = {
  'multiclass-log-loss': { name: 'multiclass-log-loss', kind: 'probabilities', lowerIsBetter: true, compute: multiclassLogLoss },
  accuracy: { name: 'accuracy', kind: 'labels', lowerIsBetter: false, compute: accuracy },
};

export const METRIC_NAMES: readonly string[] = Object.keys(registry);

export function getMetric(name: string): Metric {
  const metric = registry[name];
  if (!metric) throw new Error(`unknown metric "${name}" (known: ${METRIC_NAMES.join(', ')})`);
  return metric;
}
