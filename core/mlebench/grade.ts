/**
 * Grading a submission to an MLE-bench competition as MLE-bench does (mlebench/grade.py): the
 * checkout's own grade function on the submission and the answers (read with pandas, in a
 * Python container: python.ts), where InvalidSubmissionError or any other exception makes the
 * submission invalid with the reason, and the score is rounded to 5 decimals; then our medal
 * rules (the same as MLE-bench's) against the competition's leaderboard.csv, into the same
 * CompetitionReport fields as every other competition.
 */
import { constants, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { readLeaderboard } from '../grading/leaderboard';
import { medalThresholds, rankScore } from '../grading/medals';
import type { CompetitionReport } from '../grading/report';
import { ungradedReportAgainst } from '../grading/ungraded';
import { headroomOf, sampleScore } from '../grading/normalized';
import { DEFAULT_MAX_SUBMISSION_BYTES } from '../grading/submission';
import type { MleBenchCompetition } from './checkout';
import { prepareMleBenchCompetition } from './prepare';
import { runCheckoutGrader, type GraderOutcome } from './python';
import { copyChecked } from './untrusted';

export interface MleBenchGradeOptions {
  dataDir: string;
  submissionPath: string;
  /** Size cap of the submission file (default DEFAULT_MAX_SUBMISSION_BYTES, at least 20× the answers' size). */
  maxSubmissionBytes?: number;
}

type SubmissionCopy = { exists: false; reason: string } | { exists: true; file: string; invalid?: string; cleanup: () => Promise<void> };

/**
 * A private copy of the submission: opened without following a symlink (the agent owns its
 * folder, and Docker would follow one to mount its target), a regular file, under the cap.
 */
async function copySubmission(submissionPath: string, maxBytes: number): Promise<SubmissionCopy> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(submissionPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { exists: false, reason: `no submission: ${submissionPath} does not exist` };
    if (code === 'ELOOP') return { exists: false, reason: `${submissionPath} is a symlink; only a regular file is graded` };
    throw err;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { exists: false, reason: `${submissionPath} is not a regular file` };
    if (stat.size > maxBytes) {
      return {
        exists: true,
        file: '',
        invalid: `submission is ${stat.size} bytes, over the ${maxBytes}-byte limit`,
        cleanup: () => Promise.resolve(),
      };
    }
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-grade-'));
    const file = path.join(dir, 'submission.csv');
    await pipeline(handle.createReadStream({ autoClose: false, end: maxBytes }), (await fs.open(file, 'wx', 0o644)).createWriteStream());
    await fs.chmod(dir, 0o755);
    return { exists: true, file, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
  } finally {
    await handle.close();
  }
}

/** The report with its headroom: the sample submission graded by the same checkout grader (once, memoised) and the leaderboard's best. */
export async function gradeMleBenchSubmission(c: MleBenchCompetition, opts: MleBenchGradeOptions): Promise<CompetitionReport> {
  const { report, leaderboard, prepared } = await gradeMleBench(c, opts);
  const sample = () =>
    sampleScore(prepared, `mlebench:${c.gradeFn}`, async (file) => (await gradeMleBench(c, { ...opts, submissionPath: file })).report);
  return { ...report, ...(await headroomOf(report.score, leaderboard, sample)) };
}

async function gradeMleBench(c: MleBenchCompetition, opts: MleBenchGradeOptions) {
  const leaderboard = await readLeaderboard(c.leaderboardPath);
  const thresholds = medalThresholds(leaderboard.scores, leaderboard.isLowerBetter);
  // Cached and verified (our manifest, or checksums.yaml): never graded against edited answers.
  const prepared = await prepareMleBenchCompetition(c, { dataDir: opts.dataDir });
  // The grader's container gets a copy of the answers taken through a checked handle: Docker
  // would follow a symlink at a bind mount's source to any file of the host.
  const answersDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-answers-'));
  let outcome: GraderOutcome;
  let copy: SubmissionCopy | undefined;
  try {
    const answersFile = path.join(answersDir, `answers${path.extname(prepared.answersPath)}`);
    const answersBytes = await copyChecked(prepared.answersPath, answersFile, { what: `the answers of MLE-bench competition "${c.id}"` });
    await fs.chmod(answersDir, 0o755);
    const maxBytes = opts.maxSubmissionBytes ?? Math.max(DEFAULT_MAX_SUBMISSION_BYTES, 20 * answersBytes);
    copy = await copySubmission(opts.submissionPath, maxBytes);
    if (!copy.exists) outcome = { valid: false, reason: copy.reason };
    else if (copy.invalid) outcome = { valid: false, reason: copy.invalid };
    else outcome = await runCheckoutGrader(c, { submissionFile: copy.file, answersFile });
  } finally {
    if (copy?.exists) await copy.cleanup();
    await fs.rm(answersDir, { recursive: true, force: true });
  }
  const score = outcome.valid ? outcome.score : null;
  const report: CompetitionReport = {
    competition_id: c.id,
    score,
    gold_threshold: thresholds.gold,
    silver_threshold: thresholds.silver,
    bronze_threshold: thresholds.bronze,
    median_threshold: thresholds.median,
    ...rankScore(score, thresholds, leaderboard.isLowerBetter),
    submission_exists: copy.exists,
    valid_submission: score !== null,
    is_lower_better: leaderboard.isLowerBetter,
    created_at: new Date().toISOString(),
    submission_path: opts.submissionPath,
    ...(outcome.valid ? {} : { error: outcome.reason }),
  };
  return { report, leaderboard, prepared };
}

/** The report of a run never graded: the leaderboard's thresholds, no submission, and why. */
export async function ungradedMleBenchReport(c: MleBenchCompetition, reason: string): Promise<CompetitionReport> {
  return ungradedReportAgainst(c.id, c.leaderboardPath, reason);
}
