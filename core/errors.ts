/**
 * Errors that no retry can fix (bad input, unknown ids, a broken checkout, tampered data): the
 * user's to fix. A class says so by extending PermanentError; the worker's interceptor
 * (worker/interceptors.ts) then fails the activity at once, as a non-retryable ApplicationFailure
 * whose `type` is the error's `name` (clients match on those names, so each subclass keeps its own).
 * Every other error is retried with the workflow's backoff. A subclass's `details` (plain data)
 * travel with the failure, for the workflow to record.
 */
export class PermanentError extends Error {
  readonly details?: unknown;

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    // The concrete class's name, for a subclass that does not set its own.
    this.name = new.target.name;
  }
}
