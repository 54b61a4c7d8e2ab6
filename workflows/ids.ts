/**
 * Every workflow id, task queue, search attribute and timeout class is defined here, once.
 * Pure: imported by workflows, activities and clients alike.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const TASK_QUEUE = 'mlebench';

/**
 * A Docker host's own task queue: the container steps of the runs it holds (`runAgent`: start,
 * re-attach, collect). Every worker polls `TASK_QUEUE` and the queue of its host.
 */
export function hostTaskQueue(hostId: string): string {
  return `${TASK_QUEUE}-host-${hostId}`;
}

/** Fresh starts on another host after the run's host was lost, before the run ends `infra_error`. */
export const MAX_HOST_RESTARTS = 3;

/** `patched()` ids: a workflow started before a change replays its recorded path. */
export const PATCHES = {
  /** The agent step runs on a claimed host's task queue, and a lost host restarts the run elsewhere. */
  hostQueues: 'host-task-queues',
} as const;

export const WORKFLOW_TYPES = { runGroup: 'runGroup', competitionRun: 'competitionRun', techniqueRun: 'techniqueRun' } as const;

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

/** `name=Type` pairs for `temporal server start-dev --search-attribute`. */
export const SEARCH_ATTRIBUTE_FLAGS = Object.values(SEARCH_ATTRIBUTES).map((key) => `${key.name}=${FLAG_TYPES[key.type]}`);

/** Activity timeout classes: short steps, and the agent step whose length comes from the run's time limit. */
export const TIMEOUTS = {
  /** Prepare may build a data set from scratch on a first run. */
  prepare: '30 minutes',
  grade: '10 minutes',
  persist: '2 minutes',
  /** A dead worker is noticed within this in the other steps; the worker's interceptor beats for them. */
  stepHeartbeat: '30 seconds',
  /** A dead worker is noticed within this; runAgent heartbeats every few seconds. */
  agentHeartbeat: '10 seconds',
  /** Added to the agent's time limit: image start, log flush, stop. */
  agentGraceSecs: 300,
  /**
   * A host whose task queue starts no agent step within this is dead: the run restarts on another
   * host. The claiming worker's `MLEBENCH_HOST_DEAD_SECS` overrides it.
   */
  hostDeadSecs: 180,
} as const;

/** `dummy-20261125-172233-k3f9`: readable, sortable by time, unique enough for one user. */
export function newRunGroupId(agentId: string, at: Date, randomSuffix: string): string {
  const stamp = at.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  return `${agentId.replace(/\//g, '-')}-${stamp}-${randomSuffix}`;
}

/** `<group-id>/<competition>/seed-<n>` */
export function competitionRunId(groupId: string, competitionId: string, seed: number): string {
  return `${groupId}/${competitionId}/seed-${seed}`;
}

/** `<group-id>/<task>/<competition>/seed-<n>`: one more segment than a competition run, so the two never clash. */
export function techniqueRunId(groupId: string, task: string, competitionId: string, seed: number): string {
  return `${groupId}/${task}/${competitionId}/seed-${seed}`;
}

/** The Web UI page of one workflow. */
export function webUiUrl(uiBase: string, namespace: string, workflowId: string): string {
  return `${uiBase.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
