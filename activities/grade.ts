import path from 'node:path';
import type { HarnessPaths } from '../core/config';
import { gradeSubmission as gradeCompetitionSubmission } from '../core/grading';
import { submissionPath } from '../core/artifacts/layout';
import type { CompetitionReport } from '../core/grading/report';
import type { CompetitionSourceDescriptor } from '../core/competitions';
import { gradeTechniqueSubmission as gradeTechnique, type TechniqueGrade, type TechniqueRunKey } from '../core/techniques';

export function gradeActivities(paths: HarnessPaths) {
  return {
    /** Grades `<runDir>/submission/submission.csv` (an MLE-bench competition by its own Python grader); an invalid or missing submission is a report, not an error. */
    async gradeSubmission(input: {
      competitionId: string;
      runDir: string;
      source?: CompetitionSourceDescriptor;
    }): Promise<CompetitionReport> {
      return gradeCompetitionSubmission({
        competitionId: input.competitionId,
        submissionPath: submissionPath(input.runDir),
        dataDir: paths.dataDir,
        competitionsDir: paths.competitionsDir,
        source: input.source,
      });
    },

    /** Grades a technique run's predictions and analysis (in `<runDir>/submission/`) against the planted truth. */
    async gradeTechniqueSubmission(input: TechniqueRunKey & { runDir: string }): Promise<TechniqueGrade> {
      const { runDir, ...key } = input;
      return gradeTechnique({ ...key, submissionDir: path.dirname(submissionPath(runDir)) }, { dataDir: paths.dataDir });
    },
  };
}
