/**
 * The TypeScript SDK: the seed system's verbs (`run`, `waitForCompletion`, `getRun`,
 * `getRunSummary`, `listRuns`, `cancel`) over a Temporal client. It keeps no state of its own:
 * everything comes from Temporal (workflow status, the `progress` query, the result).
 */
import {
  Client as TemporalClient,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
  type WorkflowExecutionStatusName,
  type WorkflowHandle,
} from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { parseRunOptions, type RunOptionsInput } from '../core/options';
import { harnessPaths, useEnvironment } from '../core/config';
import { explainFailure, type FailureExplanation } from './failure';
import { groupAdmission, progressOf, runRecordsOf } from './groupDerived';
import { configureLogUnlessChosen, logSettings } from '../core/log';
import { resolveRunRequest } from '../core/runs/plan';
import { pinRunOptions } from '../core/agents/gitAgent';
import type { GroupProgress, RunGroupResult } from '../core/runs/types';
import { groupKindOf } from '../core/runs/kinds';
import { summarizeGroup } from '../core/runs/summary';
import { ungradedReports } from '../core/artifacts/records';
import { newRunGroupId } from '../core/runs/ids';
import {
  datasetFiltersSchema,
  datasetGroupDirs,
  exportDataset,
  queryGroups,
  type DatasetFilters,
  type ExportOptions,
  type ExportResult,
  type QueryLimits,
  type QueryResult,
} from '../core/dataset';
import { QUERIES, SEARCH_ATTRIBUTES, TASK_QUEUE, WORKFLOW_TYPES } from '../temporal/contract';
import { configuredTarget, connectClient } from '../temporal/connection';
import { listedGroup, runGroupListQuery, type GroupMemo } from './visibility';
import {
  LOCAL_OWNER,
  MAX_PAGE,
  type ClientOptions,
  type CompletedRunGroup,
  type ListRunsOptions,
  type RunGroupStartOptions,
  type RunGroupStatus,
  type RunGroupSummary,
  type WaitOptions,
} from './sdkTypes';

export * from './sdkTypes';

/** A waiting client's tick when neither the caller nor `MLEBENCH_PROGRESS_POLL_SECS` says. */
export const DEFAULT_POLL_INTERVAL_MS = 5000;
/** A listing's progress queries (ListRunsOptions.liveProgress): how many at once, and the deadline of them all. */
const LIVE_PROGRESS_QUERIES = 8;
const LIVE_PROGRESS_DEADLINE_MS = 3000;

/** `MLEBENCH_PROGRESS_POLL_SECS` (seconds > 0, fractions allowed), else DEFAULT_POLL_INTERVAL_MS. */
export function progressPollIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MLEBENCH_PROGRESS_POLL_SECS;
  if (raw === undefined || raw === '') return DEFAULT_POLL_INTERVAL_MS;
  const secs = Number(raw);
  if (!Number.isFinite(secs) || secs <= 0) throw new Error(`MLEBENCH_PROGRESS_POLL_SECS must be a number of seconds > 0, not "${raw}"`);
  return secs * 1000;
}

export class Client {
  readonly address: string;
  readonly namespace: string;
  private readonly taskQueue: string;
  private readonly uiUrl: string | null;
  private temporal?: Promise<TemporalClient>;
  private grpc?: Promise<Connection>;

  constructor(options: ClientOptions = {}) {
    // The SDK is an entry point: core/ sees the process's environment through this (core/config.ts).
    useEnvironment(process.env);
    // A program using the SDK logs JSON at MLEBENCH_LOG_LEVEL; the CLI, which also makes Clients, chose already.
    configureLogUnlessChosen(logSettings(process.env, { terminal: false }));
    const target = configuredTarget();
    this.address = options.address ?? target.address;
    this.namespace = options.namespace ?? target.namespace;
    this.taskQueue = options.taskQueue ?? TASK_QUEUE;
    this.uiUrl = options.uiUrl === undefined ? target.uiUrl : options.uiUrl;
  }

  /** The underlying Temporal client (connected on first use). */
  workflowClient(): Promise<TemporalClient> {
    this.temporal ??= this.connection().then((connection) => new TemporalClient({ connection, namespace: this.namespace }));
    return this.temporal;
  }

  /** The gRPC connection (for operator and task-queue calls), with the environment's TLS and API key (TEMPORAL_TLS_*, TEMPORAL_API_KEY). */
  connection(): Promise<Connection> {
    this.grpc ??= connectClient(this.address);
    return this.grpc;
  }

