/** MLE-bench's own registry: a local checkout's competitions, prepared and graded by its Python. */
export {
  configuredCheckoutPath,
  openCheckout,
  listCheckoutCompetitionIds,
  loadCheckoutCompetition,
  listCheckoutCompetitions,
  listMleBenchCompetitions,
  findMleBenchCompetition,
  InvalidMleBenchCheckoutError,
  MLEBENCH_REPO_ENV,
  LITE_SPLIT,
  type MleBenchCompetition,
  type MleBenchCheckout,
  type MleBenchChecksums,
  type CheckoutIssue,
} from './checkout';
export {
  prepareMleBenchCompetition,
  isMleBenchPrepared,
  mleBenchDataProblem,
  mleBenchPaths,
  verifyMleBenchChecksums,
  MleBenchChecksumMismatchError,
  type MleBenchPrepareOptions,
} from './prepare';
export { gradeMleBenchSubmission, ungradedMleBenchReport, type MleBenchGradeOptions } from './grade';
export {
  runDriver,
  runCheckoutPrepare,
  runCheckoutGrader,
  MleBenchPythonError,
  DRIVER_PATH,
  PYTHON_LABEL,
  type DriverResult,
  type GraderOutcome,
} from './python';
export { MleBenchUnsafeFileError, assertPlainTree } from './untrusted';
