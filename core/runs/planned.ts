/**
 * The runs of a group, derived from its plan: ids and folders follow from the group, the
 * competition (or task × competition) and the seed, so the plan itself carries none of them.
 * Pure and free of Node built-ins: the run-group workflow expands its plan with it, the
 * activities do the same, and both get the same runs in the same order.
 */
import type { CompetitionSourceDescriptor } from '../competitions/source';
import type { Arm, RunOptions } from '../options';
import type { SkippedTechniqueRun } from '../techniques/types';
import { runDir } from '../artifacts/runFolders';
import { armRunPrefix, competitionRunId, techniqueRunId } from './ids';
import { runKindOf } from './kinds';
import type { PlannedCompetitionRun, PlannedRun, PlannedTechniqueRun, RunGroupPlan, RunKind, RunResult, TechniquePair } from './types';

export function planRuns(
  groupId: string,
  groupDir: string,
  competitionIds: readonly string[],
  nSeeds: number,
  sources: Record<string, CompetitionSourceDescriptor> = {},
  arm?: Arm,
): PlannedCompetitionRun[] {
  return competitionIds.flatMap((competitionId) =>
    Array.from({ length: nSeeds }, (_, i): PlannedCompetitionRun => {
      const seed = i + 1;
      const source = sources[competitionId];
      return {
        kind: 'competition',
        runId: competitionRunId(armRunPrefix(groupId, arm), competitionId, seed),
        competitionId,
        seed,
        runDir: runDir(groupDir, armSubject(arm, competitionId), seed),
        ...(source ? { source } : {}),
        ...(arm ? { arm } : {}),
      };
    }),
  );
}

/** Every seed of every task × competition pair, pair by pair. */
export function techniqueRuns(
  groupId: string,
  groupDir: string,
  pairs: readonly TechniquePair[],
  nSeeds: number,
  arm?: Arm,
): PlannedTechniqueRun[] {
  return pairs.flatMap(({ task, competitionId }) =>
    Array.from({ length: nSeeds }, (_, i): PlannedTechniqueRun => {
      const seed = i + 1;
      return {
        kind: 'technique',
        runId: techniqueRunId(armRunPrefix(groupId, arm), task, competitionId, seed),
        competitionId,
        task,
        seed,
        runDir: runDir(groupDir, armSubject(arm, `${task}_${competitionId}`), seed),
        ...(arm ? { arm } : {}),
      };
    }),
  );
}

/** An arm's run folder, `<arm>_<competition-or-task>_seed-<n>`: arm names hold no `_`, so two arms never share one. */
const armSubject = (arm: Arm | undefined, subject: string) => (arm ? `${arm}_${subject}` : subject);

/**
 * Every run of the plan; an experiment's (options `arms`) once per arm, arm by arm, so that each
 * arm's run of a competition and seed has its twin in the other (the pairing of core/stats/experiment.ts).
 */
export function plannedRuns(plan: RunGroupPlan): PlannedRun[] {
  const { groupId, groupDir, options } = plan;
  const armRuns = (arm?: Arm): PlannedRun[] =>
    plan.kind === 'technique'
      ? techniqueRuns(groupId, groupDir, plan.pairs, options.nSeeds, arm)
      : planRuns(groupId, groupDir, plan.competitionIds, options.nSeeds, plan.sources, arm);
  return options.arms ? options.arms.flatMap(armRuns) : armRuns();
}

/** A plan as recorded: plans made before they were compact listed every run (and had no kinds). */
type RecordedPlan =
  | RunGroupPlan
  | {
      groupId: string;
      agentId: string;
      groupDir: string;
      startedAt: string;
      options: RunOptions;
      kind?: RunKind;
      runs: { competitionId: string; task?: TechniquePair['task']; source?: CompetitionSourceDescriptor }[];
      skipped?: SkippedTechniqueRun[];
    };

/** The plan in today's shape; an old one is folded back into its competitions (or pairs), in its order. */
export function compactPlan(recorded: RecordedPlan): RunGroupPlan {
  if (!('runs' in recorded)) return recorded;
  const { runs, skipped, kind: recordedKind, ...group } = recorded;
  const kind = recordedKind ?? runKindOf(recorded.options);
  if (kind === 'technique') {
    const pairs = new Map<string, TechniquePair>();
    for (const r of runs) if (r.task) pairs.set(`${r.task}/${r.competitionId}`, { task: r.task, competitionId: r.competitionId });
    return { ...group, kind, pairs: [...pairs.values()], skipped: skipped ?? [] };
  }
  const sources: Record<string, CompetitionSourceDescriptor> = {};
  for (const r of runs) if (r.source) sources[r.competitionId] = r.source;
  return { ...group, kind, competitionIds: [...new Set(runs.map((r) => r.competitionId))], sources };
}

/** The record of a run that wrote none (never started before a cancel; its child failed): no container, no grade, why. */
export function unfinishedResult(
  plan: RunGroupPlan,
  run: PlannedRun,
  outcome: 'cancelled' | 'infra_error',
  reason: string,
  at: string,
): RunResult {
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
    timings: { startedAt: at, finishedAt: at, agentSecs: null },
    container: null,
    ...(run.arm ? { arm: run.arm } : {}),
  };
  return run.kind === 'technique'
    ? { ...common, kind: 'technique', task: run.task, techniqueGrade: null }
    : { ...common, kind: 'competition', medal: null, aboveMedian: false, grade: null };
}
