/**
 * One technique task × competition × seed: plant the task's property in the competition's data,
 * run the agent on the planted copy, grade its predictions and analysis against the planted truth.
 */
import type { TechniqueGrade } from '../core/techniques/types';
import type { RunResult, TechniqueRunInput } from '../core/runs/types';
import { gradeTechniqueSubmission, prepareTechniqueData } from './activityOptions';
import { runAgentSteps } from './agentRun';

export async function techniqueRun(input: TechniqueRunInput): Promise<RunResult> {
  const { task, competitionId, seed, runDir } = input;
  const key = { task, competitionId, seed };
  return runAgentSteps<TechniqueGrade>(input, {
    subject: `${task} on ${competitionId}`,
    task,
    prepare: async () =>
      (await prepareTechniqueData.executeWithOptions({ summary: `plant ${task} in ${competitionId} (seed ${seed})` }, [key])).publicDir,
    grade: () =>
      gradeTechniqueSubmission.executeWithOptions({ summary: `grade the ${task} analysis and predictions` }, [{ ...key, runDir }]),
    recordGrade: (grade) => ({ kind: 'technique', task, score: grade?.score ?? null, techniqueGrade: grade }),
  });
}
