/**
 * Label metrics: accuracy and F1 (micro, macro), as scikit-learn computes them. Labels compare
 * as exact strings.
 */
import { checkLengths } from './sum';

/** The fraction of rows whose predicted label equals the true label. */
export function accuracy(yTrue: readonly string[], yPred: readonly string[]): number {
  checkLengths('accuracy', yTrue.length, yPred.length);
  let correct = 0;
  for (let i = 0; i < yTrue.length; i += 1) if (yPred[i] === yTrue[i]) correct += 1;
  return correct / yTrue.length;
}

interface ClassCounts {
  truePositives: number;
  /** Rows whose true label is this class. */
  trueCount: number;
  /** Rows predicted as this class. */
  predCount: number;
}

/** Per-class counts over the union of labels seen on either side (scikit-learn's label set). */
function classCounts(what: string, yTrue: readonly string[], yPred: readonly string[]): Map<string, ClassCounts> {
  checkLengths(what, yTrue.length, yPred.length);
  const counts = new Map<string, ClassCounts>();
  const of = (label: string) => {
    let c = counts.get(label);
    if (!c) counts.set(label, (c = { truePositives: 0, trueCount: 0, predCount: 0 }));
    return c;
  };
  for (let i = 0; i < yTrue.length; i += 1) {
    const t = of(yTrue[i]!);
    const p = of(yPred[i]!);
    t.trueCount += 1;
    p.predCount += 1;
    if (t === p) t.truePositives += 1;
  }
  return counts;
}

/**
 * Micro-averaged F1 over all labels: 2·TP / (2·TP + FP + FN) summed over classes. With every
 * label counted, as here, it equals accuracy (each wrong row is one FP and one FN).
 */
export function f1Micro(yTrue: readonly string[], yPred: readonly string[]): number {
  let tp = 0;
  let denominator = 0;
  for (const c of classCounts('f1-micro', yTrue, yPred).values()) {
    tp += c.truePositives;
    denominator += c.trueCount + c.predCount;
  }
  return (2 * tp) / denominator;
}

/**
 * Macro-averaged F1: the unweighted mean over classes of 2·TP / (true count + predicted count).
 * A class never predicted, or predicted but never true, scores 0 (scikit-learn's default
 * `zero_division`); a class on neither side is not a class at all.
 */
export function f1Macro(yTrue: readonly string[], yPred: readonly string[]): number {
  const counts = [...classCounts('f1-macro', yTrue, yPred).values()];
  let sum = 0;
  for (const c of counts) sum += (2 * c.truePositives) / (c.trueCount + c.predCount);
  return sum / counts.length;
}
