/** One competition × seed: prepare its data, run the agent, grade the submission with the competition's metric. */
import type { CompetitionReport } from '../core/grading/report';
import type { CompetitionRunInput, RunResult } from '../core/runs/types';
import { medalOf } from '../core/runs/outcome';
import { gradeSubmission, prepareData } from './activityOptions';
import { runAgentSteps } from './agentRun';

export async function competitionRun(input: CompetitionRunInput): Promise<RunResult> {
  const { competitionId, runDir, source } = input;
  // The source the plan recorded travels to the activities; a run planned before it was recorded has none (decided there again).
  const where = source ? { source } : {};
  return runAgentSteps<CompetitionReport>(input, {
    subject: competitionId,
    prepare: async () =>
      (await prepareData.executeWithOptions({ summary: `prepare ${competitionId}` }, [{ competitionId, ...where }])).publicDir,
    grade: () =>
      gradeSubmission.executeWithOptions({ summary: `grade ${competitionId} submission` }, [{ competitionId, runDir, ...where }]),
    recordGrade: (grade) => ({
      kind: 'competition',
      score: grade?.score ?? null,
      medal: medalOf(grade),
      aboveMedian: grade?.above_median ?? false,
      grade,
    }),
  });
}
