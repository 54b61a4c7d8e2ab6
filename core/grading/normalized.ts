/**
 * The normalized score (docs/metrics.md): where a run's score lies between its competition's sample
 * submission (0) and its leaderboard's best entry (1), clipped to [0, 1], so progress below a medal
 * shows. The sample's score comes from the same grader, graded once per prepared data set and
 * grader in each process (memoised lazily at grading, not stored at prepare: it then also holds for
 * data prepared before it existed and for MLE-bench's own preparations, which have no manifest of ours).
 */
import type { PreparedCompetition } from '../competitions/types';
import { log } from '../log';
import type { Leaderboard } from './leaderboard';

export interface Headroom {
  /** The sample submission's score by the same grader; null when the grader refuses it. */
  sample_score: number | null;
  /** The leaderboard's best (first) entry, read at grading time. */
  best_score: number;
  /** 0 = the sample's score or worse, 1 = the best entry or better; null when ungraded, invalid, or sample ≥ best. */
  normalized_score: number | null;
}

/**
 * (score − sample) / (best − sample), which is direction-free (for lower-is-better both differences
 * are negative), clipped to [0, 1]. Null without a score or a sample score, and when the sample
 * reaches the best entry (no headroom to measure against).
 */
export function normalizedScore(score: number | null, sample: number | null, best: number, isLowerBetter: boolean): number | null {
  if (score === null || sample === null || !Number.isFinite(score) || !Number.isFinite(sample) || !Number.isFinite(best)) return null;
  const span = isLowerBetter ? sample - best : best - sample;
  if (!(span > 0)) return null;
  const gained = isLowerBetter ? sample - score : score - sample;
  return Number(Math.min(1, Math.max(0, gained / span)).toFixed(5));
}

const memo = new Map<string, Promise<number | null>>();

/** The sample submission's score, graded by `grade` once per (competition, data checksum, grader) in this process. */
export function sampleScore(
  prepared: PreparedCompetition,
  grader: string,
  grade: (submissionPath: string) => Promise<{ score: number | null; error?: string }>,
): Promise<number | null> {
  const key = `${prepared.id}\0${prepared.checksum}\0${grader}`;
  let found = memo.get(key);
  if (!found) {
    found = grade(prepared.sampleSubmissionPath).then((r) => {
      if (r.score === null) log.warn({ competitionId: prepared.id, reason: r.error }, 'sample submission not graded: no normalized score');
      return r.score;
    });
    // A failure (a broken grader) is not remembered: the next grading tries again.
    found.catch(() => memo.delete(key));
    memo.set(key, found);
  }
  return found;
}

/** The report's headroom fields for `score`. */
export async function headroomOf(score: number | null, leaderboard: Leaderboard, sample: () => Promise<number | null>): Promise<Headroom> {
  const sample_score = await sample();
  const best_score = leaderboard.scores[0]!;
  return { sample_score, best_score, normalized_score: normalizedScore(score, sample_score, best_score, leaderboard.isLowerBetter) };
}

/**
 * A run's part in a mean normalized score: its normalized score; 0 when its submission is missing
 * or invalid but the competition has a scale (its sample and best are known, as in every report of
 * a graded run); null (left out of the mean) when the report has no scale (sample ≥ best, the
 * sample refused, a report written before headroom existed).
 */
export function normalizedContribution(r: {
  normalized_score?: number | null;
  valid_submission: boolean;
  sample_score?: number | null;
  best_score?: number;
  is_lower_better: boolean;
}): number | null {
  if (typeof r.normalized_score === 'number') return r.normalized_score;
  if (r.valid_submission || r.sample_score === null || r.sample_score === undefined || r.best_score === undefined) return null;
  return normalizedScore(r.sample_score, r.sample_score, r.best_score, r.is_lower_better);
}

/** The mean of the runs' contributions, over those that have one; null when none has. */
export function meanNormalizedScore(reports: readonly Parameters<typeof normalizedContribution>[0][]): number | null {
  const xs = reports.map(normalizedContribution).filter((x): x is number => x !== null);
  return xs.length === 0 ? null : Number((xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(5));
}
