/**
 * One competition × seed: prepare the data, run the agent in its container, grade what it wrote,
 * persist the record. Every ending — success, the agent's failure, infrastructure, cancellation —
 * is written to the run's `run.json`.
 */
import {
  CancellationScope,
  defineQuery,
  isCancellation,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Outcome } from '../core/outcomes';
import type { CompetitionReport } from '../core/grading/report';
import type { AgentContainerResult } from '../core/sandbox/types';
import type { CompetitionRunInput, RunPhase, RunResult } from '../core/runs/types';
import { decideOutcome, medalOf } from '../core/runs/outcome';
import { SEARCH_ATTRIBUTES } from './ids';
import { agentAttemptTimeoutMs, gradeSubmission, persistArtifacts, prepareData, runAgent } from './activityOptions';
import { describeFailure } from './failures';

export const runPhaseQuery = defineQuery<RunPhase>('phase');

export async function competitionRun(input: CompetitionRunInput): Promise<RunResult> {
  const { workflowId: runId } = workflowInfo();
  const startedAt = new Date().toISOString();
  let phase: RunPhase = 'preparing';
  setHandler(runPhaseQuery, () => phase);
  let container: AgentContainerResult | null = null;
  let grade: CompetitionReport | null = null;

  const finish = async (outcome: Outcome, reason?: string): Promise<RunResult> => {
    phase = 'persisting';
    const result: RunResult = {
      runId,
      groupId: input.groupId,
      agentId: input.agentId,
      competitionId: input.competitionId,
      seed: input.seed,
      runDir: input.runDir,
      outcome,
      reason,
      score: grade?.score ?? null,
      medal: medalOf(grade),
      aboveMedian: grade?.above_median ?? false,
      timings: { startedAt, finishedAt: new Date().toISOString(), agentSecs: agentSeconds(container) },
      container,
      grade,
    };
    await persistArtifacts.executeWithOptions({ summary: `record ${outcome}` }, [result]);
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.outcome, value: outcome }]);
    phase = 'done';
    return result;
  };

  try {
    const prepared = await prepareData.executeWithOptions({ summary: `prepare ${input.competitionId}` }, [
      { competitionId: input.competitionId },
    ]);

    phase = 'running_agent';
    container = await runAgent.executeWithOptions(
      {
        summary: `${input.agentId} works on ${input.competitionId} (limit ${input.timeLimitSecs}s)`,
        startToCloseTimeout: agentAttemptTimeoutMs(input.timeLimitSecs),
      },
      [{ ...input, runId, publicDataDir: prepared.publicDir }],
    );

    phase = 'grading';
    grade = await gradeSubmission.executeWithOptions({ summary: `grade ${input.competitionId} submission` }, [
      { competitionId: input.competitionId, runDir: input.runDir },
    ]);
    const { outcome, reason } = decideOutcome(container, grade);
    return await finish(outcome, reason);
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => finish('cancelled', 'the run was cancelled'));
      throw err;
    }
    // Whatever is left after retries is the harness's failure, never the agent's.
    return await finish('infra_error', describeFailure(err));
  }
}

function agentSeconds(container: AgentContainerResult | null): number | null {
  if (!container) return null;
  return (Date.parse(container.finishedAt) - Date.parse(container.startedAt)) / 1000;
}
