/** A run record narrowed to its kind, failing the test when it is of the other kind. */
import type { CompetitionReport } from '../../core/grading/report';
import type { CompetitionRunResult, RunResult, TechniqueRunResult } from '../../core/runs/types';

export function competitionRecord(r: RunResult | undefined): CompetitionRunResult {
  if (r?.kind !== 'competition') throw new Error(`expected a competition run, got ${JSON.stringify(r?.kind)} (${r?.runId})`);
  return r;
}

export function techniqueRecord(r: RunResult | undefined): TechniqueRunResult {
  if (r?.kind !== 'technique') throw new Error(`expected a technique run, got ${JSON.stringify(r?.kind)} (${r?.runId})`);
  return r;
}

/** A valid, graded report of a silver medal (score 0.9 on a higher-is-better leaderboard), with `over` on top. */
export const silverReport = (over: Partial<CompetitionReport> = {}): CompetitionReport => ({
  competition_id: 'spambase',
  score: 0.9,
  gold_threshold: 0.95,
  silver_threshold: 0.9,
  bronze_threshold: 0.85,
  median_threshold: 0.8,
  any_medal: true,
  gold_medal: false,
  silver_medal: true,
  bronze_medal: false,
  above_median: true,
  submission_exists: true,
  valid_submission: true,
  is_lower_better: false,
  created_at: '2026-01-01T00:00:00Z',
  submission_path: '/s',
  ...over,
});
