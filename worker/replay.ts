/**
 * Replay before a deploy: the histories of a live server's recent workflows of our types, replayed
 * against the workflow code about to be deployed (a bundle, by default the one this build made).
 * Code that would take another path than a recorded history took fails here, with the workflow's
 * id and the event, instead of on the server after the deploy (a workflow task failing forever).
 */
import type { Client as TemporalClient, WorkflowExecutionInfo } from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import { Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { WORKFLOW_TYPES } from '../temporal/contract';
import { installRuntime, workflowCode } from './worker';

export interface ReplayOptions {
  /** Workflows running now, or closed less than this long ago (a Temporal duration: '24h', '90 minutes'). */
  since: string;
  /** At most this many workflows, in the server's order: the running ones first, then the most recently closed. */
  limit: number;
  /** The workflow code to check; default the worker's (the build's bundle, else the sources). */
  workflowBundle?: WorkflowBundleOption;
  /** The time `since` counts back from (now by default). */
  now?: Date;
}

export interface ReplayFailure {
  workflowType: string;
  workflowId: string;
  runId: string;
  /** Nondeterminism (the SDK's message names the event and the command) or another replay error. */
  kind: 'nondeterminism' | 'error';
  /** The SDK's message, whole. */
  message: string;
  /** Its gist: the core's own sentence (e.g. "Timer machine does not handle this event: HistoryEvent(id: 5, ActivityTaskScheduled)"). */
  detail: string;
  /** The history event the code disagreed with, when the SDK names it. */
  event?: { id: number; type: string };
}

export interface ReplayReport {
  query: string;
  /** Per workflow type: how many replayed, how many of those failed. */
  byType: Record<string, { replayed: number; failed: number }>;
  failures: ReplayFailure[];
}

/** The visibility query: our workflow types, running or closed since `since`. */
export function recentWorkflowsQuery(since: Date): string {
  const types = Object.values(WORKFLOW_TYPES)
    .map((t) => `WorkflowType = '${t}'`)
    .join(' OR ');
  return `(${types}) AND (ExecutionStatus = 'Running' OR CloseTime > '${since.toISOString()}')`;
}

/** The gist of a replay error's message and the history event it names (the SDK nests the core's sentence in a Rust debug dump). */
export function replayErrorDetail(message: string): Pick<ReplayFailure, 'detail' | 'event'> {
  const core = /Nondeterminism error: ([^"]*)/.exec(message)?.[1] ?? /message: "([^"]*)"/.exec(message)?.[1] ?? message;
  const event = /HistoryEvent\(id: (\d+), (\w+)\)/.exec(message);
  return { detail: core, ...(event ? { event: { id: Number(event[1]), type: event[2]! } } : {}) };
}

/** A `--since` value as milliseconds; a clear error for anything else. */
export function sinceMs(since: string): number {
  let ms: number;
  try {
    ms = msToNumber(since as Parameters<typeof msToNumber>[0]);
  } catch {
    ms = NaN;
  }
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`--since: "${since}" is not a duration (e.g. 24h, 90m, 7 days)`);
  return ms;
}

export async function replayRecentWorkflows(client: TemporalClient, options: ReplayOptions): Promise<ReplayReport> {
  const since = new Date((options.now ?? new Date()).getTime() - sinceMs(options.since));
  const query = recentWorkflowsQuery(since);
  const infos: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query })) {
    if (infos.length >= options.limit) break;
    infos.push(info);
  }
  const byType: ReplayReport['byType'] = Object.fromEntries(Object.values(WORKFLOW_TYPES).map((t) => [t, { replayed: 0, failed: 0 }]));
  const typeOf = new Map(infos.map((i) => [i.runId, i.type]));
  const failures: ReplayFailure[] = [];
  if (!infos.length) return { query, byType, failures };

  async function* histories() {
    for (const info of infos) {
      yield { workflowId: info.workflowId, history: await client.workflow.getHandle(info.workflowId, info.runId).fetchHistory() };
    }
  }
  // The replay worker's SDK logs go through the harness's log, as a worker's do.
  installRuntime();
  for await (const result of Worker.runReplayHistories(workflowCode(options.workflowBundle), histories())) {
    const workflowType = typeOf.get(result.runId) ?? 'unknown';
    const counts = (byType[workflowType] ??= { replayed: 0, failed: 0 });
    counts.replayed++;
    if (!result.error) continue;
    counts.failed++;
    failures.push({
      workflowType,
      workflowId: result.workflowId,
      runId: result.runId,
      kind: result.error.name === 'DeterminismViolationError' ? 'nondeterminism' : 'error',
      message: result.error.message,
      ...replayErrorDetail(result.error.message),
    });
  }
  return { query, byType, failures };
}
