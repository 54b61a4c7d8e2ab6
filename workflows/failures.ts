/** Turns a Temporal failure chain into one readable line for a run's record. */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TemporalFailure, TimeoutFailure } from '@temporalio/workflow';
import type { ClaimedHost } from '../activities';

export function describeFailure(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  while (current instanceof Error) {
    if (current instanceof ActivityFailure) parts.push(`activity ${current.activityType} failed`);
    else if (current instanceof ChildWorkflowFailure) parts.push(`child ${current.execution?.workflowId ?? ''} failed`);
    else if (current instanceof ApplicationFailure) parts.push(current.type ? `${current.type}: ${current.message}` : current.message);
    else parts.push(current.message);
    current = current instanceof TemporalFailure ? current.cause : undefined;
  }
  // An error wrapped as non-retryable carries itself as its cause: say it once.
  const said = parts.filter((p, i) => p && !(i > 0 && parts[i - 1]!.endsWith(p)));
  return said.join(': ') || String(err);
}

/**
 * Why the agent step's failure means its host is gone (and the run should restart elsewhere), or
 * undefined when it is any other failure: no worker of the host took the step from its queue in
 * time, or every try on it ended in a heartbeat time-out (its worker kept dying).
 */
export function hostLostReason(err: unknown, host: ClaimedHost): string | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof TimeoutFailure)) return undefined;
  switch (err.cause.timeoutType) {
    case 'SCHEDULE_TO_START':
      return `no worker of host ${host.hostId} took the agent step from its task queue ${host.taskQueue} within ${host.deadAfterSecs} s`;
    case 'HEARTBEAT':
      return `every try of the agent step on host ${host.hostId} ended in a heartbeat time-out: its worker stopped answering`;
    default:
      return undefined;
  }
}
