/**
 * Area under the ROC curve. Computed exactly as the Mann-Whitney statistic: the fraction of
 * (positive, negative) pairs the scores order correctly, a tie counting one half. That is the
 * area scikit-learn's trapezoids measure (ties make the diagonal steps), without building the
 * curve: two native sorts of typed arrays and one merge, fast on millions of rows.
 */
import { checkLengths } from './sum';

/**
 * Binary ROC AUC: `yTrue[i]` is 1 for the positive class and 0 otherwise, `score[i]` any finite
 * number, higher meaning more likely positive. With one class only the area is undefined:
 * scikit-learn returns NaN with a warning; we throw, and grading reports why.
 */
export function rocAuc(yTrue: ArrayLike<number>, score: ArrayLike<number>, what = 'roc auc'): number {
  const n = yTrue.length;
  checkLengths(what, n, score.length);
  let positives = 0;
  for (let i = 0; i < n; i += 1) {
    const y = yTrue[i]!;
    if (y === 1) positives += 1;
    else if (y !== 0) throw new Error(`${what}: row ${i}: true value ${y} is not 0 or 1`);
    if (!Number.isFinite(score[i]!)) throw new Error(`${what}: row ${i}: score ${score[i]} is not a finite number`);
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw new Error(`${what}: undefined when only one class is present (${positives} positive, ${negatives} negative rows)`);
  }
  const pos = new Float64Array(positives);
  const neg = new Float64Array(negatives);
  for (let i = 0, a = 0, b = 0; i < n; i += 1) {
    // +0 turns -0 into 0: the sort orders -0 before 0, but they are one score.
    if (yTrue[i] === 1) pos[a++] = score[i]! + 0;
    else neg[b++] = score[i]! + 0;
  }
  pos.sort();
  neg.sort();
  // For each positive: negatives strictly below it count 1, equal ones 1/2. Counts stay exact
  // integers in a double up to 2^53 pairs.
  let below = 0;
  let belowOrEqual = 0;
  let wins = 0;
  let ties = 0;
  for (let a = 0; a < positives; a += 1) {
    const s = pos[a]!;
    while (below < negatives && neg[below]! < s) below += 1;
    if (belowOrEqual < below) belowOrEqual = below;
    while (belowOrEqual < negatives && neg[belowOrEqual]! <= s) belowOrEqual += 1;
    wins += below;
    ties += belowOrEqual - below;
  }
  return (wins + ties / 2) / (positives * negatives);
}

/**
 * Mean column-wise ROC AUC (Kaggle's multi-label metric, scikit-learn's `average="macro"`):
 * `yTrue[c]` and `score[c]` are label c's 0/1 truths and scores. A column with one class makes the
 * mean undefined (scikit-learn: NaN), so it throws naming the column.
 */
export function rocAucMeanColumnwise(
  yTrue: readonly ArrayLike<number>[],
  score: readonly ArrayLike<number>[],
  columns: readonly string[] = yTrue.map((_, c) => String(c)),
): number {
  if (yTrue.length === 0) throw new Error('mean column-wise roc auc: no columns');
  if (yTrue.length !== score.length)
    throw new Error(`mean column-wise roc auc: ${yTrue.length} true columns but ${score.length} score columns`);
  let sum = 0;
  yTrue.forEach((column, c) => {
    sum += rocAuc(column, score[c]!, `roc auc of column ${columns[c]}`);
  });
  return sum / yTrue.length;
}