  /**
   * Validates the options (unknown ids, unknown split, bad numbers fail here) and starts the group;
   * an agent from git (`agentGit`) has its ref pinned to a commit first, which every run uses.
   */
  async run(input: RunOptionsInput, opts: RunGroupStartOptions = {}): Promise<string> {
    const options = await pinRunOptions(parseRunOptions(input));
    const resolved = await resolveRunRequest(options, harnessPaths());
    const { competitionIds } = resolved;
    const admission = groupAdmission(options, resolved);
    await opts.admit?.(admission);
    const owner = opts.owner ?? LOCAL_OWNER;
    const client = await this.workflowClient();
    const memo: GroupMemo = {
      agentId: options.agentId,
      ...(resolved.agentGit ? { agentGit: resolved.agentGit } : {}),
      owner,
      containers: admission.containers,
      llmDollars: admission.llmDollars,
      ...(opts.request ? { request: opts.request } : {}),
    };
    const start = (groupId: string) =>
      client.workflow.start(WORKFLOW_TYPES.runGroup, {
        workflowId: groupId,
        // A group id names one group for good: reused, it would re-run the old group's child ids.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        taskQueue: this.taskQueue,
        args: [options],
        memo: { ...memo },
        staticSummary: `${options.agentId} on ${competitionIds.length} competition(s) × ${options.nSeeds} seed(s)`,
        staticDetails: options.notes,
        typedSearchAttributes: [
          { key: SEARCH_ATTRIBUTES.agent, value: options.agentId },
          { key: SEARCH_ATTRIBUTES.runGroup, value: groupId },
          { key: SEARCH_ATTRIBUTES.competition, value: competitionIds },
          { key: SEARCH_ATTRIBUTES.owner, value: owner },
        ],
      });
    for (let tries = 1; ; tries++) {
      const groupId = opts.groupId ?? newRunGroupId(options.agentId, new Date(), randomBytes(2).toString('hex'));
      try {
        await start(groupId);
        return groupId;
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        // A generated id that clashed (same agent, same second, same suffix): draw another.
        if (opts.groupId !== undefined || tries >= 3) throw new RunGroupIdTakenError(groupId);
      }
    }
  }

  /**
   * Resolves with the group's result once it closes, with every run's record read from its folder
   * (the workflow's result carries counts and the folder only); rejects if it failed or was cancelled.
   */
  async waitForCompletion(id: string, opts: WaitOptions = {}): Promise<CompletedRunGroup> {
    const ended = await this.waitForResult(id, opts);
    return { ...ended, runs: await runRecordsOf(ended) };
  }

  /**
   * The result is one long poll on the parent's history. With `onProgress`, each tick also asks
   * the parent's `progress` query, one call whatever the group's size: a query per running child
   * (their `phase`) was hundreds of calls a second for a group of hundreds of runs.
   */
  private async waitForResult(id: string, opts: WaitOptions): Promise<RunGroupResult> {
    const client = await this.workflowClient();
    const handle = client.workflow.getHandle<(input: unknown) => Promise<RunGroupResult>>(id);
    const result = handle.result();
    if (!opts.onProgress) return result;
    const intervalMs = opts.pollIntervalMs ?? progressPollIntervalMs();
    let finished = false;
    void result.then(
      () => (finished = true),
      () => (finished = true),
    );
    let last = '';
    while (!finished) {
      const progress = await this.progress(id).catch(() => null);
      if (progress) {
        const key = JSON.stringify(progress);
        if (key !== last) {
          last = key;
          opts.onProgress(progress);
        }
      }
      await Promise.race([result.catch(() => undefined), delay(intervalMs)]);
    }
    return result;
  }

  /** A group's status; `progress: false` skips the progress query (which needs a worker to answer). */
  async getRun(id: string, opts: { progress?: boolean } = {}): Promise<RunGroupStatus> {
    const client = await this.workflowClient();
    const handle = client.workflow.getHandle<(input: unknown) => Promise<RunGroupResult>>(id);
    const description = await runGroupDescription(handle, id);
    const progress = opts.progress === false ? null : await this.closedOrLiveProgress(id, description.status.name);
    const memo = (description.memo ?? {}) as GroupMemo;
    return {
      id,
      owner: memo.owner ?? null,
      status: description.status.name,
      agentId: memo.agentId ?? progress?.agentId ?? null,
      startTime: description.startTime,
      closeTime: description.closeTime ?? null,
      groupDir: memo.groupDir ?? progress?.groupDir ?? null,
      request: memo.request ?? null,
      progress,
      webUiUrl: this.webUiUrl(id),
    };
  }

