/** The activity proxies of the workflows, with their timeout and retry classes (from ids.ts). */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities, ClaimedHost } from '../activities';
import { TIMEOUTS } from './ids';

/**
 * Infrastructure hiccups (Docker restarting, a full disk cleared) are retried with backoff;
 * errors that retrying cannot fix are made non-retryable by the worker's interceptor.
 */
const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 };

export const { planRunGroup, finalizeRunGroup, persistArtifacts } = proxyActivities<Activities>({
  startToCloseTimeout: TIMEOUTS.persist,
  heartbeatTimeout: TIMEOUTS.stepHeartbeat,
  retry,
});

export const { prepareData, prepareTechniqueData } = proxyActivities<Activities>({
  startToCloseTimeout: TIMEOUTS.prepare,
  heartbeatTimeout: TIMEOUTS.stepHeartbeat,
  retry,
});

export const { gradeSubmission, gradeTechniqueSubmission } = proxyActivities<Activities>({
  startToCloseTimeout: TIMEOUTS.grade,
  heartbeatTimeout: TIMEOUTS.stepHeartbeat,
  retry,
});

/** Which host runs the agent step: answered by any live worker on the shared queue. */
export const { claimHost } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry,
});

/**
 * The agent step's options on a claimed host: its queue, and how long a try may wait there before
 * the host counts as dead (ScheduleToStart; never retried on the same queue).
 */
export function onHost(host: ClaimedHost) {
  return { taskQueue: host.taskQueue, scheduleToStartTimeout: host.deadAfterSecs * 1000 };
}

/** Tries of the agent step on infrastructure failures, unless the run option `infraAttempts` says otherwise. */
export const AGENT_STEP_ATTEMPTS = 10;

/** The agent step: its per-attempt timeout is set per call from the run's time limit. */
export const { runAgent } = proxyActivities<Activities>({
  // Overridden per call by agentAttemptTimeoutMs; the proxy needs a value to be valid.
  startToCloseTimeout: '7 days',
  heartbeatTimeout: TIMEOUTS.agentHeartbeat,
  // Wait until the container is really stopped before the run records `cancelled`.
  cancellationType: 'WAIT_CANCELLATION_COMPLETED',
  retry: { ...retry, maximumAttempts: AGENT_STEP_ATTEMPTS },
});

/** The agent step's retry policy for a run that sets `infraAttempts`: the same backoff, that many tries. */
export function agentStepRetry(infraAttempts: number) {
  return { ...retry, maximumAttempts: infraAttempts };
}

export function agentAttemptTimeoutMs(timeLimitSecs: number): number {
  return (timeLimitSecs + TIMEOUTS.agentGraceSecs) * 1000;
}
