import type { HarnessPaths } from '../core/config';
import { gradeSubmission as gradeCompetitionSubmission } from '../core/grading';
import { submissionPath } from '../core/artifacts/layout';
import type { CompetitionReport } from '../core/grading/report';

export function gradeActivities(paths: HarnessPaths) {
  return {
    /** Grades `<runDir>/submission/submission.csv`; an invalid or missing submission is a report, not an error. */
    async gradeSubmission(input: { competitionId: string; runDir: string }): Promise<CompetitionReport> {
      return gradeCompetitionSubmission({
        competitionId: input.competitionId,
        submissionPath: submissionPath(input.runDir),
        dataDir: paths.dataDir,
      });
    },
  };
}
