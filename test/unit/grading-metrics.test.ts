/**
 * Metrics against scikit-learn on the same inputs (the test virtualenv, with the versions pinned
 * in requirements-dev.txt). Inputs are generated here with a seeded generator.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { accuracy, getMetric, LOG_LOSS_EPS, METRIC_NAMES, multiclassLogLoss as logLossColumns } from '../../core/grading/metrics';
import { seededRandom } from '../../core/competitions/random';
import { testPython } from '../helpers/python';

interface LogLossCase {
  name: string;
  yTrue: string[];
  proba: number[][];
  /** Sorted: scikit-learn reads probability columns in lexicographic label order. */
  labels: string[];
}

/**
 * scikit-learn's log_loss on rows rescaled to sum to one (Kaggle's rule, which current
 * scikit-learn leaves to the caller), and accuracy_score.
 */
const PYTHON = `
import json, sys, warnings
import numpy as np
from sklearn.metrics import log_loss, accuracy_score
warnings.simplefilter("ignore")
cases = json.load(sys.stdin)
out = {"eps": float(np.finfo(np.float64).eps), "log_loss": [], "accuracy": []}
for c in cases["log_loss"]:
    p = np.asarray(c["proba"], dtype=np.float64)
    p = p / p.sum(axis=1, keepdims=True)
    out["log_loss"].append(float(log_loss(c["yTrue"], p, labels=c["labels"])))
for c in cases["accuracy"]:
    out["accuracy"].append(float(accuracy_score(c["yTrue"], c["yPred"])))
json.dump(out, sys.stdout)
`;

function sklearn(input: { log_loss: LogLossCase[]; accuracy: { yTrue: string[]; yPred: string[] }[] }): {
  eps: number;
  log_loss: number[];
  accuracy: number[];
} {
  const stdout = execFileSync(testPython(), ['-c', PYTHON], { input: JSON.stringify(input), maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout.toString()) as { eps: number; log_loss: number[]; accuracy: number[] };
}

/** Rows of probabilities and label names, as people write them, turned into the metric's columns. */
function multiclassLogLoss(yTrue: string[], rows: number[][], labels: string[]): number {
  const classIndex = yTrue.map((l) => {
    if (!labels.includes(l)) throw new Error(`"${l}" is not one of ${labels.join(', ')}`);
    return labels.indexOf(l);
  });
  return logLossColumns(classIndex, labels.map((_, k) => rows.map((r) => r[k]!)));
}

function expectClose(actual: number, expected: number, rel = 1e-9): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(Math.abs(expected), 1e-300));
}

function makeCases(): LogLossCase[] {
  const random = seededRandom(12345);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const cases: LogLossCase[] = [];
  const labels3 = ['BHO', 'GWB', 'WJC'];
  const labels5 = ['a', 'b', 'c', 'd', 'e'];
  const rows = (n: number, labels: string[], row: () => number[]) => ({
    yTrue: Array.from({ length: n }, () => pick(labels)),
    proba: Array.from({ length: n }, row),
  });

  const normalised = (k: number) => () => {
    const raw = Array.from({ length: k }, () => -Math.log(1 - random()));
    const sum = raw.reduce((a, b) => a + b, 0);
    return raw.map((v) => v / sum);
  };
  cases.push({ name: 'random normalised rows, 3 classes', labels: labels3, ...rows(500, labels3, normalised(3)) });
  cases.push({ name: 'random normalised rows, 5 classes', labels: labels5, ...rows(300, labels5, normalised(5)) });
  cases.push({ name: 'binary', labels: ['neg', 'pos'], ...rows(200, ['neg', 'pos'], normalised(2)) });
  cases.push({
    name: 'rows not summing to one',
    labels: labels3,
    ...rows(400, labels3, () => [random(), random(), random()].map((v) => v * 0.999 + 0.001)),
  });
  cases.push({
    name: 'exact zeros and ones (clipping)',
    labels: labels3,
    ...rows(300, labels3, () => pick([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.5, 0.5, 0], [0, 0, 0.7], [1, 1, 0]])),
  });
  cases.push({ name: 'ties: uniform rows', labels: labels3, ...rows(100, labels3, () => [1 / 3, 1 / 3, 1 / 3]) });
  cases.push({ name: 'ties: equal unnormalised rows', labels: labels3, ...rows(100, labels3, () => [0.2, 0.2, 0.2]) });
  cases.push({
    name: 'nearly certain, right and wrong',
    labels: labels3,
    ...rows(200, labels3, () => pick([[1 - 1e-17, 1e-17, 0], [1e-300, 1, 1e-300], [0.999999, 0.0000005, 0.0000005]])),
  });
  cases.push({ name: 'single row', labels: labels3, yTrue: ['GWB'], proba: [[0.1, 0.6, 0.3]] });
  return cases;
}

