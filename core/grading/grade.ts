/**
 * Grading one submission by competition id, by the competition's source (core/competitions/source.ts):
 * a bundled competition by its metric and leaderboard (./bundled.ts), an MLE-bench one by its
 * checkout's Python grader. An invalid or missing submission yields a report; problems of the
 * harness itself (unknown competition, tampered answers, a broken leaderboard) throw.
 */
import { harnessPaths } from '../config';
import { competitionSourceFor, type CompetitionSourceDescriptor, type SourceOptions } from '../competitions/source';
import type { CompetitionReport } from './report';

export interface GradeOptions extends SourceOptions {
  competitionId: string;
  submissionPath: string;
  /** Root of prepared data; defaults to harnessPaths().dataDir. */
  dataDir?: string;
  /** Size cap for the submission file (default: submissionByteLimit, at least DEFAULT_MAX_SUBMISSION_BYTES). */
  maxSubmissionBytes?: number;
  /** The source the plan recorded; resolved from the id when absent. */
  source?: CompetitionSourceDescriptor;
}

function submissionOptions(options: GradeOptions) {
  return {
    dataDir: options.dataDir ?? harnessPaths().dataDir,
    submissionPath: options.submissionPath,
    maxSubmissionBytes: options.maxSubmissionBytes,
  };
}

/** Validates without scoring: what an agent may learn about its submission. */
export async function checkSubmission(options: GradeOptions): Promise<{ valid: boolean; reason?: string }> {
  return (await competitionSourceFor(options.competitionId, options)).checkSubmission(submissionOptions(options));
}

export async function gradeSubmission(options: GradeOptions): Promise<CompetitionReport> {
  return (await competitionSourceFor(options.competitionId, options)).gradeSubmission(submissionOptions(options));
}

/**
 * The report of a run that was never graded (an infrastructure failure, a cancel): no submission
 * counted, the leaderboard's thresholds as for any other run, and why.
 */
export async function ungradedReport(
  competitionId: string,
  reason: string,
  options: SourceOptions & { source?: CompetitionSourceDescriptor } = {},
): Promise<CompetitionReport> {
  return (await competitionSourceFor(competitionId, options)).ungradedReport(reason);
}
