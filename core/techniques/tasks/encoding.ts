/**
 * encoding: 2–3 informative numeric features turned into categories, and test levels train never
 * saw. Each chosen feature is cut at its train quantiles into a seeded 6–12 bins, and every bin
 * becomes an opaque token (`k3x9`: never a number, and in a random order, so the feature must be
 * treated as a category). In test, a seeded 5–15% of the feature's cells are replaced by 1–3 new
 * tokens that appear nowhere in train. The features are chosen among the numeric ones with ≥ 12
 * distinct train values and no value on more than half of the rows, from the 6 whose 8 quantile
 * bins explain the most of the target (Gini impurity for classes, variance for numbers).
 *
 * The truth is computed from the planted tables: the categorical columns are the features with a
 * non-blank cell that is not a number (the planted ones and any text column the competition
 * already had), and for each the non-blank levels of test.csv absent from train.csv.
 *
 * Graded (weights sum to 1):
 * - categorical_columns 0.3: F1 of the columns named categorical against the categorical columns;
 * - unseen_levels       0.45: F1 of the (column, level) pairs named unseen against the true ones;
 * - predictions         0.25: chance-corrected balanced accuracy, or R², on the held-out rows.
 * The predictions weigh less than in other tasks: they show a model that copes with unseen
 * levels, but on data whose other features are redundant with the planted ones (spambase),
 * dropping the categorical columns predicts as well as encoding them, so they cannot tell the
 * technique from its absence.
 */
import { z } from 'zod';
import type { CsvTable } from '../../csv';
import { column, isNumberCell, pickSome, withColumn } from '../data';
import { predictionCriterion } from '../predictions';
import { fmt, listSome, matchSets, withoutAnalysis } from '../scoring';
import type { Problem, TabularData, TechniqueTaskDefinition } from '../types';

export interface EncodingTruth {
  /** Features holding a non-blank cell that is not a number, in file order. */
  categorical_columns: string[];
  /** The numeric features the plant turned into categories, in file order. */
  planted_columns: string[];
  /** Per categorical column with any: its non-blank test levels absent from train, sorted. */
  unseen_levels: Record<string, string[]>;
  /** Per planted column: its number of levels in train and the share of test cells given an unseen token. */
  planted: Record<string, { bins: number; unseen_share: number }>;
}

export const encodingAnalysisSchema = z.object({
  categorical_columns: z.array(z.string()).describe('the feature columns that are categorical'),
  unseen_levels: z.record(z.string(), z.array(z.string())).describe('per categorical column, its levels in test.csv that train.csv lacks'),
  encoding: z.string().optional().describe('how the categories were encoded'),
  notes: z.string().optional(),
});
export type EncodingAnalysis = z.infer<typeof encodingAnalysisSchema>;

const LETTERS = 'abcdefghijkmnpqrstuvwxyz';
const DIGITS = '23456789';
/** Candidates are drawn from this many most informative eligible features. */
const TOP = 6;

/** A token like `k3x9`: letter, digit, letter, digit; never a number, never a pandas NA spelling. */
function token(random: () => number, used: Set<string>): string {
  for (;;) {
    const pick = (s: string) => s[Math.floor(random() * s.length)]!;
    const t = pick(LETTERS) + pick(DIGITS) + pick(LETTERS) + pick(DIGITS);
    if (!used.has(t)) {
      used.add(t);
      return t;
    }
  }
}

/** Cut points at the train quantiles j/bins, deduplicated; a value's level is the number of cut points below it. */
function cutPoints(values: readonly number[], bins: number): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const cuts = new Set<number>();
  for (let j = 1; j < bins; j += 1) cuts.add(sorted[Math.min(sorted.length - 1, Math.floor((j * sorted.length) / bins))]!);
  // The largest value is not a cut: nothing would fall above it.
  cuts.delete(sorted[sorted.length - 1]!);
  return [...cuts].sort((a, b) => a - b);
}

function levelOf(x: number, cuts: readonly number[]): number {
  let k = 0;
  while (k < cuts.length && x > cuts[k]!) k += 1;
  return k;
}

function gini(counts: Map<string, number>, n: number): number {
  let s = 1;
  for (const c of counts.values()) s -= (c / n) ** 2;
  return s;
}

/** The share of the target's impurity (classes: Gini; numbers: variance) that the levels explain. */
export function explainedShare(levels: readonly number[], ys: readonly string[], problem: Problem): number {
  const groups = new Map<number, string[]>();
  levels.forEach((l, i) => {
    const g = groups.get(l) ?? [];
    g.push(ys[i]!);
    groups.set(l, g);
  });
  const impurity = (g: readonly string[]): number => {
    if (problem === 'regression') {
      const xs = g.map(Number);
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      return xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    }
    const counts = new Map<string, number>();
    for (const y of g) counts.set(y, (counts.get(y) ?? 0) + 1);
    return gini(counts, g.length);
  };
  const total = impurity(ys);
  if (total === 0) return 0;
  let within = 0;
  for (const g of groups.values()) within += (g.length / ys.length) * impurity(g);
  return 1 - within / total;
}

/** Features holding a non-blank cell that is not a number, in either table. */
export function categoricalColumns(featureColumns: readonly string[], train: CsvTable, test: CsvTable): string[] {
  return featureColumns.filter((c) => [...column(train, c), ...column(test, c)].some((x) => x.trim() !== '' && !isNumberCell(x)));
}

