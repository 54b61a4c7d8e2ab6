/**
 * Multiclass log loss (cross-entropy), as Kaggle scores it and scikit-learn computes it.
 *
 * - Each row is first divided by its sum: Kaggle's rule ("the submitted probabilities are not
 *   required to sum to one because they are rescaled prior to being scored"), and what
 *   scikit-learn did before 1.5. Current scikit-learn only warns, so on rows that already sum
 *   to one both agree exactly.
 * - Then values are clipped to [eps, 1 - eps] with eps = float64 machine epsilon
 *   (2.22e-16), as scikit-learn >= 1.3 does (`np.finfo(y_proba.dtype).eps`); Kaggle's 1e-15
 *   is the older default. Clipping keeps a confident wrong answer finite.
 * - The result is the mean over rows of -ln(p[true class]).
 */
import { neumaierSum } from './sum';

export const LOG_LOSS_EPS = Number.EPSILON;

export function multiclassLogLoss(
  yTrue: readonly string[],
  yProba: readonly (readonly number[])[],
  labels: readonly string[],
): number {
  if (yTrue.length === 0) throw new Error('log loss: no rows');
  if (yTrue.length !== yProba.length) {
    throw new Error(`log loss: ${yTrue.length} true labels but ${yProba.length} prediction rows`);
  }
  const classIndex = new Map(labels.map((l, i) => [l, i]));
  if (classIndex.size < 2) throw new Error(`log loss: needs at least 2 distinct classes, got ${labels.length}`);
  const losses = yTrue.map((label, row) => {
    const k = classIndex.get(label);
    if (k === undefined) throw new Error(`log loss: row ${row}: true label "${label}" is not one of ${labels.join(', ')}`);
    const p = yProba[row]!;
    if (p.length !== labels.length) {
      throw new Error(`log loss: row ${row}: ${p.length} probabilities for ${labels.length} classes`);
    }
    let rowSum = 0;
    for (const v of p) {
      if (!Number.isFinite(v) || v < 0 || v > 1) throw new Error(`log loss: row ${row}: probability ${v} outside [0, 1]`);
      rowSum += v;
    }
    if (rowSum <= 0) throw new Error(`log loss: row ${row}: probabilities sum to 0, cannot rescale`);
    const q = Math.min(Math.max(p[k]! / rowSum, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
    return -Math.log(q);
  });
  return neumaierSum(losses) / losses.length;
}
