/** The run group's `grading_report.json`: MLE-bench's totals (mlebench/grade.py `aggregate_reports`). */
import type { CompetitionReport, GradingReport } from './report';
import { meanNormalizedScore } from './normalized';

export function summarizeReports(reports: CompetitionReport[], createdAt: Date = new Date()): GradingReport {
  const count = (pick: (r: CompetitionReport) => boolean) => reports.filter(pick).length;
  const gold = count((r) => r.gold_medal);
  const silver = count((r) => r.silver_medal);
  const bronze = count((r) => r.bronze_medal);
  return {
    created_at: createdAt.toISOString(),
    total_runs: reports.length,
    total_runs_with_submissions: count((r) => r.submission_exists),
    total_valid_submissions: count((r) => r.valid_submission),
    total_medals: gold + silver + bronze,
    total_gold_medals: gold,
    total_silver_medals: silver,
    total_bronze_medals: bronze,
    total_above_median: count((r) => r.above_median),
    mean_normalized_score: meanNormalizedScore(reports),
    competition_reports: reports,
  };
}
