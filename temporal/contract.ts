/**
 * The Temporal contract: every name and policy the workflows, the worker and the clients must agree
 * on — task queues, workflow types, queries, search attributes (and the dev server's flags for
 * them), activity timeout classes and retry policies, and `patched()` ids.
 *
 * It lives in temporal/, beside the connection and the dev server, not in workflows/: the domain
 * (core/) and the clients import it, and they must not import the workflows folder. It is bundled
 * into the workflow sandbox too, so it stays pure: values from `@temporalio/common` and
 * `@temporalio/workflow` only, types from anywhere (the workflow import rule of eslint.config.mjs
 * checks this file as well).
 */
import { defineSearchAttributeKey, SearchAttributeType, type ActivityOptions, type RetryPolicy } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import type { GroupProgress, RunPhase, RunPlacement } from '../core/runs/types';

export const TASK_QUEUE = 'mlebench';

/**
 * A Docker host's own task queue: the container steps of the runs it holds (`runAgent`: start,
 * re-attach, collect). Every worker polls `TASK_QUEUE` and the queue of its host.
 */
export function hostTaskQueue(hostId: string): string {
  return `${TASK_QUEUE}-host-${hostId}`;
}

export const WORKFLOW_TYPES = { runGroup: 'runGroup', competitionRun: 'competitionRun', techniqueRun: 'techniqueRun' } as const;

/** The workflows' queries: the workflows answer them (`setHandler`), the SDK asks them (`handle.query`). */
export const QUERIES = {
  /** A run group's live progress. */
  progress: defineQuery<GroupProgress>('progress'),
  /** A run's phase (preparing, running the agent, grading...). */
  phase: defineQuery<RunPhase>('phase'),
  /** Which container of a run is its current one (attempt, host): the reaper removes the others. */
  placement: defineQuery<RunPlacement>('placement'),
};

export const SEARCH_ATTRIBUTES = {
  agent: defineSearchAttributeKey('Agent', SearchAttributeType.KEYWORD),
  competition: defineSearchAttributeKey('Competition', SearchAttributeType.KEYWORD_LIST),
  runGroup: defineSearchAttributeKey('RunGroup', SearchAttributeType.KEYWORD),
  outcome: defineSearchAttributeKey('Outcome', SearchAttributeType.KEYWORD),
  techniqueTask: defineSearchAttributeKey('TechniqueTask', SearchAttributeType.KEYWORD),
  /** Who started the group (the REST API's user; "local" for the CLI and SDK). */
  owner: defineSearchAttributeKey('Owner', SearchAttributeType.KEYWORD),
} as const;

const FLAG_TYPES: Record<string, string> = { [SearchAttributeType.KEYWORD]: 'Keyword', [SearchAttributeType.KEYWORD_LIST]: 'KeywordList' };

/** `name=Type` pairs for `temporal server start-dev --search-attribute` (and compose's `temporal operator search-attribute create`). */
export const SEARCH_ATTRIBUTE_FLAGS = Object.values(SEARCH_ATTRIBUTES).map((key) => `${key.name}=${FLAG_TYPES[key.type]}`);

/** Activity timeout classes: short steps, and the agent step whose length comes from the run's time limit. */
export const TIMEOUTS = {
  /**
   * Prepare may build a large MLE-bench data set from scratch on a first run, or wait for another
   * worker building it; its heartbeats (stepHeartbeat) notice a dead worker long before this.
   */
  prepare: '12 hours',
  grade: '10 minutes',
  persist: '2 minutes',
  /** Any live worker answers at once; the minute covers a busy shared queue. */
  claimHost: '1 minute',
  /** A dead worker is noticed within this in the other steps; the worker's interceptor beats for them. */
  stepHeartbeat: '30 seconds',
  /**
   * A dead worker is noticed within this; runAgent heartbeats every few seconds. Comfortable for a
   * loaded machine (a missed beat costs a try, never the agent's work). The claiming worker's
   * `MLEBENCH_AGENT_HEARTBEAT_SECS` overrides it.
   */
  agentHeartbeatSecs: 45,
  /** Added to the agent's time limit: image start, log flush, stop. */
  agentGraceSecs: 300,
  /**
   * A host whose task queue starts no agent step within this is dead: the run restarts on another
   * host. The claiming worker's `MLEBENCH_HOST_DEAD_SECS` overrides it.
   */
  hostDeadSecs: 180,
} as const;

/**
 * Infrastructure hiccups (Docker restarting, a full disk cleared) are retried with backoff;
 * errors that retrying cannot fix are made non-retryable by the worker's interceptor.
 */
export const INFRA_RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 } as const;

/**
 * A claim of a full host is refused and tried again, with no limit: a run waits for a slot as long
 * as it must (no maximumAttempts), each retry answered by whichever worker polls (any host), and none
 * recorded in history.
 */
export const HOST_CLAIM_RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' } as const;

