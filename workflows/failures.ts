/**
 * A Temporal failure's cause chain, one readable line a link (outermost first): the one walk behind a
 * run's recorded reason (describeFailure) and what a person is told of a failed group
 * (client/failure.ts). Pure, so workflows and clients share it.
 */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TimeoutFailure } from '@temporalio/common';
import type { ClaimedHost } from '../activities';
import type { VanishedContainer } from '../core/runs/types';
import { FAILURE_TYPES } from '../temporal/contract';

export interface FailureChain {
  /** Outermost first; an error made non-retryable carries itself as its cause and is said once. */
  lines: string[];
  /** The innermost ApplicationFailure type (the harness error's class name), when there is one. */
  type: string | null;
  timedOut: boolean;
}

function lineOf(failure: Error): string {
  if (failure instanceof ActivityFailure) return `activity ${failure.activityType} failed`;
  if (failure instanceof ChildWorkflowFailure) return `child workflow ${failure.execution?.workflowId ?? ''} failed`;
  if (failure instanceof ApplicationFailure && failure.type) return `${failure.type}: ${failure.message}`;
  if (failure instanceof TimeoutFailure) return `timed out (${failure.timeoutType})`;
  return failure.message;
}

export function failureChain(err: unknown): FailureChain {
  const lines: string[] = [];
  let type: string | null = null;
  let timedOut = false;
  for (let current: unknown = err; current instanceof Error; current = current.cause) {
    const said = lineOf(current);
    if (said && !lines.at(-1)?.endsWith(said)) lines.push(said);
    if (current instanceof ApplicationFailure && current.type) type = current.type;
    if (current instanceof TimeoutFailure) timedOut = true;
  }
  if (lines.length === 0) lines.push(String(err));
  return { lines, type, timedOut };
}

/** The chain as one line, for a run's record. */
export function describeFailure(err: unknown): string {
  return failureChain(err).lines.join(': ');
}

/** No worker of the host took the agent step from its queue in time (its ScheduleToStart time-out). */
export function noWorkerTookStep(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === 'SCHEDULE_TO_START';
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

/** The run's container that disappeared unwatched, when that is what ended the agent step (AgentContainerVanishedError's details). */
export function vanishedContainerOf(err: unknown): VanishedContainer | undefined {
  for (let current: unknown = err; current instanceof Error; current = current.cause) {
    if (current instanceof ApplicationFailure && current.type === FAILURE_TYPES.containerVanished) {
      return current.details?.[0] as VanishedContainer | undefined;
    }
  }
  return undefined;
}
