/** Regression metrics over numbers, as scikit-learn computes them (unweighted means). */
import { Accumulator, checkLengths } from './sum';

function meanOf(what: string, yTrue: ArrayLike<number>, yPred: ArrayLike<number>, term: (t: number, p: number) => number): number {
  checkLengths(what, yTrue.length, yPred.length);
  const acc = new Accumulator();
  for (let i = 0; i < yTrue.length; i += 1) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (!Number.isFinite(t) || !Number.isFinite(p))
      throw new Error(`${what}: row ${i}: ${Number.isFinite(t) ? p : t} is not a finite number`);
    acc.add(term(t, p));
  }
  return acc.value / yTrue.length;
}

/** Root mean squared error. */
export function rmse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  return Math.sqrt(meanOf('rmse', yTrue, yPred, (t, p) => (t - p) * (t - p)));
}

/** Mean absolute error. */
export function mae(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  return meanOf('mae', yTrue, yPred, (t, p) => Math.abs(t - p));
}

/**
 * Root mean squared logarithmic error: RMSE of ln(1 + y). Defined for values above -1 only;
 * scikit-learn refuses -1 and below, and so do we (submission validation says so first).
 */
export function rmsle(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  return Math.sqrt(
    meanOf('rmsle', yTrue, yPred, (t, p) => {
      if (t <= -1 || p <= -1) throw new Error(`rmsle: value ${t <= -1 ? t : p} is not above -1`);
      const d = Math.log1p(t) - Math.log1p(p);
      return d * d;
    }),
  );
}