describe('multiclassLogLoss against scikit-learn', () => {
  const cases = makeCases();
  const accuracyCases = [
    { yTrue: ['a', 'b', 'c', 'a'], yPred: ['a', 'b', 'a', 'c'] },
    { yTrue: ['x', 'x', 'x'], yPred: ['x', 'x', 'x'] },
    { yTrue: ['1', '2'], yPred: ['2', '1'] },
  ];
  const reference = sklearn({ log_loss: cases, accuracy: accuracyCases });

  it('uses float64 machine epsilon for clipping, as scikit-learn does', () => {
    expect(LOG_LOSS_EPS).toBe(reference.eps);
    expect(LOG_LOSS_EPS).toBe(2.220446049250313e-16);
  });

  it.each(cases.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const c = cases[i]!;
    const ours = multiclassLogLoss(c.yTrue, c.proba, c.labels);
    expectClose(ours, reference.log_loss[i]!);
  });

  it('matches columns by label, not position', () => {
    const c = cases[0]!;
    const order = [2, 0, 1];
    const permuted = multiclassLogLoss(c.yTrue, c.proba.map((row) => order.map((j) => row[j]!)), order.map((j) => c.labels[j]!));
    expectClose(permuted, reference.log_loss[0]!);
  });

  it('gives ln 3 for uniform guesses and -ln(eps) for a certain wrong answer', () => {
    expect(multiclassLogLoss(['a', 'b', 'c'], [[1 / 3, 1 / 3, 1 / 3], [0.2, 0.2, 0.2], [5e-3, 5e-3, 5e-3]], ['a', 'b', 'c'])).toBeCloseTo(Math.log(3), 14);
    expect(multiclassLogLoss(['a'], [[0, 1]], ['a', 'b'])).toBeCloseTo(-Math.log(Number.EPSILON), 12);
    expect(multiclassLogLoss(['a'], [[1, 0]], ['a', 'b'])).toBeCloseTo(-Math.log(1 - Number.EPSILON), 20);
  });

  it('refuses inputs it cannot score', () => {
    expect(() => multiclassLogLoss(['a'], [[0, 0]], ['a', 'b'])).toThrow(/sum to 0/);
    expect(() => multiclassLogLoss(['z'], [[0.5, 0.5]], ['a', 'b'])).toThrow(/"z" is not one of a, b/);
    expect(() => multiclassLogLoss(['a'], [[1.5, 0]], ['a', 'b'])).toThrow(/outside \[0, 1\]/);
    expect(() => multiclassLogLoss(['a'], [[Number.NaN, 0.5]], ['a', 'b'])).toThrow(/outside/);
    expect(() => multiclassLogLoss(['a', 'b'], [[0.5, 0.5]], ['a', 'b'])).toThrow(/2 true values but 1/);
    expect(() => logLossColumns([0, 2], [[0.5, 0.5], [0.5, 0.5]])).toThrow(/true class 2 is not one of 0..1/);
  });

  it('accuracy matches scikit-learn', () => {
    accuracyCases.forEach((c, i) => expect(accuracy(c.yTrue, c.yPred)).toBe(reference.accuracy[i]));
    expect(() => accuracy(['a'], [])).toThrow(/1 true values but 0/);
  });
});

describe('metric registry', () => {
  it('finds metrics by name with their kind and direction', () => {
    expect(METRIC_NAMES).toEqual(expect.arrayContaining(['multiclass-log-loss', 'accuracy']));
    expect(getMetric('multiclass-log-loss')).toMatchObject({ kind: 'probabilities', lowerIsBetter: true });
    expect(getMetric('accuracy')).toMatchObject({ kind: 'labels', lowerIsBetter: false });
    expect(() => getMetric('auc-typo')).toThrow(/unknown metric "auc-typo".*multiclass-log-loss/);
  });
});
