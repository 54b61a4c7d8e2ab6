/**
 * Grading one submission: validate it against the prepared answers, score it with the
 * competition's metric, and place the score on the leaderboard. An invalid or missing
 * submission yields a report (`valid_submission: false` and why); problems of the harness
 * itself (unknown competition, tampered answers, a broken leaderboard) throw.
 */
import { columnIndex, readCsvFile } from '../csv';
import { loadCompetition, prepareCompetition, type PrepareOptions } from '../competitions';
import type { Competition, PreparedCompetition } from '../competitions';
import { readLeaderboard } from './leaderboard';
import { medalThresholds, rankScore } from './medals';
import { getMetric, type Metric } from './metrics';
import type { CompetitionReport } from './report';
import { validateSubmission, type SubmissionCheck, type SubmissionSpec } from './submission';

export interface GradeOptions extends Pick<PrepareOptions, 'dataDir' | 'competitionsDir'> {
  competitionId: string;
  submissionPath: string;
  /** Size cap for the submission file (default DEFAULT_MAX_SUBMISSION_BYTES). */
  maxSubmissionBytes?: number;
}

interface Answers {
  ids: string[];
  labels: string[];
}

/** Scores are rounded to 5 decimals before ranking, as MLE-bench does. */
function round5(x: number): number {
  return Number(x.toFixed(5));
}

async function readAnswers(competition: Competition, prepared: PreparedCompetition): Promise<Answers> {
  const table = await readCsvFile(prepared.answersPath);
  const idAt = columnIndex(table, competition.config.dataset.id_column, prepared.answersPath);
  const labelAt = columnIndex(table, competition.config.dataset.target_column, prepared.answersPath);
  return { ids: table.rows.map((r) => r[idAt]!), labels: table.rows.map((r) => r[labelAt]!) };
}

async function submissionSpec(
  competition: Competition,
  prepared: PreparedCompetition,
  metric: Metric,
  answers: Answers,
  maxBytes: number | undefined,
): Promise<SubmissionSpec> {
  const sample = await readCsvFile(prepared.sampleSubmissionPath);
  const idColumn = competition.config.dataset.id_column;
  columnIndex(sample, idColumn, prepared.sampleSubmissionPath);
  return { idColumn, columns: sample.header, ids: answers.ids, kind: metric.kind, maxBytes };
}

function score(metric: Metric, answers: Answers, check: Extract<SubmissionCheck, { valid: true }>): number {
  if (metric.kind === 'probabilities') {
    return metric.compute(answers.labels, check.values.map((row) => row.map(Number)), check.valueColumns);
  }
  return metric.compute(answers.labels, check.values.map((row) => row[0]!));
}

interface GradingContext {
  competition: Competition;
  metric: Metric;
  answers: Answers;
  check: SubmissionCheck;
}

async function validateFor(options: GradeOptions): Promise<GradingContext> {
  const competition = await loadCompetition(options.competitionId, options);
  // Cached and checksum-verified: grading never runs against edited answers.
  const prepared = await prepareCompetition(options.competitionId, options);
  const metric = getMetric(competition.metric);
  const answers = await readAnswers(competition, prepared);
  const spec = await submissionSpec(competition, prepared, metric, answers, options.maxSubmissionBytes);
  return { competition, metric, answers, check: await validateSubmission(options.submissionPath, spec) };
}

/** Validates without scoring: what an agent may learn about its submission. */
export async function checkSubmission(options: GradeOptions): Promise<{ valid: boolean; reason?: string }> {
  const { check } = await validateFor(options);
  return check.valid ? { valid: true } : { valid: false, reason: check.reason };
}

export async function gradeSubmission(options: GradeOptions): Promise<CompetitionReport> {
  const { competition, metric, answers, check } = await validateFor(options);
  const leaderboard = await readLeaderboard(competition.leaderboardPath);
  if (leaderboard.isLowerBetter !== metric.lowerIsBetter) {
    throw new Error(
      `${leaderboard.file}: ranks ${leaderboard.isLowerBetter ? 'lower' : 'higher'} scores first, ` +
        `but ${metric.name} is ${metric.lowerIsBetter ? 'lower' : 'higher'}-is-better`,
    );
  }
  const thresholds = medalThresholds(leaderboard.scores, leaderboard.isLowerBetter);

  const value = check.valid ? round5(score(metric, answers, check)) : null;
  const medals = rankScore(value, thresholds, leaderboard.isLowerBetter);
  return {
    competition_id: competition.id,
    score: value,
    gold_threshold: thresholds.gold,
    silver_threshold: thresholds.silver,
    bronze_threshold: thresholds.bronze,
    median_threshold: thresholds.median,
    ...medals,
    submission_exists: check.valid || check.exists,
    valid_submission: check.valid,
    is_lower_better: leaderboard.isLowerBetter,
    created_at: new Date().toISOString(),
    submission_path: options.submissionPath,
    ...(check.valid ? {} : { error: check.reason }),
  };
}

/**
 * The report of a run that was never graded (an infrastructure failure, a cancel): no submission
 * counted, the leaderboard's thresholds as for any other run, and why.
 */
export async function ungradedReport(
  competitionId: string,
  reason: string,
  options: Pick<GradeOptions, 'competitionsDir'> = {},
): Promise<CompetitionReport> {
  const competition = await loadCompetition(competitionId, options);
  const leaderboard = await readLeaderboard(competition.leaderboardPath);
  const thresholds = medalThresholds(leaderboard.scores, leaderboard.isLowerBetter);
  return {
    competition_id: competition.id,
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
  };
}
