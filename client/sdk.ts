/**
 * The TypeScript SDK: the seed system's verbs (`run`, `waitForCompletion`, `getRun`,
 * `getRunSummary`, `listRuns`, `cancel`) over a Temporal client. It keeps no state of its own:
 * everything comes from Temporal (workflow status, the `progress` query, the result).
 */
import { llmTotals, type LlmTotals } from '../core/runs/llmTotals';
import { Client as TemporalClient, Connection, WorkflowFailedError, type WorkflowExecutionStatusName } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { parseRunOptions, type RunOptionsInput } from '../core/options';
import { harnessPaths } from '../core/config';
import { resolveRunRequest } from '../core/runs/plan';
import { summarizeReports } from '../core/grading';
import type { GradingReport } from '../core/grading/report';
import { summarizeTechniqueGrades, type TechniqueGradesReport } from '../core/techniques/report';
import type { GroupProgress, RunGroupResult, RunPhase, RunResult } from '../core/runs/types';
import { newRunGroupId, SEARCH_ATTRIBUTES, TASK_QUEUE, WORKFLOW_TYPES, webUiUrl } from '../workflows/ids';
import { configuredTarget } from '../temporal/connection';

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
  /** Temporal's status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT... */
  status: WorkflowExecutionStatusName;
  agentId: string | null;
  startTime: Date;
  closeTime: Date | null;
  groupDir: string | null;
  progress: GroupProgress | null;
  webUiUrl: string | null;
}

export interface RunGroupSummary {
  id: string;
  status: WorkflowExecutionStatusName;
  groupDir: string | null;
  /** Competition runs' report (MLE-bench's fields); null for a technique group or before completion. */
  gradingReport: GradingReport | null;
  /** Technique runs' grades with their criteria; null for a competition group or before completion. */
  techniqueGrades: TechniqueGradesReport | null;
  runs: RunResult[];
  /** The group's LLM use (requests, tokens, dollars); null when its agent calls no LLM. */
  llmTotals: LlmTotals | null;
  /** Why the group failed, when it did (e.g. invalid input given through the Temporal CLI). */
  error?: string;
}

export interface WaitOptions {
  /** Called whenever the group's progress changes. */
  onProgress?: (progress: GroupProgress, phases: Map<string, RunPhase>) => void;
  pollIntervalMs?: number;
}

export class Client {
  readonly address: string;
  readonly namespace: string;
  private readonly taskQueue: string;
  private readonly uiUrl: string | null;
  private temporal?: Promise<TemporalClient>;
  private grpc?: Promise<Connection>;

