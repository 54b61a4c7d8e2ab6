/**
 * Probability metrics (binary and multiclass log loss, ROC AUC, mean column-wise ROC AUC) against
 * scikit-learn on the same seeded random inputs, to a relative 1e-9: ties, all-equal scores,
 * probabilities 0 and 1, perfect predictions, and a single class (undefined: scikit-learn gives
 * NaN, ours throws and grading reports why).
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../core/competitions/random';
import { binaryLogLoss, LOG_LOSS_EPS, multiclassLogLoss, rocAuc, rocAucMeanColumnwise } from '../../core/grading/metrics';
import { expectAgrees, ours } from '../helpers/metricCases';
import { sklearn, type SklearnCase } from '../helpers/sklearn';

const random = seededRandom(12345);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const bits = (n: number, rate = 0.4) => times(n, () => (random() < rate ? 1 : 0));

type Named = [string, SklearnCase];

function multiclassCases(): Named[] {
  const metric = 'multiclass-log-loss' as const;
  const labels3 = ['BHO', 'GWB', 'WJC'];
  const labels5 = ['a', 'b', 'c', 'd', 'e'];
  const rows = (n: number, labels: string[], row: () => number[]) => ({
    metric,
    labels,
    yTrue: times(n, () => pick(labels)),
    proba: times(n, row),
  });
  const normalised = (k: number) => () => {
    const raw = times(k, () => -Math.log(1 - random()));
    const sum = raw.reduce((a, b) => a + b, 0);
    return raw.map((v) => v / sum);
  };
  return [
    ['random rows, 3 classes', rows(500, labels3, normalised(3))],
    ['random rows, 5 classes', rows(300, labels5, normalised(5))],
    ['rows not summing to one (rescaled)', rows(400, labels3, () => times(3, () => random() * 0.999 + 0.001))],
    [
      'exact zeros and ones (clipping)',
      rows(300, labels3, () =>
        pick([
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
          [0.5, 0.5, 0],
          [0, 0, 0.7],
          [1, 1, 0],
        ]),
      ),
    ],
    ['ties: uniform rows', rows(100, labels3, () => [1 / 3, 1 / 3, 1 / 3])],
    [
      'nearly certain, right and wrong',
      rows(200, labels3, () =>
        pick([
          [1 - 1e-17, 1e-17, 0],
          [1e-300, 1, 1e-300],
          [0.999999, 0.0000005, 0.0000005],
        ]),
      ),
    ],
    [
      'a class absent from the truth',
      { metric, labels: labels3, yTrue: times(50, () => pick(['BHO', 'GWB'])), proba: times(50, normalised(3)) },
    ],
    ['single row', { metric, labels: labels3, yTrue: ['GWB'], proba: [[0.1, 0.6, 0.3]] }],
  ];
}

function binaryCases(): Named[] {
  const cases: Named[] = [];
  for (const metric of ['binary-log-loss', 'roc-auc'] as const) {
    const y = bits(2000);
    cases.push([`${metric}: random scores with signal`, { metric, yTrue: y, score: y.map((t) => Math.min(1, 0.3 * t + 0.7 * random())) }]);
    cases.push([
      `${metric}: heavy ties (scores in tenths)`,
      { metric, yTrue: y, score: y.map((t) => Math.round(10 * Math.min(1, 0.4 * t + 0.6 * random())) / 10) },
    ]);
    cases.push([`${metric}: all scores equal`, { metric, yTrue: y, score: y.map(() => 0.5) }]);
    cases.push([`${metric}: perfect predictions (0 and 1)`, { metric, yTrue: y, score: y.map((t) => t) }]);
    cases.push([`${metric}: exactly wrong (0 and 1)`, { metric, yTrue: y, score: y.map((t) => 1 - t) }]);
    cases.push([`${metric}: one class only`, { metric, yTrue: [1, 1, 1], score: [0.2, 0.9, 0.5] }]);
    cases.push([
      `${metric}: rare positives`,
      { metric, yTrue: times(500, (i) => (i % 97 === 0 ? 1 : 0)), score: times(500, () => random()) },
    ]);
  }
  const y = bits(300);
  cases.push([
    'roc-auc: scores that are not probabilities',
    { metric: 'roc-auc', yTrue: y, score: y.map((t) => 40 * (random() - 0.5) + 3 * t) },
  ]);
  cases.push(['roc-auc: -0 and 0 are one score', { metric: 'roc-auc', yTrue: [1, 0, 1, 0], score: [-0, 0, 0, -0] }]);
  cases.push([
    'roc-auc: large, 50,000 rows with ties',
    { metric: 'roc-auc', yTrue: bits(50_000, 0.1), score: times(50_000, () => Math.floor(random() * 1000)) },
  ]);
  return cases;
}

function multilabelCases(): Named[] {
  const metric = 'roc-auc-mean-columnwise' as const;
  const n = 600;
  const yTrue = times(6, (c) => bits(n, 0.05 + 0.1 * c));
  const score = yTrue.map((col) => col.map((t) => Math.min(1, 0.2 * t + 0.8 * random())));
  return [
    ['six labels, random scores', { metric, yTrue, score }],
    ['ties in every column', { metric, yTrue, score: score.map((col) => col.map((v) => Math.round(v * 4) / 4)) }],
    ['perfect in one column, all equal in another', { metric, yTrue: yTrue.slice(0, 2), score: [yTrue[0]!, yTrue[1]!.map(() => 0.3)] }],
    ['a label column with one class: undefined', { metric, yTrue: [yTrue[0]!, yTrue[0]!.map(() => 0)], score: score.slice(0, 2) }],
  ];
}

const cases = [
  ...multiclassCases().map(([n, c]): Named => [`multiclass-log-loss: ${n}`, c]),
  ...binaryCases(),
  ...multilabelCases().map(([n, c]): Named => [`roc-auc-mean-columnwise: ${n}`, c]),
];
const reference = sklearn(cases.map(([, c]) => c));

describe('probability metrics agree with scikit-learn', () => {
  it.each(cases.map(([name], i) => [name, i] as const))('%s', (_name, i) => {
    expectAgrees(cases[i]![1], reference.results[i]!);
  });

  it('the undefined cases are exactly those with a single class', () => {
    const refused = cases.filter((_, i) => typeof reference.results[i] !== 'number').map(([name]) => name);
    expect(refused).toEqual(['roc-auc: one class only', 'roc-auc-mean-columnwise: a label column with one class: undefined']);
  });

  it('clips with float64 machine epsilon, as scikit-learn does', () => {
    expect(LOG_LOSS_EPS).toBe(reference.eps);
    expect(binaryLogLoss([1], [0])).toBeCloseTo(-Math.log(Number.EPSILON), 12);
    expect(multiclassLogLoss([0], [[0], [1]])).toBeCloseTo(-Math.log(Number.EPSILON), 12);
  });
});

describe('documented results and refusals', () => {
  it('AUC: 0.5 for all-equal scores, 1 when perfect, 0 when reversed, and undefined with one class', () => {
    expect(rocAuc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
    expect(rocAuc([0, 0, 1], [0.1, 0.2, 0.9])).toBe(1);
    expect(rocAuc([0, 0, 1], [0.9, 0.8, 0.1])).toBe(0);
    expect(() => rocAuc([1, 1], [0.1, 0.2])).toThrow(/undefined when only one class is present \(2 positive, 0 negative rows\)/);
    expect(() =>
      rocAucMeanColumnwise(
        [
          [1, 0],
          [0, 0],
        ],
        [
          [0.1, 0.2],
          [0.3, 0.4],
        ],
        ['toxic', 'threat'],
      ),
    ).toThrow(/roc auc of column threat: undefined/);
  });

  it('refuses inputs it cannot score', () => {
    expect(() => rocAuc([0, 2], [0.1, 0.2])).toThrow(/row 1: true value 2 is not 0 or 1/);
    expect(() => rocAuc([0, 1], [0.1, Number.NaN])).toThrow(/row 1: score NaN is not a finite number/);
    expect(() => binaryLogLoss([0, 1], [0.5, 1.5])).toThrow(/row 1: probability 1.5 outside \[0, 1\]/);
    expect(() => multiclassLogLoss([0], [[0], [0]])).toThrow(/row 0: probabilities sum to 0/);
    expect(() => multiclassLogLoss([2], [[0.5], [0.5]])).toThrow(/row 0: true class 2 is not one of 0..1/);
    expect(() => multiclassLogLoss([0], [[0.5]])).toThrow(/needs at least 2 classes/);
    expect(() => multiclassLogLoss([0, 1], [[0.5], [0.5]])).toThrow(/2 true values but 1 predictions/);
  });

  it('matches classes by position in the columns it is given', () => {
    const c = multiclassCases()[0]![1];
    if (c.metric !== 'multiclass-log-loss') throw new Error('unexpected case');
    const order = [2, 0, 1];
    const permuted = { ...c, labels: order.map((j) => c.labels[j]!), proba: c.proba.map((row) => order.map((j) => row[j]!)) };
    expect(ours(permuted)).toBeCloseTo(ours(c), 14);
  });
});
