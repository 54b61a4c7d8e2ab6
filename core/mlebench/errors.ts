/**
 * The MLE-bench errors that no retry can fix (a broken checkout, missing raw data, data that
 * does not match its checksums, a function of the checkout that cannot run), by class name, for
 * the activities to report as non-retryable.
 */
export const MLEBENCH_NON_RETRYABLE_ERRORS: ReadonlySet<string> = new Set([
  'InvalidMleBenchCheckoutError',
  'CompetitionDataMissingError',
  'MleBenchChecksumMismatchError',
  'MleBenchPythonError',
]);

export function isNonRetryableMleBenchError(err: unknown): err is Error {
  return err instanceof Error && MLEBENCH_NON_RETRYABLE_ERRORS.has(err.name);
}
