/**
 * scaling: 3–5 numeric features multiplied by a power of ten (the same factor in train and test),
 * so they sit orders of magnitude above the rest. The factor of each is the smallest power of ten
 * ≥ 10 that puts its train standard deviation at ≥ 1000× the largest standard deviation of the
 * numeric features left alone, times a seeded 1, 10 or 100. The rescaled features are therefore
 * exactly the top of the features sorted by standard deviation, separated from the rest by a
 * factor ≥ 1000 and within a factor < 1000 of each other: which were rescaled is decidable from
 * the data (a plant that cannot satisfy this is redrawn). Values are shifted as decimal strings,
 * so they stay exact. A scale-sensitive model (regularised, gradient-fitted) trained without
 * standardising suffers; one that standardises does not.
 *
 * Graded (weights sum to 1):
 * - rescaled_precision 0.3: of the features named rescaled, the share that were;
 * - rescaled_recall    0.3: of the rescaled features, the share named;
 * - predictions        0.4: chance-corrected balanced accuracy, or R², on the held-out rows.
 */
import { z } from 'zod';
import type { CsvTable } from '../../csv';
import { column, formatNumber, isNumberCell, pickSome, withColumn } from '../data';
import { predictionCriterion } from '../predictions';
import { precisionRecallCriteria } from '../scoring';
import type { TabularData, TechniqueTaskDefinition } from '../types';

export interface ScalingTruth {
  /** The rescaled features, in file order. */
  rescaled_features: string[];
  /** Each rescaled feature's factor (a power of ten) and exponent. */
  factors: Record<string, { factor: number; exponent: number }>;
  /** Largest train standard deviation among the numeric features left alone. */
  largest_untouched_std: number;
}

export const scalingAnalysisSchema = z.object({
  rescaled_features: z.array(z.string()).describe('the features that were rescaled by orders of magnitude'),
  scaler: z.string().optional().describe('how the features were scaled for the model'),
  notes: z.string().optional(),
});
export type ScalingAnalysis = z.infer<typeof scalingAnalysisSchema>;

/** Rescaled features sit ≥ this factor above every untouched one (and within it of each other). */
export const SCALE_GAP = 1000;
const ATTEMPTS = 50;

/**
 * A decimal number string times 10^exponent, by moving the decimal point: exact, no exponent
 * notation (`0.07`, 7 → `700000`; `-1.5e-3`, 2 → `-0.15`).
 */
export function shiftDecimal(cell: string, exponent: number): string {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(cell);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return formatNumber(Number(cell) * 10 ** exponent);
  const [, sign, int = '', frac = '', exp = '0'] = m;
  const digits = int + frac;
  // Position of the decimal point within `digits` after the shift.
  const point = int.length + Number(exp) + exponent;
  let whole: string;
  let fraction: string;
  if (point <= 0) {
    whole = '0';
    fraction = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    whole = digits + '0'.repeat(point - digits.length);
    fraction = '';
  } else {
    whole = digits.slice(0, point);
    fraction = digits.slice(point);
  }
  whole = whole.replace(/^0+(?=\d)/, '');
  fraction = fraction.replace(/0+$/, '');
  const text = fraction ? `${whole}.${fraction}` : whole;
  // An absurdly long plain form (only for extreme inputs) falls back to the usual formatting.
  if (text.length > 40) return formatNumber(Number(cell) * 10 ** exponent);
  return /^[0.]*$/.test(text) ? '0' : `${sign === '-' ? '-' : ''}${text}`;
}

/** Sample standard deviation of a column's number cells (blanks skipped). */
export function columnStd(table: CsvTable, name: string): number {
  const xs = column(table, name)
    .filter((c) => c.trim() !== '')
    .map(Number);
  if (xs.length < 2) return 0;
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
}

/** Features whose non-blank cells, in train and test, are all numbers (and some are). */
export function numberColumns(data: TabularData): string[] {
  return data.featureColumns.filter((c) => {
    const cells = [...column(data.train, c), ...column(data.test, c)].filter((x) => x.trim() !== '');
    return cells.length > 0 && cells.every(isNumberCell);
  });
}

export const scaling: TechniqueTaskDefinition<ScalingTruth, ScalingAnalysis> = {
  id: 'scaling',
  title: 'find the features rescaled by orders of magnitude and scale them for the model',
  problems: ['binary', 'multiclass', 'regression'],
  analysisSchema: scalingAnalysisSchema,

  plant(data, random) {
    const stds = new Map(numberColumns(data).map((c) => [c, columnStd(data.train, c)]));
    // Constant columns cannot be rescaled visibly; at least two features stay untouched.
    const eligible = [...stds.keys()].filter((c) => stds.get(c)! > 0);
    if (eligible.length < 3)
      throw new Error(`scaling: ${data.competitionId} has ${eligible.length} non-constant numeric features; at least 3 are needed`);
    const k = Math.min(3 + Math.floor(random() * 3), eligible.length - 2);

    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const chosen = pickSome(eligible, k, random);
      const untouched = [...stds.keys()].filter((c) => !chosen.includes(c));
      const largest = Math.max(...untouched.map((c) => stds.get(c)!));
      const exponents = new Map(
        chosen.map((c) => {
          let least = Math.max(1, Math.floor(Math.log10((SCALE_GAP * largest) / stds.get(c)!)));
          while (stds.get(c)! * 10 ** least < SCALE_GAP * largest) least += 1;
          return [c, least + Math.floor(random() * 3)];
        }),
      );
      let train = data.train;
      let test = data.test;
      for (const [c, e] of exponents) {
        train = withColumn(
          train,
          c,
          column(train, c).map((v) => (v.trim() === '' ? v : shiftDecimal(v, e))),
        );
        test = withColumn(
          test,
          c,
          column(test, c).map((v) => (v.trim() === '' ? v : shiftDecimal(v, e))),
        );
      }
      // Checked on the written values: ≥ SCALE_GAP above every untouched feature, < SCALE_GAP apart.
      const planted = chosen.map((c) => columnStd(train, c));
      const low = Math.min(...planted);
      if (low < SCALE_GAP * largest || Math.max(...planted) >= SCALE_GAP * low) continue;
      const rescaled = data.featureColumns.filter((c) => exponents.has(c));
      return {
        train,
        test,
        answers: data.answers,
        truth: {
          rescaled_features: rescaled,
          factors: Object.fromEntries(rescaled.map((c) => [c, { factor: 10 ** exponents.get(c)!, exponent: exponents.get(c)! }])),
          largest_untouched_std: Number(largest.toPrecision(6)),
        },
      };
    }
    throw new Error(`scaling: no choice of features in ${data.competitionId} keeps the rescaled ones within ${SCALE_GAP}x of each other`);
  },

  grade({ truth, analysis, analysisProblem, predictions }) {
    return [
      ...precisionRecallCriteria('rescaled', 0.3, analysis?.rescaled_features, truth.rescaled_features, analysisProblem),
      predictionCriterion(predictions, 0.4),
    ];
  },
};
