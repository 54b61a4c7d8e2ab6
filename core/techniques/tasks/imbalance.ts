/**
 * imbalance: one class is undersampled in train until it is rare; the test set keeps the
 * original rows, and predictions are judged per class (balanced accuracy, the minority's
 * recall), so a model that ignores the rare class does poorly however accurate it looks.
 *
 * The plant: the minority class is the less frequent class of train (binary) or a seeded class
 * (multiclass). A seeded share f in [0.02, 0.06] is drawn and the class keeps k of its train rows
 * (a seeded subset, file order kept) so that it makes up f of the planted train, at most a third
 * of the rows of the rarest other class (so it is clearly the rarest; with many classes, e.g. 26
 * letters, this cap puts f below 0.02), and at least one row. Other rows are untouched.
 *
 * Graded (weights sum to 1):
 * - minority_class    0.2: the minority class named exactly (as the labels spell it);
 * - minority_fraction 0.2: the class's share of the planted train rows; full credit within a
 *   relative error of 10%, none at 50% or more, linear between;
 * - minority_recall   0.3: the recall of the minority class on the test set, counted no higher
 *   than the mean recall of the other classes (so labelling every row with the minority earns
 *   nothing); none at chance (1/K for K classes) or below, full at 0.8 or above, linear between;
 * - predictions       0.3: chance-corrected balanced accuracy on the test set.
 */
import { z } from 'zod';
import { column, selectRows } from '../data';
import { classRecall, predictionCriterion, type PredictionCheck } from '../predictions';
import { fmt, linearCredit, withoutAnalysis } from '../scoring';
import type { Criterion, TechniqueTaskDefinition } from '../types';

export interface ImbalanceTruth {
  minority_class: string;
  /** The class's share of the planted train rows (actual, after undersampling). */
  minority_fraction: number;
  /** Its share of the original train rows. */
  original_fraction: number;
  /** The share drawn before the caps (rarest other class, at least one row). */
  drawn_fraction: number;
  minority_train_rows: number;
  original_minority_train_rows: number;
  train_rows: number;
}

export const imbalanceAnalysisSchema = z.object({
  minority_class: z.string().describe('the undersampled class, as the labels spell it'),
  minority_fraction: z.number().min(0).max(1).describe('its share of the train rows, 0..1'),
  method: z.string().optional(),
});
export type ImbalanceAnalysis = z.infer<typeof imbalanceAnalysisSchema>;

export const FRACTION_MIN = 0.02;
export const FRACTION_MAX = 0.06;
/** Relative error of the estimated share: full credit at or below, none at or above. */
export const FRACTION_FULL = 0.1;
export const FRACTION_ZERO = 0.5;
/** Recall of the minority (capped by the others' mean recall) that earns full credit. */
export const RECALL_FULL = 0.8;

function counts(labels: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const y of labels) out.set(y, (out.get(y) ?? 0) + 1);
  return out;
}

/** The minority criterion: recall of the minority, no higher than the others' mean recall. */
export function minorityRecallCriterion(check: PredictionCheck, minority: string, weight: number): Criterion {
  const name = 'minority_recall';
  if (!check.valid) return { name, weight, score: 0, detail: `no valid predictions: ${check.reason}` };
  const truth = check.truth.labels;
  const others = [...new Set(truth)].filter((c) => c !== minority);
  const recall = classRecall(truth, check.predicted, minority);
  if (!Number.isFinite(recall) || others.length === 0) {
    return { name, weight, score: 0, detail: `the test set has no rows of class ${minority} or no other class (a harness problem)` };
  }
  const othersRecall = others.reduce((s, c) => s + classRecall(truth, check.predicted, c), 0) / others.length;
  const value = Math.min(recall, othersRecall);
  const chance = 1 / (others.length + 1);
  const score = value >= RECALL_FULL ? 1 : value <= chance ? 0 : (value - chance) / (RECALL_FULL - chance);
  return {
    name,
    weight,
    score,
    detail: `recall of ${minority} ${fmt(recall)}, mean recall of the other classes ${fmt(othersRecall)}: counted ${fmt(value)} (0 at chance ${fmt(chance)}, full at ${RECALL_FULL})`,
  };
}

export const imbalance: TechniqueTaskDefinition<ImbalanceTruth, ImbalanceAnalysis> = {
  id: 'imbalance',
  title: 'find the undersampled class, measure its share, and predict it despite its rarity',
  problems: ['binary', 'multiclass'],
  analysisSchema: imbalanceAnalysisSchema,

  plant(data, random) {
    const ys = column(data.train, data.targetColumn);
    const byClass = counts(ys);
    const present = data.labels.filter((l) => byClass.has(l));
    if (present.length < 2) throw new Error(`imbalance: ${data.competitionId} has fewer than two classes in train`);
    // Binary: the rarer class (ties: the first label); multiclass: a seeded class.
    const minority =
      data.problem === 'binary'
        ? [...present].sort((a, b) => byClass.get(a)! - byClass.get(b)! || a.localeCompare(b))[0]!
        : present[Math.floor(random() * present.length)]!;
    const drawn = FRACTION_MIN + random() * (FRACTION_MAX - FRACTION_MIN);
    const n = byClass.get(minority)!;
    const others = ys.length - n;
    const rarestOther = Math.min(...present.filter((l) => l !== minority).map((l) => byClass.get(l)!));
    const k = Math.max(1, Math.min(n, Math.round((drawn * others) / (1 - drawn)), Math.floor(rarestOther / 3)));

    // A seeded subset of the class's rows stays (partial Fisher–Yates); train keeps its order.
    const rows = ys.flatMap((y, i) => (y === minority ? [i] : []));
    for (let i = 0; i < k; i += 1) {
      const j = i + Math.floor(random() * (rows.length - i));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    const kept = new Set(rows.slice(0, k));
    const keep = ys.flatMap((y, i) => (y !== minority || kept.has(i) ? [i] : []));
    const train = selectRows(data.train, keep);
    return {
      train,
      test: data.test,
      answers: data.answers,
      truth: {
        minority_class: minority,
        minority_fraction: k / keep.length,
        original_fraction: n / ys.length,
        drawn_fraction: drawn,
        minority_train_rows: k,
        original_minority_train_rows: n,
        train_rows: keep.length,
      },
    };
  },

  grade({ truth, analysis, analysisProblem, predictions }) {
    const criteria: Criterion[] = [];
    if (!analysis) {
      criteria.push(withoutAnalysis('minority_class', 0.2, analysisProblem), withoutAnalysis('minority_fraction', 0.2, analysisProblem));
    } else {
      const right = analysis.minority_class === truth.minority_class;
      const error = Math.abs(analysis.minority_fraction - truth.minority_fraction) / truth.minority_fraction;
      criteria.push(
        {
          name: 'minority_class',
          weight: 0.2,
          score: right ? 1 : 0,
          detail: `named ${JSON.stringify(analysis.minority_class)}${right ? '' : `, the undersampled class is ${JSON.stringify(truth.minority_class)}`}`,
        },
        {
          name: 'minority_fraction',
          weight: 0.2,
          score: linearCredit(error, FRACTION_FULL, FRACTION_ZERO),
          detail: `estimated ${fmt(analysis.minority_fraction)}, planted ${fmt(truth.minority_fraction)}: relative error ${fmt(error)} (full ≤ ${FRACTION_FULL}, none ≥ ${FRACTION_ZERO})`,
        },
      );
    }
    criteria.push(minorityRecallCriterion(predictions, truth.minority_class, 0.3), predictionCriterion(predictions, 0.3));
    return criteria;
  },
};
