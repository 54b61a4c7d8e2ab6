/**
 * A run group: plan the runs, start one `competitionRun` child per competition × seed with at most
 * `maxParallel` in flight, then write the group's reports. A failed child never fails the group or
 * its siblings; cancelling the group cancels the children, which stop their containers.
 */
import {
  CancellationScope,
  CancelledFailure,
  isCancellation,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RunOptions } from '../core/options';
import type { GroupProgress, PlannedRun, RunGroupPlan, RunGroupResult, RunResult } from '../core/runs/types';
import { withPlanKind, withRunKind } from '../core/runs/kinds';
import { QUERIES, SEARCH_ATTRIBUTES } from '../temporal/contract';
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
  const plan = withPlanKind(
    await planRunGroup.executeWithOptions({ summary: 'validate the options and plan the runs' }, [
      { groupId, options: input, startedAt: startTime.toISOString() },
    ]),
  );
  const { options } = plan;
  progress.agentId = plan.agentId;
  progress.groupDir = plan.groupDir;
  progress.total = plan.runs.length;
  progress.runs = plan.runs.map((r) => ({
    runId: r.runId,
    competitionId: r.competitionId,
    ...(r.kind === 'technique' ? { task: r.task } : {}),
    seed: r.seed,
    phase: 'pending',
  }));
  progress.status = 'running';
  upsertMemo({ groupDir: plan.groupDir, agentId: plan.agentId, notes: options.notes ?? '' });
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.agent, value: plan.agentId },
    { key: SEARCH_ATTRIBUTES.runGroup, value: groupId },
    { key: SEARCH_ATTRIBUTES.competition, value: [...new Set(plan.runs.map((r) => r.competitionId))] },
  ]);
  setCurrentDetails(progressDetails(progress));

  const results: RunResult[] = [];
  const record = (result: RunResult) => {
    results.push(result);
    const medal = result.kind === 'competition' ? result.medal : null;
    const entry = progress.runs.find((r) => r.runId === result.runId);
    if (entry)
      Object.assign(entry, {
        phase: 'done',
        outcome: result.outcome,
        score: result.score,
        ...(result.kind === 'competition' ? { medal } : {}),
      });
    progress.done = results.length;
    if (medal !== null) progress.medals++;
    setCurrentDetails(progressDetails(progress));
  };

  let cancelled = false;
  try {
    await runWithLimit<PlannedRun>(plan.runs, options.maxParallel, async (run) => {
      const entry = progress.runs.find((r) => r.runId === run.runId);
      if (entry) entry.phase = 'running_agent';
      progress.running++;
      setCurrentDetails(progressDetails(progress));
      try {
        record(await runChild(plan, run, options));
      } finally {
        progress.running--;
      }
    });
  } catch (err) {
    if (!isCancellation(err)) throw err;
    cancelled = true;
  }

  if (cancelled) {
    for (const run of plan.runs) {
      if (!results.some((r) => r.runId === run.runId)) record(unfinishedResult(plan, run, 'cancelled', 'the run group was cancelled'));
    }
  }
  progress.status = 'finalizing';
  const status = cancelled ? 'cancelled' : 'completed';
  // Reports and the result list runs in plan order, whatever order they finished in.
  results.sort((a, b) => plan.runs.findIndex((r) => r.runId === a.runId) - plan.runs.findIndex((r) => r.runId === b.runId));
  await CancellationScope.nonCancellable(() =>
    finalizeRunGroup.executeWithOptions({ summary: `write ${status} reports` }, [
      { plan, results, status, finishedAt: new Date().toISOString() },
    ]),
  );
  progress.status = status;
  setCurrentDetails(progressDetails(progress));
  if (cancelled) throw new CancelledFailure('the run group was cancelled');
  return {
    groupId,
    agentId: plan.agentId,
    kind: plan.kind,
    groupDir: plan.groupDir,
    status,
    runs: results,
    ...(plan.kind === 'technique' ? { skipped: plan.skipped } : {}),
  };
}

/** Runs one child to its end. A child that fails for any reason but cancellation becomes an infra_error result. */
async function runChild(plan: RunGroupPlan, run: PlannedRun, options: RunOptions): Promise<RunResult> {
  const input = {
    groupId: plan.groupId,
    agentId: plan.agentId,
    competitionId: run.competitionId,
    seed: run.seed,
    runDir: run.runDir,
    ...(run.source ? { source: run.source } : {}),
    timeLimitSecs: options.timeLimitSecs,
    ...(options.infraAttempts ? { infraAttempts: options.infraAttempts } : {}),
    ...(options.llmBudget ? { llmBudget: options.llmBudget } : {}),
    ...(options.stepLimit ? { stepLimit: options.stepLimit } : {}),
  };
  const common = {
    workflowId: run.runId,
    parentClosePolicy: 'REQUEST_CANCEL',
    cancellationType: 'WAIT_CANCELLATION_COMPLETED',
    staticDetails: `Run group ${plan.groupId}. Artifacts: ${run.runDir}`,
    memo: { runDir: run.runDir },
  } as const;
  const attributes = [
    { key: SEARCH_ATTRIBUTES.agent, value: plan.agentId },
    { key: SEARCH_ATTRIBUTES.runGroup, value: plan.groupId },
    { key: SEARCH_ATTRIBUTES.competition, value: [run.competitionId] },
  ];
  const handle =
    run.kind === 'technique'
      ? await startChild(techniqueRun, {
          ...common,
          args: [{ ...input, task: run.task }],
          staticSummary: `${plan.agentId} on technique task ${run.task} (${run.competitionId}), seed ${run.seed}`,
          typedSearchAttributes: [...attributes, { key: SEARCH_ATTRIBUTES.techniqueTask, value: run.task }],
        })
      : await startChild(competitionRun, {
          ...common,
          args: [input],
          staticSummary: `${plan.agentId} on ${run.competitionId}, seed ${run.seed}`,
          typedSearchAttributes: attributes,
        });
  try {
    // Children recorded before kinds return results without one.
    return withRunKind(await handle.result());
  } catch (err) {
    if (isCancellation(err)) throw err;
    return unfinishedResult(plan, run, 'infra_error', describeFailure(err));
  }
}

function unfinishedResult(plan: RunGroupPlan, run: PlannedRun, outcome: 'cancelled' | 'infra_error', reason: string): RunResult {
  const now = new Date().toISOString();
  const common = {
    runId: run.runId,
    groupId: plan.groupId,
    agentId: plan.agentId,
    competitionId: run.competitionId,
    seed: run.seed,
    runDir: run.runDir,
    outcome,
    reason,
    score: null,
    timings: { startedAt: now, finishedAt: now, agentSecs: null },
    container: null,
  };
  return run.kind === 'technique'
    ? { ...common, kind: 'technique', task: run.task, techniqueGrade: null }
    : { ...common, kind: 'competition', medal: null, aboveMedian: false, grade: null };
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
