/** The activity proxies of the workflows, one per option class of the contract (temporal/contract.ts). */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities, ClaimedHost } from '../activities';
import { ACTIVITY_OPTIONS } from '../temporal/contract';

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
