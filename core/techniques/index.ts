/** Technique tasks: plant a known property in a competition's data, grade the agent against it. */
export {
  prepareTechniqueData,
  loadPreparedTechnique,
  techniqueRoot,
  plantSeed,
  TASK_FILE,
  TRUTH_FILE,
  type PreparedTechnique,
  type TechniqueRunKey,
  type TaskFile,
  type TruthFile,
} from './prepare';
export { gradeTechniqueSubmission, type TechniqueGradeInput } from './grade';
export { listTechniqueTasks, taskDefinition, whyNotApplicable, analysisFileName, TechniqueNotApplicableError } from './registry';
export { summarizeTechniqueGrades, type TechniqueGradesReport, type TechniqueGradeEntry } from './report';
export type { TechniqueGrade, TechniqueTask, SkippedTechniqueRun, Criterion, TechniqueTaskDefinition } from './types';
