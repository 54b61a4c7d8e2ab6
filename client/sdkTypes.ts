/**
 * What the SDK's Client takes and returns: its options, a run group's status and summary, what a
 * group asks before it starts, and the listing's options. Kept apart from the Client's Temporal calls.
 */
import type { LlmTotals } from '../core/runs/llmTotals';
import type { WorkflowExecutionStatusName } from '@temporalio/client';
import type { GradingReport } from '../core/grading/report';
import type { TechniqueGradesReport } from '../core/techniques/report';
import type { GroupProgress, RunGroupResult, RunKind, RunResult } from '../core/runs/types';
import type { FailureExplanation } from './failure';

export interface ClientOptions {
  /** host:port of the Temporal frontend; TEMPORAL_ADDRESS or localhost:7233 by default. */
  address?: string;
  namespace?: string;
  taskQueue?: string;
  /** Base URL of the Temporal Web UI, for links. */
  uiUrl?: string | null;
}

export interface RunGroupStatus {
  id: string;
  /** Who started it (the REST API's user; "local" for the CLI and SDK; null before owners were recorded). */
  owner: string | null;
  /** Temporal's status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT... */
  status: WorkflowExecutionStatusName;
  agentId: string | null;
  startTime: Date;
  closeTime: Date | null;
  groupDir: string | null;
  progress: GroupProgress | null;
  webUiUrl: string | null;
  /** The REST request that started it, its defaults filled in (memo; null for groups started otherwise). */
  request: Record<string, unknown> | null;
  /** From the memo (listings only): the group's agent containers at once and its most LLM dollars. */
  containers?: number | null;
  llmDollars?: number | null;
}

/** A closed group's result with every run's record (read from the group's folder). */
export interface CompletedRunGroup extends RunGroupResult {
  runs: RunResult[];
}

export interface RunGroupSummary {
  id: string;
  status: WorkflowExecutionStatusName;
  groupDir: string | null;
  /** Which kind of runs the group has (competition before completion, when not known). */
  kind: RunKind;
  /** Competition runs' report (MLE-bench's fields); null for a technique group or before completion. */
  gradingReport: GradingReport | null;
  /** Technique runs' grades with their criteria; null for a competition group or before completion. */
  techniqueGrades: TechniqueGradesReport | null;
  runs: RunResult[];
  /** The group's LLM use (requests, tokens, dollars); null when its agent calls no LLM. */
  llmTotals: LlmTotals | null;
  /** Why the group failed, when it did: its root cause (e.g. invalid input given through the Temporal CLI). */
  error?: string;
  /** The failure's cause chain and what to do (client/failure.ts), when it failed. */
  failure?: FailureExplanation;
}

/** What a group will ask of the machine and the LLM budget, known before it starts. */
export interface GroupAdmission {
  agentId: string;
  llmAgent: boolean;
  /** Planned runs (technique groups: an upper bound, every task × competition × seed). */
  runs: number;
  /** Agent containers at once: maxParallel, never more than the runs. */
  containers: number;
  /** The most the group's LLM calls may cost: runs × the per-run dollar budget; null when unbounded. */
  llmDollars: number | null;
}

export interface RunGroupStartOptions {
  groupId?: string;
  /** Recorded in the memo and the Owner search attribute (default "local"). */
  owner?: string;
  /** Called with what the group will ask before it starts; throw to refuse it. */
  admit?: (group: GroupAdmission) => Promise<void>;
  /** The REST request that asks for it, kept in the memo for the seed's run record. */
  request?: Record<string, unknown>;
}

export interface WaitOptions {
  /** Called whenever the group's progress changes (its rows' phases are the parent's: pending, running, done). */
  onProgress?: (progress: GroupProgress) => void;
  /** How often the progress is asked: `MLEBENCH_PROGRESS_POLL_SECS` seconds, else 5 s. */
  pollIntervalMs?: number;
}

/** The owner of groups started by the CLI, the SDK or the REST API without tokens. */
export const LOCAL_OWNER = 'local';
/** Most groups one page of `listRunsPage` holds. */
export const MAX_PAGE = 1000;

export interface ListRunsOptions {
  limit?: number;
  agentId?: string;
  owner?: string;
  /** Only groups still running. */
  running?: boolean;
  startedAfter?: Date;
  /** From the previous page's `nextPageToken`. */
  pageToken?: string;
  /**
   * Ask each running group of the page for its progress (a query each, a few at once, one short
   * deadline): what says whether a group is still queued or has a run under way. Without it a
   * listed group's `progress` is null.
   */
  liveProgress?: boolean;
}
