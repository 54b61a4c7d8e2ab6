/**
 * imbalance: one class is undersampled in train until it is rare; the test set keeps the
 * original rows, and predictions are judged per class (balanced accuracy, the minority's
 * recall), so a model that ignores the rare class does poorly however accurate it looks.
 *
 * The plant: the minority class is the less frequent class of train (binary) or a seeded class
 * among those that overlap others (multiclass): the classes a nearest-centroid rule on the
 * standardised numeric features recalls below OVERLAP_RECALL on train, or the one it recalls
 * worst when none is below. A well-separated class is recalled whatever its share, so making it
 * rare would measure nothing (issue 20: on letter-recognition a plain model kept M at 0.89).
 * A seeded share f in [0.02, 0.06] is drawn and the class keeps k of its train rows (a seeded
 * subset, file order kept): f/(1 − f) of the largest other class (1:49 to 1:16, binary's ratio;
 * for binary data exactly a share f of train), at most a third of the rarest other class (so it
 * is clearly the rarest), and at least one row. Other rows are untouched.
 *
 * Graded (weights sum to 1):
 * - minority_class    0.2: the minority class named exactly (as the labels spell it);
 * - minority_fraction 0.2: the class's share of the planted train rows; full credit within a
 *   relative error of 10%, none at 50% or more, linear between;
 * - minority_recall   0.3: the recall of the minority class on the test set, counted no higher
 *   than the mean recall of the other classes (so labelling every row with the minority earns
 *   nothing); none at chance (1/K for K classes) or below, full at 0.8 or above, linear between;
 * - predictions       0.3: chance-corrected balanced accuracy on the test set.
 *
 * Both prediction criteria end, when the competition's ceiling has the level, at what
 * prior-corrected models attain with the class cut as the plant cuts it at its smallest share
 * (the ceiling's `rare_class`, techniques/attainable.py), when that is lower: a class of a noisy
 * data set cut to a few dozen rows loses what no technique brings back (hpc-job-class).
 */
import { z } from 'zod';
import { column, numericFeatures, selectRows } from '../data';
import {
  classRecall,
  predictionCriterion,
  type Ceiling,
  type CeilingLevel,
  type PredictionCheck,
  type RareClassLevel,
} from '../predictions';
import { fmt, linearCredit, withoutAnalysis } from '../scoring';
import type { Criterion, TabularData, TechniqueTaskDefinition } from '../types';

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
/** A multiclass minority is drawn among the classes a nearest-centroid rule recalls below this on train. */
export const OVERLAP_RECALL = 0.5;

function counts(labels: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const y of labels) out.set(y, (out.get(y) ?? 0) + 1);
  return out;
}

/**
 * Per class, the share of its train rows that a nearest-centroid rule puts back in it (numeric
 * features standardised on train, Euclidean distance): how much the class overlaps the others.
 * Undefined when train has no numeric feature.
 */
export function nearestCentroidRecall(data: TabularData): Map<string, number> | undefined {
  const features = numericFeatures(data);
  if (features.length === 0) return undefined;
  const ys = column(data.train, data.targetColumn);
  const x = features.map((f) => {
    const v = column(data.train, f).map(Number);
    const mean = v.reduce((s, a) => s + a, 0) / v.length;
    const sd = Math.sqrt(v.reduce((s, a) => s + (a - mean) ** 2, 0) / v.length) || 1;
    return v.map((a) => (a - mean) / sd);
  });
  const classes = [...new Set(ys)].sort();
  const centroids = classes.map((c) => {
    const rows = ys.flatMap((y, i) => (y === c ? [i] : []));
    return x.map((col) => rows.reduce((s, i) => s + col[i]!, 0) / rows.length);
  });
  const hits = new Map(classes.map((c) => [c, 0]));
  ys.forEach((y, i) => {
    let best = 0;
    let bestDistance = Infinity;
    centroids.forEach((centre, k) => {
      const d = centre.reduce((s, m, j) => s + (x[j]![i]! - m) ** 2, 0);
      if (d < bestDistance) [best, bestDistance] = [k, d];
    });
    if (classes[best] === y) hits.set(y, hits.get(y)! + 1);
  });
  const sizes = counts(ys);
  return new Map(classes.map((c) => [c, hits.get(c)! / sizes.get(c)!]));
}

