/**
 * Quadratic weighted kappa, as scikit-learn's `cohen_kappa_score(weights="quadratic")` computes
 * it (and MLE-bench grades with it): the label set is the sorted union of the integer labels seen
 * on either side, and the weight of a disagreement is the squared distance between the two
 * labels' POSITIONS in that set, not between their values. (Kaggle's original evaluation weighs by
 * value over min..max; the two agree whenever no integer inside the range is absent from both
 * sides.)
 */
import { checkLengths } from './sum';

export function quadraticWeightedKappa(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = yTrue.length;
  checkLengths('quadratic weighted kappa', n, yPred.length);
  const seen = new Set<number>();
  for (let i = 0; i < n; i += 1) {
    for (const v of [yTrue[i]!, yPred[i]!]) {
      if (!Number.isInteger(v)) throw new Error(`quadratic weighted kappa: row ${i}: label ${v} is not an integer`);
      seen.add(v);
    }
  }
  const labels = [...seen].sort((a, b) => a - b);
  const k = labels.length;
  // One label in all: every weight is 0 and kappa is 0/0. scikit-learn returns NaN with a warning.
  if (k < 2) throw new Error(`quadratic weighted kappa: undefined when only one label (${labels[0]}) occurs`);
  const position = new Map(labels.map((l, i) => [l, i]));
  const confusion = new Float64Array(k * k);
  const trueTotals = new Float64Array(k);
  const predTotals = new Float64Array(k);
  for (let i = 0; i < n; i += 1) {
    const a = position.get(yTrue[i]!)!;
    const b = position.get(yPred[i]!)!;
    confusion[a * k + b]! += 1;
    trueTotals[a]! += 1;
    predTotals[b]! += 1;
  }
  let observed = 0;
  let expected = 0;
  for (let a = 0; a < k; a += 1) {
    for (let b = 0; b < k; b += 1) {
      const w = (a - b) * (a - b);
      observed += w * confusion[a * k + b]!;
      expected += (w * trueTotals[a]! * predTotals[b]!) / n;
    }
  }
  return 1 - observed / expected;
}
