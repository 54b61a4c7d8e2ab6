/**
 * The grading report: the same fields as MLE-bench's, so its aggregation tools read ours.
 */
export interface CompetitionReport {
  competition_id: string;
  score: number | null;
  gold_threshold: number;
  silver_threshold: number;
  bronze_threshold: number;
  median_threshold: number;
  any_medal: boolean;
  gold_medal: boolean;
  silver_medal: boolean;
  bronze_medal: boolean;
  above_median: boolean;
  submission_exists: boolean;
  valid_submission: boolean;
  is_lower_better: boolean;
  created_at: string;
  submission_path: string;
  /** Why the submission is invalid (or missing); absent when valid. */
  error?: string;
  /** Headroom (./normalized.ts): absent in reports written before it, ignored by MLE-bench's readers. */
  sample_score?: number | null;
  best_score?: number;
  normalized_score?: number | null;
}

/** `grading_report.json` of a run group: MLE-bench's totals plus each run's report. */
export interface GradingReport {
  created_at: string;
  total_runs: number;
  total_runs_with_submissions: number;
  total_valid_submissions: number;
  total_medals: number;
  total_gold_medals: number;
  total_silver_medals: number;
  total_bronze_medals: number;
  total_above_median: number;
  /** The runs' mean normalized score (./normalized.ts `meanNormalizedScore`); an added field MLE-bench's readers ignore. */
  mean_normalized_score: number | null;
  competition_reports: CompetitionReport[];
}
