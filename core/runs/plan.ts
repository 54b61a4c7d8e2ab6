/**
 * From run options to a concrete plan: which competitions, which agent, which folders. The SDK and
 * CLI call `resolveRunRequest` before starting anything (so a typo fails fast, with the field and
 * reason); the `planRunGroup` activity calls it again for input that came in another way (the
 * Temporal CLI), then lays out the folders.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InvalidRunOptionsError, TECHNIQUE_TASKS, type RunOptions } from '../options';
import { UnknownCompetitionError, type Competition } from '../competitions';
import { kaggleCompetitionProblem } from '../competitions/kaggle';
import { resolveCompetitionSource, type CompetitionSource, type CompetitionSourceDescriptor } from '../competitions/source';
import type { MleBenchCompetition } from '../mlebench/checkout';
import { resolveRunAgent } from '../agents/gitAgent';
import type { AgentSpec } from '../agents/types';
import type { GitAgentSource } from '../agents/gitSource';
import type { HarnessPaths } from '../config';
import { runGroupDirName } from '../artifacts/layout';
import { whyNotApplicable } from '../techniques/registry';
import type { SkippedTechniqueRun, TechniqueTask } from '../techniques/types';
import { resolveSplit } from './splits';
import { runKindOf } from './kinds';
import { planRuns, techniqueRuns } from './planned';
import type { PlannedTechniqueRun, RunGroupPlan, TechniquePair } from './types';

export { planRuns };

export interface ResolvedRunRequest {
  agent: AgentSpec;
  /** The agent's git source, pinned (options `agentGit`). */
  agentGit?: GitAgentSource;
  competitionIds: string[];
  /** Where each of them comes from, as the plan records it. */
  sources: Record<string, CompetitionSourceDescriptor>;
  /** The bundled competitions among them (technique tasks run on these only). */
  competitions: Competition[];
  /** Those of the MLE-bench checkout (MLEBENCH_REPO), prepared and graded by its own Python. */
  mlebench: MleBenchCompetition[];
}

export async function resolveRunRequest(options: RunOptions, paths: HarnessPaths): Promise<ResolvedRunRequest> {
  let ids: string[];
  if (options.competitions) ids = options.competitions;
  else if (options.competitionSet) ids = (await resolveSplit(options.competitionSet, paths)).ids;
  else if (options.lite) ids = (await resolveSplit('splits/lite', paths)).ids;
  else {
    throw new InvalidRunOptionsError([
      { field: 'competitions', reason: 'give competitions, a competitionSet (split name) or lite: true' },
    ]);
  }
  const unique = [...new Set(ids)];
  // Problems are reported in the order the ids were given, whatever order the look-ups finish in.
  type Looked = { source?: CompetitionSource; problem?: { field: string; reason: string } };
  const problemOf = (reason: string): Looked => ({ problem: { field: 'competitions', reason } });
  const looked = await Promise.all(
    unique.map(async (id): Promise<Looked> => {
      let source: CompetitionSource;
      try {
        source = await resolveCompetitionSource(id, { competitionsDir: paths.competitionsDir });
      } catch (err) {
        if (!(err instanceof UnknownCompetitionError)) return problemOf((err as Error).message);
        // A Kaggle competition we know of gets what is missing and how to get it, not "unknown".
        const kaggle = await kaggleCompetitionProblem(id, { dataDir: paths.dataDir });
        return problemOf((kaggle ?? err).message);
      }
      // An MLE-bench competition is runnable once its data is prepared or its raw data is there.
      const missing = await source.dataProblem(paths.dataDir);
      if (missing) return problemOf(missing.message);
      if (source.kind === 'mlebench' && runKindOf(options) === 'technique') {
        return problemOf(`"${id}" is an MLE-bench competition: technique tasks run on the bundled competitions only`);
      }
      return { source };
    }),
  );
  const problems = looked.flatMap((l) => (l.problem ? [l.problem] : []));
  const agent = await resolveRunAgent(options.agentId, options.agentGit, { cacheDir: paths.gitAgentsDir }).catch((err: Error) => {
    problems.push({ field: options.agentGit ? 'agentGit' : 'agentId', reason: err.message });
    return undefined;
  });
  if (agent?.llm && !options.llmUnlimited && (options.llmBudget?.maxDollars ?? agent.llmBudget?.maxDollars) === undefined) {
    problems.push({
      field: 'llmBudget.maxDollars',
      reason: `agent ${agent.id} calls an LLM: give it a dollar budget per run (--max-dollars, llm_budget.max_dollars), or say llmUnlimited (--llm-unlimited) to run it uncapped`,
    });
  }
  if (problems.length > 0 || !agent) throw new InvalidRunOptionsError(problems);
  // Every bundled offline competition counts as Lite; `lite` filters only competitions that say otherwise.
  // An MLE-bench competition is Lite when its checkout's experiments/splits/low.txt lists it.
  const kept = looked.flatMap((l) => (l.source && (!options.lite || l.source.lite) ? [l.source] : []));
  if (kept.length === 0) {
    throw new InvalidRunOptionsError([{ field: 'lite', reason: 'no competition of the set is in the Lite list' }]);
  }
  const { agentGit } = options;
  return {
    agent,
    ...(agentGit?.commit ? { agentGit: { ...agentGit, commit: agentGit.commit } } : {}),
    competitionIds: kept.map((s) => s.id),
    sources: Object.fromEntries(kept.map((s) => [s.id, s.descriptor])),
    competitions: kept.flatMap((s) => (s.kind === 'bundled' ? [s.competition] : [])),
    mlebench: kept.flatMap((s) => (s.kind === 'mlebench' ? [s.competition] : [])),
  };
}

