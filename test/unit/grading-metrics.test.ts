/**
 * Label and regression metrics against scikit-learn on the same inputs (the test virtualenv,
 * versions pinned in requirements-dev.txt), to a relative 1e-9, edge cases included. Inputs come
 * from a seeded generator. Probability metrics: grading-metrics-probability.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../core/competitions/random';
import { accuracy, f1Macro, getMetric, mae, METRIC_NAMES, quadraticWeightedKappa, rmse, rmsle } from '../../core/grading/metrics';
import { expectAgrees, expectClose, ours } from '../helpers/metricCases';
import { sklearn, type SklearnCase } from '../helpers/sklearn';

const random = seededRandom(20240611);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

type Named = [string, SklearnCase];

function labelCases(): Named[] {
  const abc = ['a', 'b', 'c'];
  const five = ['cat', 'dog', 'emu', 'fox', 'gnu'];
  const cases: Named[] = [];
  for (const metric of ['accuracy', 'f1-micro', 'f1-macro'] as const) {
    const noisy = (labels: string[], n: number, p: number) => {
      const yTrue = times(n, () => pick(labels));
      return { yTrue, yPred: yTrue.map((t) => (random() < p ? t : pick(labels))) };
    };
    cases.push([`${metric}: random, 3 classes`, { metric, ...noisy(abc, 500, 0.5) }]);
    cases.push([`${metric}: random, 5 classes`, { metric, ...noisy(five, 800, 0.3) }]);
    const perfect = times(50, () => pick(abc));
    cases.push([`${metric}: perfect predictions`, { metric, yTrue: perfect, yPred: perfect }]);
    cases.push([
      `${metric}: a class never predicted`,
      { metric, yTrue: times(60, () => pick(abc)), yPred: times(60, () => pick(['a', 'b'])) },
    ]);
    cases.push([
      `${metric}: a predicted class never true`,
      { metric, yTrue: times(60, () => pick(['a', 'b'])), yPred: times(60, () => pick(abc)) },
    ]);
    cases.push([`${metric}: everything wrong`, { metric, yTrue: ['a', 'a', 'b', 'b'], yPred: ['b', 'b', 'a', 'a'] }]);
    cases.push([`${metric}: one class on both sides`, { metric, yTrue: ['x', 'x', 'x'], yPred: ['x', 'x', 'x'] }]);
    cases.push([`${metric}: numeric-looking labels`, { metric, yTrue: ['1', '2', '10', '2'], yPred: ['2', '2', '10', '1'] }]);
  }
  return cases;
}

function kappaCases(): Named[] {
  const metric = 'quadratic-weighted-kappa' as const;
  const grades = [0, 1, 2, 3, 4];
  const yTrue = times(600, () => pick(grades));
  const near = yTrue.map((t) => Math.max(0, Math.min(4, t + pick([-1, 0, 0, 0, 1]))));
  return [
    ['random, 5 grades', { metric, yTrue: times(400, () => pick(grades)), yPred: times(400, () => pick(grades)) }],
    ['mostly right', { metric, yTrue, yPred: near }],
    ['perfect', { metric, yTrue, yPred: yTrue }],
    ['grades absent from the predictions', { metric, yTrue, yPred: yTrue.map((t) => (t < 2 ? 1 : 2)) }],
    ['grades absent from the truth', { metric, yTrue: yTrue.map((t) => (t < 2 ? 1 : 3)), yPred: near }],
    [
      'gaps and negative labels (positions, not values, weigh)',
      { metric, yTrue: times(200, () => pick([-3, 0, 2, 7])), yPred: times(200, () => pick([-3, 0, 7, 9])) },
    ],
    ['reversed', { metric, yTrue: [0, 1, 2, 3, 4], yPred: [4, 3, 2, 1, 0] }],
    ['one label in all: undefined', { metric, yTrue: [2, 2, 2], yPred: [2, 2, 2] }],
  ];
}

function regressionCases(): Named[] {
  const cases: Named[] = [];
  for (const metric of ['rmse', 'mae', 'rmsle'] as const) {
    const yTrue = times(1000, () => Math.exp(2 + normal()));
    cases.push([`${metric}: random positive values`, { metric, yTrue, yPred: yTrue.map((t) => t * Math.exp(0.3 * normal())) }]);
    cases.push([`${metric}: perfect predictions`, { metric, yTrue, yPred: yTrue }]);
    cases.push([`${metric}: zeros and large values`, { metric, yTrue: [0, 0, 1e6, 3.5, 1e-9], yPred: [0, 2, 9e5, 3.5, 0] }]);
    cases.push([`${metric}: a single row`, { metric, yTrue: [3], yPred: [5] }]);
  }
  const signed = times(300, () => 10 * normal());
  cases.push(['rmse: negative values', { metric: 'rmse', yTrue: signed, yPred: signed.map((t) => t + normal()) }]);
  cases.push(['mae: negative values', { metric: 'mae', yTrue: signed, yPred: signed.map((t) => t + normal()) }]);
  cases.push(['rmsle: values between -1 and 0', { metric: 'rmsle', yTrue: [-0.5, -0.999, 0, 2], yPred: [-0.9, 0.5, -0.25, 2] }]);
  cases.push(['rmsle: a prediction of -1 is refused', { metric: 'rmsle', yTrue: [1, 2], yPred: [-1, 2] }]);
  cases.push(['rmsle: a true value below -1 is refused', { metric: 'rmsle', yTrue: [-2, 2], yPred: [1, 2] }]);
  return cases;
}

const cases = [...labelCases(), ...kappaCases().map(([n, c]): Named => [`quadratic-weighted-kappa: ${n}`, c]), ...regressionCases()];
const reference = sklearn(cases.map(([, c]) => c));

describe('label and regression metrics agree with scikit-learn', () => {
  it.each(cases.map(([name], i) => [name, i] as const))('%s', (_name, i) => {
    expectAgrees(cases[i]![1], reference.results[i]!);
  });

  it('the undefined cases are the ones scikit-learn refuses', () => {
    const refused = cases.filter((_, i) => typeof reference.results[i] !== 'number').map(([name]) => name);
    expect(refused).toEqual([
      'quadratic-weighted-kappa: one label in all: undefined',
      'rmsle: a prediction of -1 is refused',
      'rmsle: a true value below -1 is refused',
    ]);
  });
});

describe('documented results on edge cases', () => {
  it('F1: a class never predicted scores 0 in the macro mean; micro F1 is accuracy', () => {
    expect(f1Macro(['a', 'a', 'b', 'b'], ['a', 'a', 'a', 'a'])).toBeCloseTo((2 / 3 + 0) / 2, 15);
    const yTrue = ['a', 'b', 'c', 'a', 'b'];
    const yPred = ['a', 'c', 'c', 'b', 'b'];
    expectClose(ours({ metric: 'f1-micro', yTrue, yPred }), accuracy(yTrue, yPred));
  });

  it('QWK: 1 when perfect, -1 when reversed on a symmetric scale; refuses non-integers and a single label', () => {
    expect(quadraticWeightedKappa([0, 1, 2], [0, 1, 2])).toBe(1);
    expect(quadraticWeightedKappa([0, 2], [2, 0])).toBe(-1);
    expect(() => quadraticWeightedKappa([1, 1], [1, 1])).toThrow(/undefined when only one label \(1\) occurs/);
    expect(() => quadraticWeightedKappa([0.5, 1], [1, 1])).toThrow(/row 0: label 0.5 is not an integer/);
  });

  it('regression: refuses mismatched lengths, no rows, and non-finite values', () => {
    expect(() => rmse([1, 2], [1])).toThrow(/2 true values but 1 predictions/);
    expect(() => mae([], [])).toThrow(/no rows/);
    expect(() => rmse([1], [Number.NaN])).toThrow(/row 0: NaN is not a finite number/);
    expect(() => rmsle([0], [-1])).toThrow(/value -1 is not above -1/);
  });

  it('label metrics refuse mismatched lengths', () => {
    expect(() => accuracy(['a'], [])).toThrow(/1 true values but 0/);
    expect(() => f1Macro([], [])).toThrow(/no rows/);
  });
});

describe('metric registry', () => {
  it('has every metric competitions name, with its kind, cell rule and direction', () => {
    const table = Object.fromEntries(
      METRIC_NAMES.map((n) => [n, (({ kind, cells, lowerIsBetter }) => ({ kind, cells, lowerIsBetter }))(getMetric(n))]),
    );
    expect(table).toEqual({
      accuracy: { kind: 'labels', cells: 'label', lowerIsBetter: false },
      'f1-micro': { kind: 'labels', cells: 'label', lowerIsBetter: false },
      'f1-macro': { kind: 'labels', cells: 'label', lowerIsBetter: false },
      'quadratic-weighted-kappa': { kind: 'labels', cells: 'integer', lowerIsBetter: false },
      rmse: { kind: 'values', cells: 'number', lowerIsBetter: true },
      rmsle: { kind: 'values', cells: 'above-minus-one', lowerIsBetter: true },
      mae: { kind: 'values', cells: 'number', lowerIsBetter: true },
      'roc-auc': { kind: 'probability', cells: 'number', lowerIsBetter: false },
      'binary-log-loss': { kind: 'probability', cells: 'probability', lowerIsBetter: true },
      'multiclass-log-loss': { kind: 'probabilities', cells: 'probability', lowerIsBetter: true },
      'roc-auc-mean-columnwise': { kind: 'multilabel-probabilities', cells: 'number', lowerIsBetter: false },
    });
  });

  it('names the known metrics when one is unknown', () => {
    expect(() => getMetric('auc-typo')).toThrow(/unknown metric "auc-typo" \(known: accuracy, .*roc-auc-mean-columnwise\)/);
  });
});
