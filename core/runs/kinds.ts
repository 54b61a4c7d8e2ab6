/**
 * The one decision of which kind a run or a group is, and the defaults for records written before
 * kinds existed (run.json files, workflow histories and results without `kind`). Pure and free of
 * Node built-ins: the workflows use it too.
 */
import type { RunOptions } from '../options';
import type { RunGroupResult, RunKind, RunResult } from './types';

/** A group runs technique tasks when its options say so; every other group runs competitions. */
export function runKindOf(options: Pick<RunOptions, 'techniqueTasks'>): RunKind {
  return options.techniqueTasks ? 'technique' : 'competition';
}

/** Before kinds, a technique run was the one with a task. */
type Unkinded<T> = T extends unknown ? Omit<T, 'kind'> & { kind?: RunKind } : never;

function kindOfLegacy(r: { kind?: RunKind; task?: unknown }): RunKind {
  return r.kind ?? (r.task !== undefined ? 'technique' : 'competition');
}

/** A run record as read back (run.json, a child's result): its kind, defaulted for old records. */
export function withRunKind(record: Unkinded<RunResult>): RunResult {
  if (record.kind) return record as RunResult;
  return { ...record, kind: kindOfLegacy(record) } as RunResult;
}

/** A group's result as recorded: before kinds, a group with a technique run or a skipped pair was a technique group. */
export function groupKindOf(result: Pick<RunGroupResult, 'kind' | 'skipped'> & { runs?: readonly object[] }): RunKind {
  if (result.kind) return result.kind;
  const hasTask = (r: object) => 'task' in r && r.task !== undefined;
  return (result.runs ?? []).some(hasTask) || (result.skipped?.length ?? 0) > 0 ? 'technique' : 'competition';
}