/** The agent step's longest wait between tries, in seconds (also part of its restart window). */
const AGENT_STEP_BACKOFF_CAP_SECS = 2;

/**
 * The agent step's retries: as many as its deadline allows (agentStepDeadlineMs), unless the run
 * option `infraAttempts` sets a count. Re-attaching is idempotent, so a try lost to a worker restart
 * or a missed heartbeat costs only the wait; the short cap makes a graceful shutdown's retry
 * re-attach within seconds of the next worker polling.
 */
export const AGENT_STEP_RETRY = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: AGENT_STEP_BACKOFF_CAP_SECS * 1000,
} as const;

/** Fresh starts on another host after the run's host was lost, before the run ends `infra_error`. */
export const MAX_HOST_RESTARTS = 3;

/** The activities' option classes (workflows/activityOptions.ts makes one proxy per class). */
export const ACTIVITY_OPTIONS = {
  /** planRunGroup, finalizeRunGroup, persistArtifacts. */
  persist: { startToCloseTimeout: TIMEOUTS.persist, heartbeatTimeout: TIMEOUTS.stepHeartbeat, retry: INFRA_RETRY },
  /** prepareData, prepareTechniqueData. */
  prepare: { startToCloseTimeout: TIMEOUTS.prepare, heartbeatTimeout: TIMEOUTS.stepHeartbeat, retry: INFRA_RETRY },
  /** gradeSubmission, gradeTechniqueSubmission. */
  grade: { startToCloseTimeout: TIMEOUTS.grade, heartbeatTimeout: TIMEOUTS.stepHeartbeat, retry: INFRA_RETRY },
  /** Which host runs the agent step (a slot on it), and whether a host still polls: answered by any live worker on the shared queue. */
  claimHost: { startToCloseTimeout: TIMEOUTS.claimHost, retry: HOST_CLAIM_RETRY },
  /** runAgent: its timeouts are set per call from the run's time limit (agentStepOptions in workflows/activityOptions.ts). */
  agent: {
    // Overridden per call; the proxy needs a value to be valid.
    startToCloseTimeout: '7 days',
    heartbeatTimeout: TIMEOUTS.agentHeartbeatSecs * 1000,
    // Wait until the container is really stopped before the run records `cancelled`.
    cancellationType: 'WAIT_CANCELLATION_COMPLETED',
    retry: AGENT_STEP_RETRY,
  },
} as const satisfies Record<string, ActivityOptions>;

/** The agent step's retry policy for a run that sets `infraAttempts`: the same backoff, that many tries. */
export function agentStepRetry(infraAttempts: number): RetryPolicy {
  return { ...AGENT_STEP_RETRY, maximumAttempts: infraAttempts };
}

/** One try of the agent step: the run's time limit and the grace for start and stop. */
export function agentAttemptTimeoutMs(timeLimitSecs: number): number {
  return (timeLimitSecs + TIMEOUTS.agentGraceSecs) * 1000;
}

/**
 * The whole agent step, every try included (its ScheduleToClose): the run's own deadline, not a
 * count of tries. The container keeps its own clock across re-attaches, so the tries add up to one
 * try's time (the time limit and the grace) plus at most one outage at the end: a worker dying at
 * the deadline is noticed within the heartbeat time-out, its retry waits at most the backoff cap,
 * and a host that does not come back is given up after `deadAfterSecs` (ScheduleToStart, which
 * restarts the run elsewhere); this window keeps the deadline from firing first.
 */
export function agentStepDeadlineMs(timeLimitSecs: number, clocks: { heartbeatSecs: number; deadAfterSecs: number }): number {
  const restartWindowSecs = clocks.heartbeatSecs + AGENT_STEP_BACKOFF_CAP_SECS + clocks.deadAfterSecs;
  return agentAttemptTimeoutMs(timeLimitSecs) + restartWindowSecs * 1000;
}

/** Failure types (an ApplicationFailure's `type`, the error's name) the workflows act on. */
export const FAILURE_TYPES = {
  /** The agent step found its run's started container gone with no saved result (core/sandbox/errors.ts). */
  containerVanished: 'AgentContainerVanishedError',
} as const;

/** `patched()` ids: a workflow started before a change replays its recorded path. */
export const PATCHES = {
  /** The agent step runs on a claimed host's task queue, and a lost host restarts the run elsewhere. */
  hostQueues: 'host-task-queues',
  /**
   * A child cancelled by itself ends its run `cancelled` and a child that cannot start its run
   * `infra_error` (children start with REJECT_DUPLICATE); the group goes on with the others.
   */
  runsEndAlone: 'runs-end-alone',
  /**
   * Each container of a run claims a slot on a host (an agent retry claims again), and an agent
   * step that no worker took asks whether the host still polls its queue before the host counts as lost.
   */
  hostSlots: 'host-slots',
  /** The agent step is bounded by the run's deadline (ScheduleToClose), not by a count of tries. */
  agentStepDeadline: 'agent-step-deadline',
} as const;
