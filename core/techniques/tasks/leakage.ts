/**
 * leakage: one or two columns that carry the label in train (the label, encoded and slightly
 * noisy) and are noise in test (values drawn from train's column, unrelated to the test label).
 * A model that uses them is near perfect in cross-validation and near chance on the test.
 *
 * Graded (weights sum to 1):
 * - leaky_precision 0.3: of the columns named leaky, the share that are;
 * - leaky_recall    0.3: of the leaky columns, the share named;
 * - predictions     0.4: chance-corrected balanced accuracy, or R², on the held-out rows.
 */
import { z } from 'zod';
import { column, formatNumber, insertColumn, pickSome, withColumn } from '../data';
import { predictionCriterion } from '../predictions';
import { precisionRecallCriteria } from '../scoring';
import type { TechniqueTaskDefinition } from '../types';

export interface LeakageTruth {
  leaky_columns: string[];
}

export const leakageAnalysisSchema = z.object({
  leaky_columns: z.array(z.string()).describe('the feature columns that leak the target'),
  notes: z.string().optional(),
});
export type LeakageAnalysis = z.infer<typeof leakageAnalysisSchema>;

/** Plausible names, so the leak must be found from the data, not the header. */
const NAMES = ['account_flag', 'review_score', 'batch_code', 'quality_index', 'ref_value', 'audit_mark', 'priority_level', 'source_rank'];

/** Standard normal from two uniforms (Box–Muller). */
export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export const leakage: TechniqueTaskDefinition<LeakageTruth, LeakageAnalysis> = {
  id: 'leakage',
  title: 'find the columns that leak the label in train and are noise in test',
  problems: ['binary', 'multiclass', 'regression'],
  analysisSchema: leakageAnalysisSchema,

  plant(data, random) {
    const free = NAMES.filter((n) => !data.train.header.includes(n));
    const names = pickSome(free, 1 + Math.floor(random() * 2), random);
    const ys = column(data.train, data.targetColumn);
    let train = data.train;
    let test = data.test;
    for (const name of names) {
      const scale = 1 + random() * 9;
      const offset = random() * 10;
      const leaked = ys.map((y) => {
        const signal = data.problem === 'regression' ? Number(y) : data.labels.indexOf(y);
        return formatNumber(Number((offset + scale * signal * (1 + 0.02 * gaussian(random))).toPrecision(6)));
      });
      // In test the column keeps its distribution but loses its link to the label.
      const noise = test.rows.map(() => leaked[Math.floor(random() * leaked.length)]!);
      train = insertColumn(train, name, leaked, data.targetColumn);
      test = withColumn(test, name, noise);
    }
    return { train, test, answers: data.answers, truth: { leaky_columns: names } };
  },

  grade({ truth, analysis, analysisProblem, predictions }) {
    return [
      ...precisionRecallCriteria('leaky', 0.3, analysis?.leaky_columns, truth.leaky_columns, analysisProblem),
      predictionCriterion(predictions, 0.4),
    ];
  },
};
