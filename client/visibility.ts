/**
 * Reading run groups back from Temporal's visibility store, for the SDK's paged listing: the
 * query and its values (only what ids are made of, so a caller cannot extend the query), and a
 * listed execution's memo, times and status as a group's status.
 */
import type { WorkflowExecutionStatusName } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal, type google } from '@temporalio/proto';
import { InvalidRunOptionsError } from '../core/options';
import { SEARCH_ATTRIBUTES, WORKFLOW_TYPES } from '../temporal/contract';
import type { ListRunsOptions, RunGroupStatus } from './sdkTypes';

/** What the memo of a group holds (the plan adds groupDir). */
export interface GroupMemo {
  groupDir?: string;
  agentId?: string;
  owner?: string;
  containers?: number;
  llmDollars?: number | null;
  /** An agent from git: its repository, the ref asked for and the commit pinned for every run. */
  agentGit?: { url: string; ref: string; commit: string; subfolder?: string };
  /** The REST request that started the group (client/server/payload.ts seedRequestOf). */
  request?: Record<string, unknown>;
}

/** A value in a visibility query: only what ids are made of, so a caller cannot extend the query. */
export function visibilityString(value: string, field: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/@-]{0,199}$/.test(value))
    throw new InvalidRunOptionsError([{ field, reason: 'not an id (letters, digits, . _ / @ -)' }], 'listing');
  return `'${value}'`;
}

export function memoOf(fields: Record<string, temporal.api.common.v1.IPayload> | null | undefined): GroupMemo {
  const memo: Record<string, unknown> = {};
  for (const [key, payload] of Object.entries(fields ?? {})) {
    try {
      memo[key] = defaultPayloadConverter.fromPayload(payload);
    } catch {
      // a memo field of another shape (a group started by hand): left out
    }
  }
  return memo;
}

export function timestampDate(t: google.protobuf.ITimestamp | null | undefined): Date | null {
  if (!t || t.seconds === undefined || t.seconds === null) return null;
  return new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6));
}

export function statusName(status: temporal.api.enums.v1.WorkflowExecutionStatus | null | undefined): WorkflowExecutionStatusName {
  const name = temporal.api.enums.v1.WorkflowExecutionStatus[status ?? 0] ?? 'UNSPECIFIED';
  return name.replace('WORKFLOW_EXECUTION_STATUS_', '') as WorkflowExecutionStatusName;
}

/** The visibility query of a run-group listing: run groups only, with the caller's filters as checked values. */
export function runGroupListQuery(opts: ListRunsOptions): string {
  const clauses = [`WorkflowType = '${WORKFLOW_TYPES.runGroup}'`];
  if (opts.agentId !== undefined) clauses.push(`Agent = ${visibilityString(opts.agentId, 'agentId')}`);
  if (opts.owner !== undefined) clauses.push(`${SEARCH_ATTRIBUTES.owner.name} = ${visibilityString(opts.owner, 'owner')}`);
  if (opts.running) clauses.push(`ExecutionStatus = 'Running'`);
  if (opts.startedAfter) clauses.push(`StartTime > '${opts.startedAfter.toISOString()}'`);
  return clauses.join(' AND ');
}

/** A listed execution as a group's status, from its memo alone (progress is asked for separately). */
export function listedGroup(e: temporal.api.workflow.v1.IWorkflowExecutionInfo, webUiUrl: (id: string) => string | null): RunGroupStatus {
  const memo = memoOf(e.memo?.fields);
  const id = e.execution?.workflowId ?? '';
  return {
    id,
    owner: memo.owner ?? null,
    status: statusName(e.status),
    agentId: memo.agentId ?? null,
    startTime: timestampDate(e.startTime) ?? new Date(0),
    closeTime: timestampDate(e.closeTime),
    groupDir: memo.groupDir ?? null,
    request: memo.request ?? null,
    progress: null,
    webUiUrl: webUiUrl(id),
    containers: memo.containers ?? null,
    llmDollars: memo.llmDollars ?? null,
  };
}
