/**
 * What the SDK derives from a group's plan or its result, without asking Temporal: the admission a
 * planned group asks for (containers, LLM dollars), a closed group's run records and its progress
 * rows as a live group's query would give them.
 */
import { TECHNIQUE_TASKS, type RunOptions } from '../core/options';
import type { ResolvedRunRequest } from '../core/runs/plan';
import { runKindOf, withRunKind } from '../core/runs/kinds';
import { readGroupRecords } from '../core/artifacts/groupFiles';
import type { GroupProgress, RunGroupResult, RunResult } from '../core/runs/types';
import type { GroupAdmission } from './sdkTypes';

/** What a planned group asks: containers at once and the most its LLM calls may cost. */
export function groupAdmission(options: RunOptions, resolved: ResolvedRunRequest): GroupAdmission {
  const perCompetition = runKindOf(options) === 'technique' ? (options.tasks ?? TECHNIQUE_TASKS).length : 1;
  const runs = resolved.competitionIds.length * perCompetition * options.nSeeds;
  const llmAgent = resolved.agent.llm === true;
  const perRun = options.llmBudget?.maxDollars ?? resolved.agent.llmBudget?.maxDollars;
  return {
    agentId: options.agentId,
    llmAgent,
    runs,
    containers: Math.min(options.maxParallel, runs),
    llmDollars: !llmAgent ? 0 : perRun === undefined ? null : perRun * runs,
  };
}

/** A group's run records: in its result when recorded before they travelled by reference, else its folder's run.json files. */
export async function runRecordsOf(result: RunGroupResult): Promise<RunResult[]> {
  if (result.runs) return result.runs.map(withRunKind);
  return (await readGroupRecords(result.groupDir)).runs.map(withRunKind);
}

export function progressOf(result: RunGroupResult, runs: RunResult[]): GroupProgress {
  return {
    groupId: result.groupId,
    agentId: result.agentId,
    groupDir: result.groupDir,
    status: result.status,
    total: runs.length,
    done: runs.length,
    running: 0,
    medals: runs.filter((r) => r.kind === 'competition' && r.medal !== null).length,
    runs: runs.map((r) => ({
      runId: r.runId,
      competitionId: r.competitionId,
      ...(r.kind === 'technique' ? { task: r.task } : { medal: r.medal }),
      seed: r.seed,
      phase: 'done',
      outcome: r.outcome,
      score: r.score,
    })),
  };
}
