/**
 * The MLE-bench errors that no retry can fix (a broken checkout, missing raw data, data that
 * does not match its checksums, a function of the checkout that cannot run), by class name: the
 * worker's interceptor (worker/interceptors.ts) reports them as non-retryable.
 */
export const MLEBENCH_NON_RETRYABLE_ERRORS: ReadonlySet<string> = new Set([
  'InvalidMleBenchCheckoutError',
  'CompetitionDataMissingError',
  'MleBenchChecksumMismatchError',
  'MleBenchPythonError',
  'MleBenchUnsafeFileError',
]);
