/**
 * Cross-cutting concerns of every activity, kept out of the activities themselves: a structured
 * log line per attempt, and the mapping of domain errors to retryable or not. Errors that no retry
 * can fix (bad input, unknown ids, tampered data) fail at once; everything else is retried with
 * the workflow's backoff.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { ZodError } from 'zod';
import { PermanentError } from '../core/errors';
import { HostFullError } from '../core/hosts/slots';
import { log } from '../core/log';
import { trustedDataPath, trustedGroupDir, trustedRunDir, UntrustedPathError } from '../core/artifacts/containment';
import type { HarnessPaths } from '../core/config';

/**
 * Errors that retrying cannot fix fail the activity at once: every PermanentError (core/errors.ts),
 * and a ZodError (input that does not parse now will not parse on a retry). The failure's `type` is
 * the error's name, its details a PermanentError's `details`.
 */
export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof ApplicationFailure) return err;
  if (!(err instanceof PermanentError || err instanceof ZodError)) return err;
  const type = err.name && err.name !== 'Error' ? err.name : err.constructor.name;
  const details = err instanceof PermanentError && err.details !== undefined ? { details: [err.details] } : {};
  return ApplicationFailure.create({ message: err.message, type, nonRetryable: true, cause: err, ...details });
}

/** Activities that heartbeat themselves, with details worth keeping (the agent's container, a prepare's progress). */
const SELF_HEARTBEATING = new Set(['runAgent', 'prepareData', 'prepareTechniqueData']);

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
        // A full host's refusal is a run waiting for a slot (retried every few seconds), not a failure.
        const waiting = err instanceof HostFullError;
        log[cancelled || waiting ? 'info' : 'warn'](
          {
            event: cancelled ? 'activity.cancelled' : waiting ? 'activity.waiting' : 'activity.failed',
            ...fields,
            ms: Date.now() - started,
            error: (err as Error).message,
            retryable: !(failure instanceof ApplicationFailure && failure.nonRetryable),
          },
          `${activityType} ${cancelled ? 'cancelled' : waiting ? 'waits' : 'failed'}`,
        );
        throw failure;
      } finally {
        clearInterval(keepAlive);
      }
    },
  },
});

/**
 * Paths in an activity's input, and where they must be: anyone who can start a workflow on the
 * Temporal server can give a `runDir` of /etc, and the worker runs as root.
 */
const PATH_FIELDS: Record<string, 'runDir' | 'groupDir' | 'data'> = { runDir: 'runDir', groupDir: 'groupDir', publicDataDir: 'data' };

/**
 * The path fields of an input, down to four levels of objects and arrays: deep enough for every
 * activity's input (`finalizeRunGroup`'s `plan.runs[i].runDir` is at the fourth).
 */
function pathFields(value: unknown, at: string, depth = 0): { field: string; kind: 'runDir' | 'groupDir' | 'data'; path: unknown }[] {
  if (value === null || typeof value !== 'object' || depth > 4) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => pathFields(v, `${at}[${i}]`, depth + 1));
  return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) => {
    const field = at ? `${at}.${key}` : key;
    const kind = PATH_FIELDS[key];
    if (kind && v !== undefined && v !== null) return [{ field, kind, path: v }];
    return pathFields(v, field, depth + 1);
  });
}

/**
 * Before any activity runs: every run folder, group folder and data path of its input is checked
 * to lie where the harness puts them (no symlink, no escape); a hostile input fails the step at
 * once (non-retryable, naming the field) and touches nothing.
 */
export function trustedInputInterceptors(paths: Pick<HarnessPaths, 'runsDir' | 'dataDir'>): ActivityInterceptorsFactory {
  return () => ({
    inbound: {
      async execute(input, next) {
        for (const { field, kind, path } of input.args.flatMap((arg) => pathFields(arg, ''))) {
          if (typeof path !== 'string') throw new UntrustedPathError(field, 'not a path');
          if (kind === 'runDir') await trustedRunDir(path, paths.runsDir, field);
          else if (kind === 'groupDir') await trustedGroupDir(path, paths.runsDir, field);
          else await trustedDataPath(path, paths.dataDir, field);
        }
        return next(input);
      },
    },
  });
}