/** Per categorical column, the non-blank test levels absent from train (columns with none left out). */
export function unseenLevels(columns: readonly string[], train: CsvTable, test: CsvTable): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of columns) {
    const seen = new Set(column(train, c));
    const unseen = [...new Set(column(test, c))].filter((x) => x.trim() !== '' && !seen.has(x)).sort();
    if (unseen.length > 0) out[c] = unseen;
  }
  return out;
}

/** The numeric features worth turning into categories: many distinct values, informative when binned. */
function candidates(data: TabularData): string[] {
  const ys = column(data.train, data.targetColumn);
  const scored: { name: string; share: number }[] = [];
  for (const name of data.featureColumns) {
    const train = column(data.train, name);
    if (!train.every(isNumberCell) || !column(data.test, name).every(isNumberCell)) continue;
    const xs = train.map(Number);
    const counts = new Map<number, number>();
    for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
    if (counts.size < 12 || Math.max(...counts.values()) > xs.length / 2) continue;
    const cuts = cutPoints(xs, 8);
    scored.push({
      name,
      share: explainedShare(
        xs.map((x) => levelOf(x, cuts)),
        ys,
        data.problem,
      ),
    });
  }
  return scored
    .sort((a, b) => b.share - a.share || a.name.localeCompare(b.name))
    .slice(0, TOP)
    .map((s) => s.name);
}

const pairKey = (c: string, level: string) => `${c}=${level}`;

export const encoding: TechniqueTaskDefinition<EncodingTruth, EncodingAnalysis> = {
  id: 'encoding',
  title: 'encode the categorical features, including levels in test that train never saw',
  problems: ['binary', 'multiclass', 'regression'],
  analysisSchema: encodingAnalysisSchema,

  plant(data, random) {
    const pool = candidates(data);
    if (pool.length < 2)
      throw new Error(
        `encoding: ${data.competitionId} has ${pool.length} numeric features with ≥ 12 distinct values; at least 2 are needed`,
      );
    const chosen = pickSome(pool, 2 + Math.floor(random() * 2), random);
    const used = new Set<string>();
    let train = data.train;
    let test = data.test;
    const planted: EncodingTruth['planted'] = {};
    for (const name of chosen) {
      const trainXs = column(train, name).map(Number);
      const cuts = cutPoints(trainXs, 6 + Math.floor(random() * 7));
      const tokens = Array.from({ length: cuts.length + 1 }, () => token(random, used));
      const testCells = column(test, name).map((x) => tokens[levelOf(Number(x), cuts)]!);
      // Unseen tokens on a seeded share of test rows, each token used at least once.
      const fresh = Array.from({ length: 1 + Math.floor(random() * 3) }, () => token(random, used));
      const share = 0.05 + random() * 0.1;
      const count = Math.min(testCells.length, Math.max(fresh.length, Math.round(share * testCells.length)));
      const rows = pickSome(
        testCells.map((_, i) => i),
        count,
        random,
      );
      rows.forEach((r, k) => (testCells[r] = fresh[k % fresh.length]!));
      train = withColumn(
        train,
        name,
        trainXs.map((x) => tokens[levelOf(x, cuts)]!),
      );
      test = withColumn(test, name, testCells);
      planted[name] = { bins: new Set(column(train, name)).size, unseen_share: Number((count / testCells.length).toFixed(4)) };
    }
    const categorical = categoricalColumns(data.featureColumns, train, test);
    return {
      train,
      test,
      answers: data.answers,
      truth: {
        categorical_columns: categorical,
        planted_columns: data.featureColumns.filter((c) => chosen.includes(c)),
        unseen_levels: unseenLevels(categorical, train, test),
        planted,
      },
    };
  },

  grade({ truth, analysis, analysisProblem, predictions }) {
    const criteria = [];
    if (!analysis) {
      criteria.push(withoutAnalysis('categorical_columns', 0.3, analysisProblem), withoutAnalysis('unseen_levels', 0.45, analysisProblem));
    } else {
      const cols = matchSets(analysis.categorical_columns, truth.categorical_columns);
      criteria.push({
        name: 'categorical_columns',
        weight: 0.3,
        score: cols.f1,
        detail: `F1 ${fmt(cols.f1)} (precision ${fmt(cols.precision)}, recall ${fmt(cols.recall)}); missed: ${listSome(cols.missed)}; not categorical: ${listSome(cols.extra)}`,
      });
      const named = Object.entries(analysis.unseen_levels).flatMap(([c, levels]) => levels.map((l) => pairKey(c, l)));
      const real = Object.entries(truth.unseen_levels).flatMap(([c, levels]) => levels.map((l) => pairKey(c, l)));
      const pairs = matchSets(named, real);
      criteria.push({
        name: 'unseen_levels',
        weight: 0.45,
        score: pairs.f1,
        detail: `F1 ${fmt(pairs.f1)} over (column, level) pairs (precision ${fmt(pairs.precision)}, recall ${fmt(pairs.recall)}); missed: ${listSome(pairs.missed)}; not unseen: ${listSome(pairs.extra)}`,
      });
    }
    criteria.push(predictionCriterion(predictions, 0.25));
    return criteria;
  },
};