  /** Why a failed group failed (its cause chain, root and what to do); null when it has not failed. */
  async getFailure(id: string): Promise<FailureExplanation | null> {
    const client = await this.workflowClient();
    const handle = client.workflow.getHandle<(input: unknown) => Promise<RunGroupResult>>(id);
    if ((await handle.describe()).status.name !== 'FAILED') return null;
    return handle.result().then(
      () => null,
      (err: unknown) => explainFailure(err),
    );
  }

  async getRunSummary(id: string): Promise<RunGroupSummary> {
    const client = await this.workflowClient();
    const handle = client.workflow.getHandle<(input: unknown) => Promise<RunGroupResult>>(id);
    const description = await runGroupDescription(handle, id);
    const memo = (description.memo ?? {}) as { groupDir?: string };
    if (description.status.name === 'COMPLETED') {
      const result = await handle.result();
      const kind = groupKindOf(result);
      const runs = await runRecordsOf(result);
      // The same function as the group's own grading_report.json, over the same records.
      const summary = summarizeGroup({ kind, skipped: result.skipped }, runs, {
        createdAt: new Date().toISOString(),
        ungraded: await ungradedReports(runs),
      });
      return {
        id,
        status: 'COMPLETED',
        groupDir: result.groupDir,
        kind,
        gradingReport: summary.gradingReport,
        techniqueGrades: summary.techniqueGrades,
        runs,
        llmTotals: summary.llmTotals,
      };
    }
    const failure = description.status.name === 'FAILED' ? await this.getFailure(id) : null;
    return {
      id,
      status: description.status.name,
      groupDir: memo.groupDir ?? null,
      kind: 'competition',
      gradingReport: null,
      techniqueGrades: null,
      runs: [],
      llmTotals: null,
      ...(failure ? { error: failure.message, failure } : {}),
    };
  }

  /** Run groups, newest first (the first page of `listRunsPage`). */
  async listRuns(opts: ListRunsOptions = {}): Promise<RunGroupStatus[]> {
    return (await this.listRunsPage(opts)).groups;
  }

  /**
   * One page of run groups, newest first, and the token of the next (null at the end): each
   * call costs one page of Temporal's visibility, however many groups there are.
   */
  async listRunsPage(opts: ListRunsOptions = {}): Promise<{ groups: RunGroupStatus[]; nextPageToken: string | null }> {
    const client = await this.workflowClient();
    const page = await client.workflowService.listWorkflowExecutions({
      namespace: this.namespace,
      query: runGroupListQuery(opts),
      pageSize: Math.min(Math.max(opts.limit ?? 50, 1), MAX_PAGE),
      nextPageToken: opts.pageToken ? Buffer.from(opts.pageToken, 'base64url') : undefined,
    });
    const groups = (page.executions ?? []).map((e) => listedGroup(e, (id) => this.webUiUrl(id)));
    if (opts.liveProgress) await this.addLiveProgress(groups);
    const token = page.nextPageToken && page.nextPageToken.length > 0 ? Buffer.from(page.nextPageToken).toString('base64url') : null;
    return { groups, nextPageToken: token };
  }

  /**
   * Cancels a run group or one run. A group: its runs stop their containers and end cancelled, then
   * the group writes its reports and ends cancelled. A run (`<group-id>/<competition>/seed-<n>`):
   * it stops its container and ends cancelled, and its group goes on with the others.
   */
  async cancel(id: string): Promise<CancelledTarget> {
    const client = await this.workflowClient();
    const handle = client.workflow.getHandle(id);
    const description = await handle.describe();
    const target = CANCEL_TARGETS[description.type];
    if (!target) throw new WorkflowNotFoundError(`${id} is a ${description.type} workflow, neither a run group nor a run`, id, undefined);
    if (description.status.name !== 'RUNNING')
      throw new Error(`${target} ${id} has already ended (${description.status.name.toLowerCase()})`);
    await handle.cancel();
    return target;
  }

