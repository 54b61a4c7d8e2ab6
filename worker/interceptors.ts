/**
 * Cross-cutting concerns of every activity, kept out of the activities themselves: a structured
 * log line per attempt, and the mapping of domain errors to retryable or not. Errors that no retry
 * can fix (bad input, unknown ids, tampered data) fail at once; everything else is retried with
 * the workflow's backoff.
 */
import { MLEBENCH_NON_RETRYABLE_ERRORS } from '../core/mlebench/errors';
import { ApplicationFailure } from '@temporalio/common';
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { log } from '../core/log';

/** Error class names (their `name`) that retrying cannot fix. */
export const NON_RETRYABLE_ERRORS = new Set([
  'InvalidRunOptionsError',
  'UnknownCompetitionError',
  'UnknownAgentError',
  'InvalidCompetitionConfigError',
  'AgentConfigError',
  'PreparedDataChangedError',
  'TechniqueNotApplicableError',
  'LlmGatewayUnavailableError',
  'GatewayConfigError',
  ...MLEBENCH_NON_RETRYABLE_ERRORS,
  'ZodError',
]);

export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof ApplicationFailure) return err;
  const type = err.name && err.name !== 'Error' ? err.name : err.constructor.name;
  if (NON_RETRYABLE_ERRORS.has(type)) return ApplicationFailure.create({ message: err.message, type, nonRetryable: true, cause: err });
  return err;
}

/** Activities that heartbeat themselves, with details worth keeping (the agent's container). */
const SELF_HEARTBEATING = new Set(['runAgent']);

/**
 * A worker that dies (SIGKILL, a lost machine) never reports its activities failed: the server
 * notices only when a heartbeat is missed, or at the start-to-close timeout (minutes for prepare
 * and grade). So every activity given a heartbeat timeout beats while it runs, and the next
 * worker takes the step over within that timeout.
 */
function keepAliveBeat(ctx: Context): NodeJS.Timeout | undefined {
  const { heartbeatTimeoutMs, activityType } = ctx.info;
  if (!heartbeatTimeoutMs || SELF_HEARTBEATING.has(activityType)) return undefined;
  ctx.heartbeat();
  return setInterval(() => ctx.heartbeat(), Math.max(500, heartbeatTimeoutMs / 4));
}

export const activityInterceptors: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      const { activityType, attempt, workflowExecution } = ctx.info;
      const fields = { activity: activityType, attempt, workflowId: workflowExecution?.workflowId };
      const started = Date.now();
      log.debug({ event: 'activity.started', ...fields }, `${activityType} started`);
      const keepAlive = keepAliveBeat(ctx);
      try {
        const result = await next(input);
        log.info({ event: 'activity.completed', ...fields, ms: Date.now() - started }, `${activityType} completed`);
        return result;
      } catch (err) {
        const failure = toActivityFailure(err);
        const cancelled = ctx.cancellationSignal.aborted;
        log[cancelled ? 'info' : 'warn'](
          {
            event: cancelled ? 'activity.cancelled' : 'activity.failed',
            ...fields,
            ms: Date.now() - started,
            error: (err as Error).message,
            retryable: !(failure instanceof ApplicationFailure && failure.nonRetryable),
          },
          `${activityType} ${cancelled ? 'cancelled' : 'failed'}`,
        );
        throw failure;
      } finally {
        clearInterval(keepAlive);
      }
    },
  },
});
