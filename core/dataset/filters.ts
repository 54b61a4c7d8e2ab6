/** Which runs a dataset keeps: the export's and the query's filters, on a run's record. */
import { z } from 'zod';
import { OUTCOMES } from '../outcomes';
import { TECHNIQUE_TASKS } from '../options';
import type { Medal, RunResult } from '../runs/types';

const MEDAL_RANK: Record<Medal, number> = { bronze: 1, silver: 2, gold: 3 };

export const datasetFiltersSchema = z.strictObject({
  outcomes: z.array(z.enum(OUTCOMES)).optional().describe('only runs that ended so'),
  validOnly: z.boolean().optional().describe('only runs whose submission was valid'),
  minMedal: z.enum(['bronze', 'silver', 'gold']).optional().describe('only competition runs with this medal or better'),
  minTechniqueGrade: z.number().min(0).max(1).optional().describe('only technique runs graded at least this'),
  competitions: z.array(z.string().min(1).max(200)).optional().describe('only these competitions'),
  tasks: z.array(z.enum(TECHNIQUE_TASKS)).optional().describe('only technique runs of these tasks'),
});
export type DatasetFilters = z.infer<typeof datasetFiltersSchema>;

/** Whether the submission was valid: a competition run's report says, a technique run's grade says; null when never graded. */
export function validSubmission(r: RunResult): boolean | null {
  if (r.kind === 'competition') return r.grade?.valid_submission ?? null;
  return r.techniqueGrade?.valid_submission ?? null;
}

export function keepsRun(f: DatasetFilters, r: RunResult): boolean {
  if (f.outcomes && !f.outcomes.includes(r.outcome)) return false;
  if (f.validOnly && validSubmission(r) !== true) return false;
  if (f.competitions && !f.competitions.includes(r.competitionId)) return false;
  if (f.minMedal && (r.kind !== 'competition' || !r.medal || MEDAL_RANK[r.medal] < MEDAL_RANK[f.minMedal])) return false;
  if (f.minTechniqueGrade !== undefined && (r.kind !== 'technique' || (r.techniqueGrade?.score ?? -1) < f.minTechniqueGrade)) return false;
  if (f.tasks && (r.kind !== 'technique' || !f.tasks.includes(r.task))) return false;
  return true;
}

/** The filters as the dataset card states them ("none" when none). */
export function describeFilters(f: DatasetFilters): string[] {
  const out: string[] = [];
  if (f.outcomes) out.push(`outcome in ${f.outcomes.join(', ')}`);
  if (f.validOnly) out.push('valid submissions only');
  if (f.minMedal) out.push(`medal ${f.minMedal} or better`);
  if (f.minTechniqueGrade !== undefined) out.push(`technique grade >= ${f.minTechniqueGrade}`);
  if (f.competitions) out.push(`competitions ${f.competitions.join(', ')}`);
  if (f.tasks) out.push(`tasks ${f.tasks.join(', ')}`);
  return out;
}