  /**
   * Run groups (folders, or group ids of the runs folder) as a dataset in `outDir`: tables runs,
   * llm_calls and files in parquet or jsonl with a dataset card (docs/datasets.md). Reads the
   * folders only: no Temporal server is needed.
   */
  async exportDataset(groups: string[], outDir: string, opts: ExportOptions = {}): Promise<ExportResult> {
    const dirs = await datasetGroupDirs(groups, harnessPaths().runsDir);
    return exportDataset(dirs, outDir, { ...opts, filters: datasetFiltersSchema.parse(opts.filters ?? {}) });
  }

  /** SQL (DuckDB) over the dataset's tables of every group of the runs folder, or of `groups`; reads the folders only. */
  async query(
    sql: string,
    opts: { groups?: string[]; filters?: DatasetFilters; limits?: Partial<QueryLimits> } = {},
  ): Promise<QueryResult> {
    const dirs = await datasetGroupDirs(opts.groups, harnessPaths().runsDir);
    return queryGroups(dirs, sql, { filters: datasetFiltersSchema.parse(opts.filters ?? {}), limits: opts.limits });
  }

  async close(): Promise<void> {
    if (this.grpc) await (await this.grpc).close();
  }

  webUiUrl(id: string): string | null {
    return this.uiUrl ? webUiUrl(this.uiUrl, this.namespace, id) : null;
  }

  /**
   * Running groups' progress, LIVE_PROGRESS_QUERIES queries at a time, all within one deadline so a
   * page of groups whose workers are down costs the listing seconds, not seconds per group; a group
   * not asked or not answering in time keeps null.
   */
  private async addLiveProgress(groups: RunGroupStatus[]): Promise<void> {
    const client = await this.workflowClient();
    const live = groups.filter((g) => g.status === 'RUNNING');
    const deadline = Date.now() + LIVE_PROGRESS_DEADLINE_MS;
    for (let i = 0; i < live.length && Date.now() < deadline; i += LIVE_PROGRESS_QUERIES) {
      await Promise.all(
        live.slice(i, i + LIVE_PROGRESS_QUERIES).map(async (g) => {
          g.progress = await client.withDeadline(deadline, () => this.progress(g.id)).catch(() => null);
        }),
      );
    }
  }

  private async progress(id: string): Promise<GroupProgress> {
    const client = await this.workflowClient();
    return client.workflow.getHandle(id).query(QUERIES.progress);
  }

  /**
   * A completed group's progress comes from its result; a live one's from the query. A query on
   * any other closed group needs a worker to replay it, so it gets a short deadline.
   */
  private async closedOrLiveProgress(id: string, status: WorkflowExecutionStatusName): Promise<GroupProgress | null> {
    const client = await this.workflowClient();
    if (status === 'COMPLETED') {
      const result = await client.workflow.getHandle<(input: unknown) => Promise<RunGroupResult>>(id).result();
      return progressOf(result, await runRecordsOf(result));
    }
    // A group whose workers are all down answers no query: a short deadline, not the server's 30 s.
    return client.withDeadline(Date.now() + (status === 'RUNNING' ? 10_000 : 3000), () => this.progress(id)).catch(() => null);
  }
}

/** A run group's description; any other workflow of the namespace (a child run, someone else's) is not found. */
async function runGroupDescription(handle: WorkflowHandle, id: string): Promise<WorkflowExecutionDescription> {
  const description = await handle.describe();
  if (description.type !== WORKFLOW_TYPES.runGroup) throw new WorkflowNotFoundError(`${id} is not a run group`, id, undefined);
  return description;
}

export type CancelledTarget = 'run group' | 'run';
const CANCEL_TARGETS: Record<string, CancelledTarget | undefined> = {
  [WORKFLOW_TYPES.runGroup]: 'run group',
  [WORKFLOW_TYPES.competitionRun]: 'run',
  [WORKFLOW_TYPES.techniqueRun]: 'run',
};

/** A group id some workflow of the namespace already has, running or closed: a group id is used once. */
export class RunGroupIdTakenError extends Error {
  /** The REST API answers it 409. */
  readonly statusCode = 409;
  constructor(readonly groupId: string) {
    super(
      `run group id "${groupId}" is already taken by a workflow (running or closed); a group id is used once, so its old runs are never run again: choose another --group-id, or leave it out for a new one (see "mlebench status ${groupId}")`,
    );
    this.name = 'RunGroupIdTakenError';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The Web UI page of one workflow. */
function webUiUrl(uiBase: string, namespace: string, workflowId: string): string {
  return `${uiBase.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
