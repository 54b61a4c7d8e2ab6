/** Grading: metrics, submission validation, medals, per-competition and run-group reports. */
export { gradeSubmission, checkSubmission, ungradedReport, type GradeOptions } from './grade';
export { gradeJsonl, parseSubmissionsJsonl, toMleBenchReport, mleBenchTimestamp, type MleBenchGradingReport } from './batch';
export { summarizeReports } from './summary';
export {
  validateSubmission,
  submissionByteLimit,
  DEFAULT_MAX_SUBMISSION_BYTES,
  type SubmissionSpec,
  type SubmissionCheck,
} from './submission';
export { medalThresholds, medalRanks, rankScore, isLowerBetterFromLeaderboard, type MedalThresholds, type MedalResult } from './medals';
export { readLeaderboard, type Leaderboard } from './leaderboard';
export { getMetric, METRIC_NAMES, multiclassLogLoss, accuracy, LOG_LOSS_EPS, type Metric } from './metrics';
export type { CompetitionReport, GradingReport } from './report';
