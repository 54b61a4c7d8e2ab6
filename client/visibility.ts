/**
 * Reading run groups back from Temporal's visibility store, for the SDK's paged listing: the
 * query's values (only what ids are made of, so a caller cannot extend the query) and the raw
 * listing's memo, times and statuses.
 */
import type { WorkflowExecutionStatusName } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal, type google } from '@temporalio/proto';
import { InvalidRunOptionsError } from '../core/options';

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
