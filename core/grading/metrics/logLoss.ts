/**
 * Log loss (cross-entropy), binary and multiclass, as Kaggle scores it and scikit-learn computes it.
 *
 * - Multiclass rows are first divided by their sum: Kaggle's rule ("the submitted probabilities
 *   are not required to sum to one because they are rescaled prior to being scored"), and what
 *   scikit-learn did before 1.5. Current scikit-learn only warns, so on rows that already sum
 *   to one both agree exactly.
 * - Then values are clipped to [eps, 1 - eps] with eps = float64 machine epsilon
 *   (2.22e-16), as scikit-learn >= 1.3 does (`np.finfo(y_proba.dtype).eps`); Kaggle's 1e-15
 *   is the older default. Clipping keeps a confident wrong answer finite.
 * - The result is the mean over rows of -ln(p[true class]).
 */
import { Accumulator, checkLengths } from './sum';

export const LOG_LOSS_EPS = Number.EPSILON;

function clip(p: number): number {
  return Math.min(Math.max(p, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
}

function checkProbability(what: string, row: number, p: number): void {
  // Written so that NaN fails too.
  if (!(p >= 0 && p <= 1)) throw new Error(`${what}: row ${row}: probability ${p} outside [0, 1]`);
}

/**
 * Multiclass log loss. `yTrue[i]` is the index of row i's true class; `proba[k]` is the column of
 * class k's probabilities (columns, not rows: a million rows are then a few typed arrays).
 */
export function multiclassLogLoss(yTrue: ArrayLike<number>, proba: readonly ArrayLike<number>[]): number {
  const what = 'log loss';
  const classes = proba.length;
  if (classes < 2) throw new Error(`${what}: needs at least 2 classes, got ${classes}`);
  const n = yTrue.length;
  proba.forEach((column, k) => checkLengths(`${what} (class ${k})`, n, column.length));
  const acc = new Accumulator();
  for (let i = 0; i < n; i += 1) {
    const k = yTrue[i]!;
    if (!Number.isInteger(k) || k < 0 || k >= classes)
      throw new Error(`${what}: row ${i}: true class ${k} is not one of 0..${classes - 1}`);
    let rowSum = 0;
    for (let c = 0; c < classes; c += 1) {
      const p = proba[c]![i]!;
      checkProbability(what, i, p);
      rowSum += p;
    }
    if (rowSum <= 0) throw new Error(`${what}: row ${i}: probabilities sum to 0, cannot rescale`);
    acc.add(-Math.log(clip(proba[k]![i]! / rowSum)));
  }
  return acc.value / n;
}

/**
 * Binary log loss: `yTrue[i]` is 1 for the positive class and 0 otherwise, `p[i]` the predicted
 * probability of the positive class. Like scikit-learn, the negative class's probability is
 * 1 - p, and both are clipped; the rows need no rescaling.
 */
export function binaryLogLoss(yTrue: ArrayLike<number>, p: ArrayLike<number>): number {
  const what = 'binary log loss';
  checkLengths(what, yTrue.length, p.length);
  const acc = new Accumulator();
  for (let i = 0; i < yTrue.length; i += 1) {
    const y = yTrue[i]!;
    const q = p[i]!;
    checkProbability(what, i, q);
    if (y === 1) acc.add(-Math.log(clip(q)));
    else if (y === 0) acc.add(-Math.log(clip(1 - q)));
    else throw new Error(`${what}: row ${i}: true value ${y} is not 0 or 1`);
  }
  return acc.value / yTrue.length;
}