/** The multiclass classes a minority is drawn among: those that overlap others (see the plant). */
function overlappingClasses(data: TabularData, present: readonly string[]): string[] {
  const recall = nearestCentroidRecall(data);
  if (!recall) return [...present];
  const overlapping = present.filter((c) => recall.get(c)! < OVERLAP_RECALL);
  if (overlapping.length > 0) return overlapping;
  return [[...present].sort((a, b) => recall.get(a)! - recall.get(b)! || a.localeCompare(b))[0]!];
}

/** The ceiling's level for `minority` cut to a few rows, and what it was measured on; none without one. */
export function rareClassLevel(ceiling: Ceiling | undefined, minority: string): [RareClassLevel, string] | undefined {
  const classes = ceiling?.rare_class?.classes;
  // Own keys only: a label such as "constructor" must not find Object.prototype's.
  const level = classes && Object.hasOwn(classes, minority) ? classes[minority] : undefined;
  if (!level) return undefined;
  return [
    level,
    `${level.rows} train rows of class ${minority}, prior-corrected with the class's best boost, mean of ${level.draws} draws`,
  ];
}

/**
 * The minority criterion: recall of the minority, no higher than the others' mean recall. Full
 * credit at RECALL_FULL, or at the rare-class level when one is given and lower.
 */
export function minorityRecallCriterion(
  check: PredictionCheck,
  minority: string,
  weight: number,
  rare?: [RareClassLevel, string],
): Criterion {
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
  const attainable = rare !== undefined && rare[0].minority_recall > chance && rare[0].minority_recall < RECALL_FULL;
  const full = attainable ? rare[0].minority_recall : RECALL_FULL;
  const score = value >= full ? 1 : value <= chance ? 0 : (value - chance) / (full - chance);
  const fullWhy = attainable ? `: what a ${rare[0].model} attains on ${rare[1]}` : '';
  return {
    name,
    weight,
    score,
    detail: `recall of ${minority} ${fmt(recall)}, mean recall of the other classes ${fmt(othersRecall)}: counted ${fmt(value)} (0 at chance ${fmt(chance)}, full at ${fmt(full)}${fullWhy})`,
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
    // Binary: the rarer class (ties: the first label); multiclass: a seeded overlapping class.
    let minority: string;
    if (data.problem === 'binary') {
      minority = [...present].sort((a, b) => byClass.get(a)! - byClass.get(b)! || a.localeCompare(b))[0]!;
    } else {
      const candidates = overlappingClasses(data, present);
      minority = candidates[Math.floor(random() * candidates.length)]!;
    }
    const drawn = FRACTION_MIN + random() * (FRACTION_MAX - FRACTION_MIN);
    const n = byClass.get(minority)!;
    const otherSizes = present.filter((l) => l !== minority).map((l) => byClass.get(l)!);
    const k = Math.max(
      1,
      Math.min(n, Math.round((drawn * Math.max(...otherSizes)) / (1 - drawn)), Math.floor(Math.min(...otherSizes) / 3)),
    );

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
    const ceiling = predictions.truth.ceiling;
    const rare = rareClassLevel(ceiling, truth.minority_class);
    // The predictions scale ends at the lower of the untouched data's level and the cut class's.
    const level: [CeilingLevel | undefined, string] =
      rare && ceiling && rare[0].score < ceiling.score
        ? [{ ...rare[0], metric: ceiling.metric }, rare[1]]
        : [ceiling, 'the untouched data'];
    criteria.push(
      minorityRecallCriterion(predictions, truth.minority_class, 0.3, rare),
      predictionCriterion(predictions, 0.3, 'predictions', ...level),
    );
    return criteria;
  },
};
