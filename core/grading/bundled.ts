/**
 * Grading one submission to a bundled competition: validate it against the prepared answers,
 * score it with the competition's metric, and place the score on the leaderboard. An invalid or
 * missing submission yields a report (`valid_submission: false` and why); problems of the
 * harness itself (tampered answers, a broken leaderboard) throw. (An MLE-bench competition is
 * graded by its checkout's Python: core/mlebench/grade.ts; which one applies: core/competitions/source.ts.)
 */
import path from 'node:path';
import { prepareBundledCompetition } from '../competitions/prepare';
import type { Competition, PreparedCompetition } from '../competitions/types';
import { readLeaderboard } from './leaderboard';
import { medalThresholds, rankScore } from './medals';
import type { Truth } from './answers';
import { readSubmissionFormat, submissionFormatOf } from './format';
import { getMetric, type Metric } from './metrics';
import type { CompetitionReport } from './report';
import { ungradedReportAgainst } from './ungraded';
import { headroomOf, sampleScore } from './normalized';
import { validateSubmission, type SubmissionCheck, type SubmissionSpec } from './submission';

export interface BundledGradeOptions {
  dataDir: string;
  submissionPath: string;
  /** Size cap for the submission file (default: submissionByteLimit, at least DEFAULT_MAX_SUBMISSION_BYTES). */
  maxSubmissionBytes?: number;
}

/** Scores are rounded to 5 decimals before ranking, as MLE-bench does. */
function round5(x: number): number {
  return Number(x.toFixed(5));
}

/** The grader's spec, read from the format file prepare wrote (./format.ts): the validator in the container reads the same file. */
async function submissionSpec(
  competition: Competition,
  prepared: PreparedCompetition,
  maxBytes: number | undefined,
): Promise<{ spec: SubmissionSpec; truth: Truth }> {
  const derived = await submissionFormatOf(competition, path.dirname(prepared.publicDir));
  const format = await readSubmissionFormat(prepared.publicDir, derived.format);
  return {
    truth: derived.truth,
    spec: {
      idColumn: format.id_column,
      columns: format.columns,
      ids: derived.ids,
      cells: format.cells,
      labels: format.labels ? new Set(format.labels) : undefined,
      rowsRescaled: format.row_sum_nonzero,
      maxBytes,
    },
  };
}

/** The metric on the validated submission, whose columns are aligned with the answers' ids. */
function score(metric: Metric, truth: Truth, check: Extract<SubmissionCheck, { valid: true }>): number {
  const { numbers, labels } = check;
  if (metric.kind === 'labels' && truth.kind === 'labels') return metric.compute(truth.labels, labels[0]!);
  if (metric.kind === 'values' && truth.kind === 'values') return metric.compute(truth.values, numbers[0]!);
  if (metric.kind === 'probability' && truth.kind === 'probability') return metric.compute(truth.positive, numbers[0]!);
  if (metric.kind === 'probabilities' && truth.kind === 'probabilities') return metric.compute(truth.classIndex, numbers);
  if (metric.kind === 'multilabel-probabilities' && truth.kind === 'multilabel-probabilities') {
    return metric.compute(truth.columns, numbers, check.valueColumns);
  }
  throw new Error(`metric ${metric.name} (${metric.kind}) got answers of kind ${truth.kind}`);
}

interface GradingContext {
  competition: Competition;
  prepared: PreparedCompetition;
  metric: Metric;
  truth: Truth;
  check: SubmissionCheck;
}

async function validateFor(competition: Competition, options: BundledGradeOptions): Promise<GradingContext> {
  // Cached and checksum-verified: grading never runs against edited answers.
  const prepared = await prepareBundledCompetition(competition, { dataDir: options.dataDir });
  const metric = getMetric(competition.metric);
  const { spec, truth } = await submissionSpec(competition, prepared, options.maxSubmissionBytes);
  return { competition, prepared, metric, truth, check: await validateSubmission(options.submissionPath, spec) };
}

/** Validates without scoring: what an agent may learn about its submission. */
export async function checkBundledSubmission(
  competition: Competition,
  options: BundledGradeOptions,
): Promise<{ valid: boolean; reason?: string }> {
  const { check } = await validateFor(competition, options);
  return check.valid ? { valid: true } : { valid: false, reason: check.reason };
}

/** The report with its headroom: the sample submission graded the same way (once, memoised) and the leaderboard's best. */
export async function gradeBundledSubmission(bundled: Competition, options: BundledGradeOptions): Promise<CompetitionReport> {
  const { report, leaderboard, prepared } = await gradeBundled(bundled, options);
  const sample = () =>
    sampleScore(
      prepared,
      `bundled:${bundled.metric}`,
      async (file) => (await gradeBundled(bundled, { ...options, submissionPath: file })).report,
    );
  return { ...report, ...(await headroomOf(report.score, leaderboard, sample)) };
}

async function gradeBundled(bundled: Competition, options: BundledGradeOptions) {
  const { competition, metric, truth, check, prepared } = await validateFor(bundled, options);
  const leaderboard = await readLeaderboard(competition.leaderboardPath);
  if (leaderboard.isLowerBetter !== metric.lowerIsBetter) {
    throw new Error(
      `${leaderboard.file}: ranks ${leaderboard.isLowerBetter ? 'lower' : 'higher'} scores first, ` +
        `but ${metric.name} is ${metric.lowerIsBetter ? 'lower' : 'higher'}-is-better`,
    );
  }
  const thresholds = medalThresholds(leaderboard.scores, leaderboard.isLowerBetter);

  // A metric can be undefined on valid input (AUC when the answers hold one class): like
  // MLE-bench, the run then has no score, and the report says why instead of the grader crashing.
  let value: number | null = null;
  let error = check.valid ? undefined : check.reason;
  if (check.valid) {
    try {
      const raw = score(metric, truth, check);
      if (!Number.isFinite(raw)) throw new Error(`${metric.name} is ${raw}`);
      value = round5(raw);
    } catch (err) {
      error = `scoring failed: ${(err as Error).message}`;
    }
  }
  const medals = rankScore(value, thresholds, leaderboard.isLowerBetter);
  const report: CompetitionReport = {
    competition_id: competition.id,
    score: value,
    gold_threshold: thresholds.gold,
    silver_threshold: thresholds.silver,
    bronze_threshold: thresholds.bronze,
    median_threshold: thresholds.median,
    ...medals,
    submission_exists: check.valid || check.exists,
    valid_submission: value !== null,
    is_lower_better: leaderboard.isLowerBetter,
    created_at: new Date().toISOString(),
    submission_path: options.submissionPath,
    ...(error === undefined ? {} : { error }),
  };
  return { report, leaderboard, prepared };
}

/**
 * The report of a run that was never graded (an infrastructure failure, a cancel): no submission
 * counted, the leaderboard's thresholds as for any other run, and why.
 */
export async function ungradedBundledReport(competition: Competition, reason: string): Promise<CompetitionReport> {
  return ungradedReportAgainst(competition.id, competition.leaderboardPath, reason);
}
