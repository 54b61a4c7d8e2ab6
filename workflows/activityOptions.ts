/** The activity proxies of the workflows, one per option class of the contract (temporal/contract.ts). */
import { patched, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities, ClaimedHost } from '../activities';
import { ACTIVITY_OPTIONS, PATCHES, TIMEOUTS, agentAttemptTimeoutMs, agentStepDeadlineMs, agentStepRetry } from '../temporal/contract';

export const { planRunGroup, finalizeRunGroup, persistArtifacts } = proxyActivities<Activities>(ACTIVITY_OPTIONS.persist);

export const { prepareData, prepareTechniqueData } = proxyActivities<Activities>(ACTIVITY_OPTIONS.prepare);

export const { gradeSubmission, gradeTechniqueSubmission } = proxyActivities<Activities>(ACTIVITY_OPTIONS.grade);

export const { claimHost, hostLiveness } = proxyActivities<Activities>(ACTIVITY_OPTIONS.claimHost);

export const { runAgent } = proxyActivities<Activities>(ACTIVITY_OPTIONS.agent);

/**
 * The agent step's options on a claimed host: its queue, and how long a try may wait there before
 * the host is suspected dead (ScheduleToStart; never retried on the same queue). Its slot is
 * reserved, so only a host whose worker is gone (or not polling) leaves it waiting.
 */
export function onHost(host: ClaimedHost) {
  return { taskQueue: host.taskQueue, scheduleToStartTimeout: host.deadAfterSecs * 1000 };
}

/**
 * The agent step's timeouts and retries for one run: each try may last the time limit and the
 * grace; the tries together are bounded by the run's deadline (ScheduleToClose), not counted,
 * unless the run option `infraAttempts` counts them. The heartbeat time-out is the claiming
 * worker's (MLEBENCH_AGENT_HEARTBEAT_SECS). Histories from before the deadline replay their
 * recorded options.
 */
export function agentStepOptions(run: { timeLimitSecs: number; infraAttempts?: number }, host: ClaimedHost | undefined): ActivityOptions {
  const retry = run.infraAttempts ? { retry: agentStepRetry(run.infraAttempts) } : {};
  const perTry = { startToCloseTimeout: agentAttemptTimeoutMs(run.timeLimitSecs), ...retry };
  if (!patched(PATCHES.agentStepDeadline)) return { ...perTry, ...(host ? onHost(host) : {}) };
  const heartbeatSecs = host?.agentHeartbeatSecs ?? TIMEOUTS.agentHeartbeatSecs;
  const deadAfterSecs = host?.deadAfterSecs ?? TIMEOUTS.hostDeadSecs;
  return {
    ...perTry,
    heartbeatTimeout: heartbeatSecs * 1000,
    scheduleToCloseTimeout: agentStepDeadlineMs(run.timeLimitSecs, { heartbeatSecs, deadAfterSecs }),
    ...(host ? onHost(host) : {}),
  };
}
