/** The report of a run never graded: its leaderboard's thresholds, no submission, and why. */
import { readLeaderboard } from './leaderboard';
import { medalThresholds, rankScore } from './medals';
import type { CompetitionReport } from './report';

export async function ungradedReportAgainst(competitionId: string, leaderboardPath: string, reason: string): Promise<CompetitionReport> {
  const leaderboard = await readLeaderboard(leaderboardPath);
  const thresholds = medalThresholds(leaderboard.scores, leaderboard.isLowerBetter);
  return {
    competition_id: competitionId,
    score: null,
    gold_threshold: thresholds.gold,
    silver_threshold: thresholds.silver,
    bronze_threshold: thresholds.bronze,
    median_threshold: thresholds.median,
    ...rankScore(null, thresholds, leaderboard.isLowerBetter),
    submission_exists: false,
    valid_submission: false,
    is_lower_better: leaderboard.isLowerBetter,
    created_at: new Date().toISOString(),
    submission_path: '',
    error: reason,
    best_score: leaderboard.scores[0]!,
    normalized_score: null,
  };
}