/**
 * Technique runs: every task × competition × seed where the task applies (task by task, in the
 * order of TECHNIQUE_TASKS); the pairs where it does not are returned with the reason.
 */
export function planTechniqueRuns(
  groupId: string,
  groupDir: string,
  competitions: readonly Competition[],
  tasks: readonly TechniqueTask[],
  nSeeds: number,
): { pairs: TechniquePair[]; runs: PlannedTechniqueRun[]; skipped: SkippedTechniqueRun[] } {
  const pairs: TechniquePair[] = [];
  const skipped: SkippedTechniqueRun[] = [];
  for (const task of TECHNIQUE_TASKS.filter((t) => tasks.includes(t))) {
    for (const competition of competitions) {
      const reason = whyNotApplicable(task, competition);
      if (reason) {
        skipped.push({ task, competition_id: competition.id, reason });
        continue;
      }
      pairs.push({ task, competitionId: competition.id });
    }
  }
  return { pairs, runs: techniqueRuns(groupId, groupDir, pairs, nSeeds), skipped };
}

/**
 * The group's folder. Two groups of one agent started in the same second would share a name, so
 * the folder records its group id and a clash gets the group id appended; a retry of the same
 * group finds its own folder again.
 */
export async function claimGroupDir(runsDir: string, groupId: string, agentId: string, startedAt: Date): Promise<string> {
  const base = path.join(runsDir, runGroupDirName(startedAt, agentId));
  for (const dir of [base, `${base}_${groupId.replace(/[^A-Za-z0-9._-]+/g, '-')}`]) {
    await fs.mkdir(dir, { recursive: true });
    const marker = path.join(dir, '.run-group-id');
    try {
      await fs.writeFile(marker, groupId, { flag: 'wx' });
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if ((await fs.readFile(marker, 'utf8')).trim() === groupId) return dir;
    }
  }
  throw new Error(`cannot claim a run-group folder for ${groupId} under ${runsDir}`);
}

export async function createRunGroupPlan(
  groupId: string,
  options: RunOptions,
  startedAt: Date,
  paths: HarnessPaths,
): Promise<RunGroupPlan> {
  const { competitionIds, competitions, sources, agentGit } = await resolveRunRequest(options, paths);
  const groupDir = await claimGroupDir(paths.runsDir, groupId, options.agentId, startedAt);
  const group = { groupId, agentId: options.agentId, ...(agentGit ? { agentGit } : {}), groupDir, startedAt: startedAt.toISOString(), options };
  if (runKindOf(options) === 'competition') {
    return { ...group, kind: 'competition', competitionIds, sources };
  }
  const { pairs, skipped } = planTechniqueRuns(groupId, groupDir, competitions, options.tasks ?? TECHNIQUE_TASKS, options.nSeeds);
  return { ...group, kind: 'technique', pairs, skipped };
}
