/**
 * Medal thresholds by Kaggle's progression rules, as MLE-bench applies them
 * (mlebench/grade_helpers.py, `Grader.rank_score`): the threshold is the score of the team at a
 * rank that depends on the leaderboard's size; a score equal to a medal threshold earns the
 * medal (inclusive), while "above median" means strictly better than the median.
 */

export interface MedalThresholds {
  gold: number;
  silver: number;
  bronze: number;
  median: number;
}

export interface MedalResult {
  gold_medal: boolean;
  silver_medal: boolean;
  bronze_medal: boolean;
  any_medal: boolean;
  above_median: boolean;
}

/** Direction from the leaderboard, as MLE-bench decides it: the best (first) score below the last. */
export function isLowerBetterFromLeaderboard(scoresInRankOrder: readonly number[]): boolean {
  if (scoresInRankOrder.length === 0) throw new Error('leaderboard has no scores');
  return scoresInRankOrder[0]! < scoresInRankOrder[scoresInRankOrder.length - 1]!;
}

/** Ranks (1-based) whose scores set gold, silver and bronze for a leaderboard of `n` teams. */
export function medalRanks(n: number): { gold: number; silver: number; bronze: number } {
  if (!Number.isInteger(n) || n < 1) throw new Error(`leaderboard must have at least one team, got ${n}`);
  // Math.trunc(n * f) is Python's int(n * f) on the same float64 product, so ranks match exactly.
  const at = (f: number) => Math.max(1, Math.trunc(n * f));
  if (n < 100) return { gold: at(0.1), silver: at(0.2), bronze: at(0.4) };
  if (n < 250) return { gold: 10, silver: at(0.2), bronze: at(0.4) };
  const gold = 10 + Math.trunc(n * 0.002);
  if (n < 1000) return { gold, silver: 50, bronze: 100 };
  return { gold, silver: at(0.05), bronze: at(0.1) };
}

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Thresholds for a leaderboard. Scores are put in rank order (best first) by the given direction,
 * so a leaderboard file already in rank order gives exactly MLE-bench's positions.
 */
export function medalThresholds(leaderboardScores: readonly number[], isLowerBetter: boolean): MedalThresholds {
  for (const s of leaderboardScores) if (!Number.isFinite(s)) throw new Error(`leaderboard score ${s} is not a finite number`);
  const ranked = [...leaderboardScores].sort((a, b) => (isLowerBetter ? a - b : b - a));
  const ranks = medalRanks(ranked.length);
  return {
    gold: ranked[ranks.gold - 1]!,
    silver: ranked[ranks.silver - 1]!,
    bronze: ranked[ranks.bronze - 1]!,
    median: median([...ranked].sort((a, b) => a - b)),
  };
}

/** Medals for a score (null: no valid submission, so none). One medal at most: the best one reached. */
export function rankScore(score: number | null, t: MedalThresholds, isLowerBetter: boolean): MedalResult {
  if (score === null) {
    return { gold_medal: false, silver_medal: false, bronze_medal: false, any_medal: false, above_median: false };
  }
  const reaches = (threshold: number) => (isLowerBetter ? score <= threshold : score >= threshold);
  const gold = reaches(t.gold);
  const silver = !gold && reaches(t.silver);
  const bronze = !gold && !silver && reaches(t.bronze);
  return {
    gold_medal: gold,
    silver_medal: silver,
    bronze_medal: bronze,
    any_medal: gold || silver || bronze,
    above_median: isLowerBetter ? score < t.median : score > t.median,
  };
}
