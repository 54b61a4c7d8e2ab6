/**
 * The two intervals of the statistics commands, in one place: MLE-bench's normal interval over
 * seeds (`aggregate`, as experiments/aggregate_grading_reports.py computes it) and a paired t
 * interval over differences (`compare`).
 */
import jStat from 'jstat';

export interface IntervalStat {
  mean: number;
  ci_lower: number;
  ci_upper: number;
  standard_error: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The standard error of the mean, ddof=1 (scipy.stats.sem); 0 for fewer than two values, as MLE-bench's script has it. */
export function standardError(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  const variance = xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
  return Math.sqrt(variance / xs.length);
}

/** MLE-bench's interval: mean ± 1.96 · SEM. */
export function normalInterval(xs: readonly number[]): IntervalStat {
  if (xs.length === 0) throw new Error('normalInterval: no values');
  const m = mean(xs);
  const se = standardError(xs);
  return { mean: m, ci_lower: m - 1.96 * se, ci_upper: m + 1.96 * se, standard_error: se };
}

export interface PairedStat {
  /** How many pairs the difference is over. */
  n: number;
  mean: number;
  /** null with a single pair: a t interval needs at least two. */
  ci_lower: number | null;
  ci_upper: number | null;
  standard_error: number | null;
}

/** A paired t interval at 95%: mean difference ± t(0.975, n−1) · SD/√n (jstat's studentt.inv); null when there are no pairs. */
export function pairedInterval(differences: readonly number[]): PairedStat | null {
  const n = differences.length;
  if (n === 0) return null;
  const m = mean(differences);
  if (n < 2) return { n, mean: m, ci_lower: null, ci_upper: null, standard_error: null };
  const se = standardError(differences);
  const half = jStat.studentt.inv(0.975, n - 1) * se;
  return { n, mean: m, ci_lower: m - half, ci_upper: m + half, standard_error: se };
}