  constructor(options: ClientOptions = {}) {
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

  /** The gRPC connection (for operator and task-queue calls). */
  connection(): Promise<Connection> {
    this.grpc ??= Connection.connect({ address: this.address });
    return this.grpc;
  }

  /** Validates the options (unknown ids, missing split file, bad numbers fail here) and starts the group. */
  async run(input: RunOptionsInput, opts: { groupId?: string } = {}): Promise<string> {
    const options = parseRunOptions(input);
    const { competitionIds } = await resolveRunRequest(options, harnessPaths());
    const groupId = opts.groupId ?? newRunGroupId(options.agentId, new Date(), randomBytes(2).toString('hex'));
    const client = await this.workflowClient();
    await client.workflow.start(WORKFLOW_TYPES.runGroup, {
      workflowId: groupId,
      taskQueue: this.taskQueue,
      args: [options],
      staticSummary: `${options.agentId} on ${competitionIds.length} competition(s) × ${options.nSeeds} seed(s)`,
      staticDetails: options.notes,
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.agent, value: options.agentId },
        { key: SEARCH_ATTRIBUTES.runGroup, value: groupId },
        { key: SEARCH_ATTRIBUTES.competition, value: competitionIds },
      ],
    });
    return groupId;
  }

  /** Resolves with the group's result once it closes; rejects if it failed or was cancelled. */
  async waitForCompletion(id: string, opts: WaitOptions = {}): Promise<RunGroupResult> {
    const client = await this.workflowClient();
    const handle = client.workflow.getHandle<(input: unknown) => Promise<RunGroupResult>>(id);
    const result = handle.result();
    if (!opts.onProgress) return result;
    let finished = false;
    void result.then(
      () => (finished = true),
      () => (finished = true),
    );
    let last = '';
    while (!finished) {
      const progress = await this.progress(id).catch(() => null);
      if (progress) {
        const phases = await this.childPhases(progress);
        const key = JSON.stringify([progress, [...phases]]);
        if (key !== last) {
          last = key;
          opts.onProgress(progress, phases);
        }
      }
      await Promise.race([result.catch(() => undefined), delay(opts.pollIntervalMs ?? 1000)]);
    }
    return result;
  }

  async getRun(id: string): Promise<RunGroupStatus> {
    const client = await this.workflowClient();
    const handle = client.workflow.getHandle<(input: unknown) => Promise<RunGroupResult>>(id);
    const description = await handle.describe();
    const progress = await this.closedOrLiveProgress(id, description.status.name);
    const memo = (description.memo ?? {}) as { groupDir?: string; agentId?: string };
    return {
      id,
      status: description.status.name,
      agentId: memo.agentId ?? progress?.agentId ?? null,
      startTime: description.startTime,
      closeTime: description.closeTime ?? null,
      groupDir: memo.groupDir ?? progress?.groupDir ?? null,
      progress,
      webUiUrl: this.webUiUrl(id),
    };
  }

  async getRunSummary(id: string): Promise<RunGroupSummary> {
    const client = await this.workflowClient();
    const handle = client.workflow.getHandle<(input: unknown) => Promise<RunGroupResult>>(id);
    const description = await handle.describe();
    const memo = (description.memo ?? {}) as { groupDir?: string };
    if (description.status.name === 'COMPLETED') {
      const result = await handle.result();
      const technique = result.runs.some((r) => r.task !== undefined) || (result.skipped?.length ?? 0) > 0;
      return {
        id,
        status: 'COMPLETED',
        groupDir: result.groupDir,
        gradingReport: technique ? null : summarizeReports(result.runs.flatMap((r) => (r.grade ? [r.grade] : []))),
        techniqueGrades: technique ? summarizeTechniqueGrades(result.runs, result.skipped ?? [], new Date().toISOString()) : null,
        runs: result.runs,
        llmTotals: llmTotals(result.runs),
      };
    }
    const error = description.status.name === 'FAILED' ? await handle.result().then(() => undefined, (err: Error) => failureMessage(err)) : undefined;
    return { id, status: description.status.name, groupDir: memo.groupDir ?? null, gradingReport: null, techniqueGrades: null, runs: [], llmTotals: null, error };
  }

  /** Run groups, newest first. */
  async listRuns(opts: { limit?: number; agentId?: string } = {}): Promise<RunGroupStatus[]> {
    const client = await this.workflowClient();
    const query = [`WorkflowType = '${WORKFLOW_TYPES.runGroup}'`, opts.agentId ? `Agent = '${opts.agentId}'` : ''].filter(Boolean).join(' AND ');
    const out: RunGroupStatus[] = [];
    for await (const info of client.workflow.list({ query })) {
      const memo = (info.memo ?? {}) as { groupDir?: string; agentId?: string };
      out.push({
        id: info.workflowId,
        status: info.status.name,
        agentId: memo.agentId ?? info.typedSearchAttributes.get(SEARCH_ATTRIBUTES.agent) ?? null,
        startTime: info.startTime,
        closeTime: info.closeTime ?? null,
        groupDir: memo.groupDir ?? null,
        progress: null,
        webUiUrl: this.webUiUrl(info.workflowId),
      });
      if (out.length >= (opts.limit ?? 50)) break;
    }
    return out;
  }

  /** Cancels the group: its children are cancelled and stop their containers. */
  async cancel(id: string): Promise<void> {
    const client = await this.workflowClient();
    await client.workflow.getHandle(id).cancel();
  }

  async close(): Promise<void> {
    if (this.grpc) await (await this.grpc).close();
  }

  webUiUrl(id: string): string | null {
    return this.uiUrl ? webUiUrl(this.uiUrl, this.namespace, id) : null;
  }

  private async progress(id: string): Promise<GroupProgress> {
    const client = await this.workflowClient();
    return client.workflow.getHandle(id).query<GroupProgress>('progress');
  }

  /**
   * A completed group's progress comes from its result; a live one's from the query. A query on
   * any other closed group needs a worker to replay it, so it gets a short deadline.
   */
  private async closedOrLiveProgress(id: string, status: WorkflowExecutionStatusName): Promise<GroupProgress | null> {
    const client = await this.workflowClient();
    if (status === 'COMPLETED') return progressOf(await client.workflow.getHandle<(input: unknown) => Promise<RunGroupResult>>(id).result());
    if (status === 'RUNNING') return this.progress(id).catch(() => null);
    return client.withDeadline(Date.now() + 3000, () => this.progress(id)).catch(() => null);
  }

  /** The phase of each running child (preparing, running the agent, grading...). */
  private async childPhases(progress: GroupProgress): Promise<Map<string, RunPhase>> {
    const client = await this.workflowClient();
    const running = progress.runs.filter((r) => r.phase !== 'done' && r.phase !== 'pending');
    const phases = await Promise.all(
      running.map(async (r) => [r.runId, await client.workflow.getHandle(r.runId).query<RunPhase>('phase').catch(() => r.phase)] as const),
    );
    return new Map(phases);
  }
}

function progressOf(result: RunGroupResult): GroupProgress {
  return {
    groupId: result.groupId,
    agentId: result.agentId,
    groupDir: result.groupDir,
    status: result.status,
    total: result.runs.length,
    done: result.runs.length,
    running: 0,
    medals: result.runs.filter((r) => r.medal !== null).length,
    runs: result.runs.map((r) => ({
      runId: r.runId,
      competitionId: r.competitionId,
      ...(r.task ? { task: r.task } : {}),
      seed: r.seed,
      phase: 'done',
      outcome: r.outcome,
      score: r.score,
      medal: r.medal,
    })),
  };
}

function failureMessage(err: Error): string {
  if (err instanceof WorkflowFailedError && err.cause) return err.cause.message;
  return err.message;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
