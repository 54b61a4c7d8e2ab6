/**
 * A run group: plan the runs, start one `competitionRun` child per competition × seed with at most
 * `maxParallel` in flight, then write the group's reports. A failed child never fails the group or
 * its siblings; cancelling the group cancels the children, which stop their containers. A child
 * cancelled by itself (the Web UI, `temporal workflow cancel`, `mlebench cancel <run id>`) ends its
 * run `cancelled`, and a child that cannot start ends its run `infra_error`: the group goes on.
 *
 * Results travel by reference: each child writes its run.json, the group keeps one small progress
 * row per run, the finalize step reads the records from the group's folder, and the group returns
 * counts and that folder. No payload grows with the group's runs (the plan is its competitions,
 * each run derived from it by `plannedRuns`), so a group of thousands stays far under Temporal's limits.
 */
import {
  CancellationScope,
  CancelledFailure,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import type { RunOptions } from '../core/options';
import type { GroupProgress, PlannedRun, RunGroupPlan, RunGroupResult, RunProgress } from '../core/runs/types';
import { withRunKind } from '../core/runs/kinds';
import { compactPlan, plannedRuns } from '../core/runs/planned';
import { PATCHES, QUERIES, SEARCH_ATTRIBUTES } from '../temporal/contract';
import { finalizeRunGroup, planRunGroup } from './activityOptions';
import { competitionRun } from './competitionRun';
import { techniqueRun } from './techniqueRun';
import { describeFailure } from './failures';
import { progressDetails } from './progress';

export async function runGroup(input: unknown): Promise<RunGroupResult> {
  const { workflowId: groupId, startTime } = workflowInfo();
  const progress: GroupProgress = {
    groupId,
    agentId: '',
    groupDir: null,
    status: 'planning',
    total: 0,
    done: 0,
    running: 0,
    medals: 0,
    runs: [],
  };
  setHandler(QUERIES.progress, () => progress);

  // The options are validated once, by the plan (zod, the registries): bad input fails the group
  // there, non-retryable, with the field and the reason.
  // Plans recorded before they were compact listed every run: folded back, the same runs follow.
  const plan = compactPlan(
    await planRunGroup.executeWithOptions({ summary: 'validate the options and plan the runs' }, [
      { groupId, options: input, startedAt: startTime.toISOString() },
    ]),
  );
  const { options } = plan;
  progress.agentId = plan.agentId;
  progress.groupDir = plan.groupDir;
  const runs = plannedRuns(plan);
  progress.total = runs.length;
  progress.runs = runs.map((r): RunProgress => ({
    runId: r.runId,
    competitionId: r.competitionId,
    ...(r.kind === 'technique' ? { task: r.task } : {}),
    seed: r.seed,
    ...(r.arm ? { arm: r.arm } : {}),
    phase: 'pending',
  }));
  progress.status = 'running';
  upsertMemo({
    groupDir: plan.groupDir,
    agentId: plan.agentId,
    notes: options.notes ?? '',
    ...(plan.agentGit ? { agentGit: plan.agentGit } : {}),
  });
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.agent, value: plan.agentId },
    { key: SEARCH_ATTRIBUTES.runGroup, value: groupId },
    { key: SEARCH_ATTRIBUTES.competition, value: [...new Set(runs.map((r) => r.competitionId))] },
  ]);
  setCurrentDetails(progressDetails(progress));

  const rows = new Map(progress.runs.map((row) => [row.runId, row]));
  /** Children that failed without a record of their own: the finalize step records them infra_error, with this. */
  const failures: [runId: string, reason: string][] = [];
  /** Children cancelled by themselves: the finalize step records those that wrote no record cancelled. */
  const cancelledRuns: string[] = [];
  const record = (runId: string, ended: Pick<RunProgress, 'outcome' | 'score' | 'medal'>) => {
    const row = rows.get(runId);
    if (row) Object.assign(row, { phase: 'done' }, ended);
    progress.done++;
    if (ended.medal) progress.medals++;
    setCurrentDetails(progressDetails(progress));
  };

  // Histories from before a run's cancel or start failure was its own ended the whole group there.
  const runsEndAlone = patched(PATCHES.runsEndAlone);
  let cancelled = false;
  try {
    await runWithLimit<PlannedRun>(runs, options.maxParallel, async (run) => {
      const row = rows.get(run.runId);
      if (row) row.phase = 'running_agent';
      progress.running++;
      setCurrentDetails(progressDetails(progress));
      try {
        const ended = await runChild(plan, run, options, runsEndAlone);
        if ('failure' in ended) {
          failures.push([run.runId, ended.failure]);
          record(run.runId, { outcome: 'infra_error', score: null });
        } else {
          if (ended.outcome === 'cancelled') cancelledRuns.push(run.runId);
          record(run.runId, ended);
        }
      } finally {
        progress.running--;
      }
    });
  } catch (err) {
    if (!isCancellation(err)) throw err;
    cancelled = true;
  }

  progress.status = 'finalizing';
  const status = cancelled ? 'cancelled' : 'completed';
  // The records are the children's run.json files (a cancelled run's too, with its container and
  // LLM spend); the finalize step reads them and records the runs that wrote none.
  const totals = await CancellationScope.nonCancellable(() =>
    finalizeRunGroup.executeWithOptions({ summary: `write ${status} reports` }, [
      { plan, status, failures, ...(cancelledRuns.length ? { cancelled: cancelledRuns } : {}), finishedAt: new Date().toISOString() },
    ]),
  );
  if (cancelled) {
    for (const row of progress.runs) if (row.phase !== 'done') Object.assign(row, { phase: 'done', outcome: 'cancelled', score: null });
    progress.done = progress.total;
  }
  progress.status = status;
  setCurrentDetails(progressDetails(progress));
  if (cancelled) throw new CancelledFailure('the run group was cancelled');
  return {
    groupId,
    agentId: plan.agentId,
    kind: plan.kind,
    groupDir: plan.groupDir,
    status,
    // Histories recorded before the finalize step returned counts give none.
    ...(totals ?? {}),
    ...(plan.kind === 'technique' ? { skipped: plan.skipped } : {}),
  };
}

