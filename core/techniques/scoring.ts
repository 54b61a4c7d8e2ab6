/** The small arithmetic every task grader shares: tolerance credit, set matching, the weighted total. */
import type { Criterion } from './types';

/**
 * Full credit when `error` ≤ `full`, none when ≥ `zero`, linear between. Tolerances are the
 * documented ones of each task (techniques/<task>/description.md).
 */
export function linearCredit(error: number, full: number, zero: number): number {
  if (!Number.isFinite(error)) return 0;
  if (error <= full) return 1;
  if (error >= zero) return 0;
  return (zero - error) / (zero - full);
}

export interface SetMatch {
  precision: number;
  recall: number;
  f1: number;
  /** In the truth, not named. */
  missed: string[];
  /** Named, not in the truth. */
  extra: string[];
}

/** How well a named set matches the true set. Naming nothing when nothing is true is a perfect match. */
export function matchSets(named: Iterable<string>, truth: Iterable<string>): SetMatch {
  const n = new Set(named);
  const t = new Set(truth);
  const hits = [...n].filter((x) => t.has(x)).length;
  const precision = n.size === 0 ? (t.size === 0 ? 1 : 0) : hits / n.size;
  const recall = t.size === 0 ? 1 : hits / t.size;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, missed: [...t].filter((x) => !n.has(x)).sort(), extra: [...n].filter((x) => !t.has(x)).sort() };
}

/** `a, b and 3 more` */
export function listSome(items: readonly string[], shown = 5): string {
  if (items.length === 0) return '(none)';
  const head = items.slice(0, shown).join(', ');
  return items.length > shown ? `${head} and ${items.length - shown} more` : head;
}

/** The criterion an analysis field earns when the analysis file is missing or invalid. */
export function withoutAnalysis(name: string, weight: number, problem: string | undefined): Criterion {
  return { name, weight, score: 0, detail: `no valid analysis: ${problem ?? 'missing'}` };
}

/** Σ weight × score, rounded to 4 decimals. Throws when a task's weights do not sum to 1 (a bug, not input). */
export function totalScore(criteria: readonly Criterion[]): number {
  const weights = criteria.reduce((s, c) => s + c.weight, 0);
  if (Math.abs(weights - 1) > 1e-9) throw new Error(`criteria weights sum to ${weights}, not 1: ${criteria.map((c) => c.name).join(', ')}`);
  const total = criteria.reduce((s, c) => s + c.weight * Math.min(1, Math.max(0, c.score)), 0);
  return Number(total.toFixed(4));
}

/** Rounds for details and reports: 4 significant decimals are plenty for a person. */
export function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}

/**
 * The precision and recall of a named set as two criteria (`<prefix>_precision`,
 * `<prefix>_recall`), each of `weight`; both score 0 with the reason when there is no analysis.
 */
export function precisionRecallCriteria(
  prefix: string,
  weight: number,
  named: readonly string[] | undefined,
  truth: readonly string[],
  analysisProblem?: string,
): Criterion[] {
  const [precision, recall] = [`${prefix}_precision`, `${prefix}_recall`];
  if (!named) return [withoutAnalysis(precision, weight, analysisProblem), withoutAnalysis(recall, weight, analysisProblem)];
  const m = matchSets(named, truth);
  const said = `named ${listSome(named)}`;
  return [
    { name: precision, weight, score: m.precision, detail: `${said}; not ${prefix}: ${listSome(m.extra)}` },
    { name: recall, weight, score: m.recall, detail: `${said}; ${prefix} and missed: ${listSome(m.missed)}` },
  ];
}
