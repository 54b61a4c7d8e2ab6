/**
 * From run options to a concrete plan: which competitions, which agent, which folders. The SDK and
 * CLI call `resolveRunRequest` before starting anything (so a typo fails fast, with the field and
 * reason); the `planRunGroup` activity calls it again for input that came in another way (the
 * Temporal CLI), then lays out the folders.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InvalidRunOptionsError, TECHNIQUE_TASKS, type RunOptions } from '../options';
import { loadCompetition, UnknownCompetitionError, type Competition } from '../competitions';
import { kaggleCompetitionProblem } from '../competitions/kaggle';
import { mleBenchCompetitionFor } from '../mlebench/resolve';
import { mleBenchDataProblem } from '../mlebench/prepare';
import type { MleBenchCompetition } from '../mlebench/checkout';
import { resolveAgent } from '../agents';
import type { AgentSpec } from '../agents/types';
import type { HarnessPaths } from '../config';
import { runDir, runGroupDirName } from '../artifacts/layout';
import { competitionRunId, techniqueRunId } from '../../workflows/ids';
import { whyNotApplicable } from '../techniques/registry';
import type { SkippedTechniqueRun, TechniqueTask } from '../techniques/types';
import { resolveSplit } from './splits';
import type { PlannedRun, RunGroupPlan } from './types';

export interface ResolvedRunRequest {
  agent: AgentSpec;
  competitionIds: string[];
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
  type Looked = { competition?: Competition; mlebench?: MleBenchCompetition; problem?: { field: string; reason: string } };
  const looked = await Promise.all(
    unique.map((id) =>
      loadCompetition(id).then(
        (competition): Looked => ({ competition }),
        async (err: Error): Promise<Looked> => {
          if (!(err instanceof UnknownCompetitionError)) return { problem: { field: 'competitions', reason: err.message } };
          try {
            // A competition of the MLE-bench checkout: runnable once its data is prepared or its raw data is there.
            const mlebench = await mleBenchCompetitionFor(id);
            if (mlebench) {
              const missing = await mleBenchDataProblem(mlebench, paths.dataDir);
              if (missing) return { problem: { field: 'competitions', reason: missing.message } };
              if (options.techniqueTasks) {
                return { problem: { field: 'competitions', reason: `"${id}" is an MLE-bench competition: technique tasks run on the bundled competitions only` } };
              }
              return { mlebench };
            }
          } catch (checkoutErr) {
            return { problem: { field: 'competitions', reason: (checkoutErr as Error).message } };
          }
          // A Kaggle competition we know of gets what is missing and how to get it, not "unknown".
          const kaggle = await kaggleCompetitionProblem(id, { dataDir: paths.dataDir });
          return { problem: { field: 'competitions', reason: (kaggle ?? err).message } };
        },
      ),
    ),
  );
  const problems = looked.flatMap((l) => (l.problem ? [l.problem] : []));
  const agent = await resolveAgent(options.agentId).catch((err: Error) => {
    problems.push({ field: 'agentId', reason: err.message });
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
  const keptLooked = looked.filter((l) =>
    l.competition ? !options.lite || l.competition.lite !== false : l.mlebench ? !options.lite || l.mlebench.lite : false,
  );
  if (keptLooked.length === 0) {
    throw new InvalidRunOptionsError([{ field: 'lite', reason: 'no competition of the set is in the Lite list' }]);
  }
  return {
    agent,
    competitionIds: keptLooked.map((l) => (l.competition ?? l.mlebench)!.id),
    competitions: keptLooked.flatMap((l) => (l.competition ? [l.competition] : [])),
    mlebench: keptLooked.flatMap((l) => (l.mlebench ? [l.mlebench] : [])),
  };
}

export function planRuns(groupId: string, groupDir: string, competitionIds: string[], nSeeds: number): PlannedRun[] {
  return competitionIds.flatMap((competitionId) =>
    Array.from({ length: nSeeds }, (_, i) => {
      const seed = i + 1;
      return { runId: competitionRunId(groupId, competitionId, seed), competitionId, seed, runDir: runDir(groupDir, competitionId, seed) };
    }),
  );
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
): { runs: PlannedRun[]; skipped: SkippedTechniqueRun[] } {
  const runs: PlannedRun[] = [];
  const skipped: SkippedTechniqueRun[] = [];
  for (const task of TECHNIQUE_TASKS.filter((t) => tasks.includes(t))) {
    for (const competition of competitions) {
      const reason = whyNotApplicable(task, competition);
      if (reason) {
        skipped.push({ task, competition_id: competition.id, reason });
        continue;
      }
      for (let seed = 1; seed <= nSeeds; seed += 1) {
        runs.push({
          runId: techniqueRunId(groupId, task, competition.id, seed),
          competitionId: competition.id,
          task,
          seed,
          runDir: runDir(groupDir, `${task}_${competition.id}`, seed),
        });
      }
    }
  }
  return { runs, skipped };
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
  const { competitionIds, competitions } = await resolveRunRequest(options, paths);
  const groupDir = await claimGroupDir(paths.runsDir, groupId, options.agentId, startedAt);
  const { runs, skipped } = options.techniqueTasks
    ? planTechniqueRuns(groupId, groupDir, competitions, options.tasks ?? TECHNIQUE_TASKS, options.nSeeds)
    : { runs: planRuns(groupId, groupDir, competitionIds, options.nSeeds), skipped: [] };
  return { groupId, agentId: options.agentId, groupDir, startedAt: startedAt.toISOString(), options, runs, skipped };
}