/**
 * Runs one child to its end and keeps only its progress row (its record is its run.json). A child
 * that cannot start or fails for any reason but cancellation is a failure, with why. A cancelled
 * child ends the group only when the group itself was cancelled (its scope); cancelled by itself,
 * it ends only its run. `alone` is false when replaying a history from before that.
 */
async function runChild(
  plan: RunGroupPlan,
  run: PlannedRun,
  options: RunOptions,
  alone: boolean,
): Promise<Pick<RunProgress, 'outcome' | 'score' | 'medal'> | { failure: string }> {
  const input = {
    groupId: plan.groupId,
    agentId: plan.agentId,
    ...(plan.agentGit ? { agentGit: plan.agentGit } : {}),
    competitionId: run.competitionId,
    seed: run.seed,
    runDir: run.runDir,
    ...(run.source ? { source: run.source } : {}),
    timeLimitSecs: options.timeLimitSecs,
    ...(options.infraAttempts ? { infraAttempts: options.infraAttempts } : {}),
    ...(options.llmBudget ? { llmBudget: options.llmBudget } : {}),
    ...(options.stepLimit ? { stepLimit: options.stepLimit } : {}),
    ...(run.arm ? { arm: run.arm } : {}),
    // An experiment's plain arm is the same run without the context.
    ...(options.context && run.arm !== 'plain' ? { context: options.context } : {}),
  };
  const common = {
    workflowId: run.runId,
    parentClosePolicy: 'REQUEST_CANCEL',
    cancellationType: 'WAIT_CANCELLATION_COMPLETED',
    staticDetails: `Run group ${plan.groupId}. Artifacts: ${run.runDir}`,
    memo: { runDir: run.runDir },
    // An id any workflow already has, running or closed, is never run again under this group.
    ...(alone ? { workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE } : {}),
  } as const;
  const attributes = [
    { key: SEARCH_ATTRIBUTES.agent, value: plan.agentId },
    { key: SEARCH_ATTRIBUTES.runGroup, value: plan.groupId },
    { key: SEARCH_ATTRIBUTES.competition, value: [run.competitionId] },
  ];
  const start = () =>
    run.kind === 'technique'
      ? startChild(techniqueRun, {
          ...common,
          args: [{ ...input, task: run.task }],
          staticSummary: `${plan.agentId} on technique task ${run.task} (${run.competitionId}), seed ${run.seed}${armNote(run)}`,
          typedSearchAttributes: [...attributes, { key: SEARCH_ATTRIBUTES.techniqueTask, value: run.task }],
        })
      : startChild(competitionRun, {
          ...common,
          args: [input],
          staticSummary: `${plan.agentId} on ${run.competitionId}, seed ${run.seed}${armNote(run)}`,
          typedSearchAttributes: attributes,
        });
  let handle: Awaited<ReturnType<typeof start>>;
  try {
    handle = await start();
  } catch (err) {
    if (!alone || isCancellation(err)) throw err;
    return { failure: startFailure(run.runId, err) };
  }
  try {
    // Children recorded before kinds return results without one.
    const result = withRunKind(await handle.result());
    return { outcome: result.outcome, score: result.score, ...(result.kind === 'competition' ? { medal: result.medal } : {}) };
  } catch (err) {
    if (!isCancellation(err)) return { failure: describeFailure(err) };
    if (!alone || CancellationScope.current().consideredCancelled) throw err;
    return { outcome: 'cancelled', score: null };
  }
}

const armNote = (run: PlannedRun) => (run.arm ? `, arm ${run.arm}` : '');

/** Why a run's workflow did not start, for its record. */
function startFailure(runId: string, err: unknown): string {
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return `the run's workflow did not start: a workflow with id ${runId} already exists (running or closed), and an old run is never run again; start the group under a new id`;
  }
  return `the run's workflow did not start: ${describeFailure(err)}`;
}

/** At most `limit` items in flight: a small pool of loops over a shared queue. */
async function runWithLimit<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const loop = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  // allSettled: a loop that fails (cancellation) must not leave the others' rejections unhandled.
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, loop));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}
