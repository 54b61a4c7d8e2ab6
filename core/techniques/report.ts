/**
 * `technique_grades.json` of a run group: every technique run's grade with its per-criterion
 * breakdown, the pairs skipped because the task does not apply, and per-task totals.
 */
import type { Outcome } from '../outcomes';
import type { RunResult, TechniqueRunResult } from '../runs/types';
import type { Criterion, SkippedTechniqueRun, TechniqueGrade, TechniqueTask } from './types';

export interface TechniqueGradeEntry {
  run_id: string;
  task: TechniqueTask;
  competition_id: string;
  seed: number;
  outcome: Outcome;
  /** 0..1; null when the run was never graded (infrastructure error, cancelled). */
  score: number | null;
  criteria: Criterion[];
  /** Why the run did not succeed, or what was wrong with its files. */
  reason?: string;
  grade: TechniqueGrade | null;
}

export interface TechniqueTaskTotals {
  runs: number;
  graded: number;
  /** Over graded runs; null when none was. */
  mean_score: number | null;
  min_score: number | null;
  max_score: number | null;
}

export interface TechniqueGradesReport {
  created_at: string;
  total_runs: number;
  total_graded: number;
  mean_score: number | null;
  by_task: Partial<Record<TechniqueTask, TechniqueTaskTotals>>;
  grades: TechniqueGradeEntry[];
  skipped: SkippedTechniqueRun[];
}

function totals(scores: (number | null)[]): TechniqueTaskTotals {
  const graded = scores.filter((s): s is number => s !== null);
  const round = (x: number) => Number(x.toFixed(4));
  return {
    runs: scores.length,
    graded: graded.length,
    mean_score: graded.length ? round(graded.reduce((a, b) => a + b, 0) / graded.length) : null,
    min_score: graded.length ? Math.min(...graded) : null,
    max_score: graded.length ? Math.max(...graded) : null,
  };
}

export function summarizeTechniqueGrades(
  results: readonly RunResult[],
  skipped: readonly SkippedTechniqueRun[],
  createdAt: string,
): TechniqueGradesReport {
  const grades: TechniqueGradeEntry[] = results
    .filter((r): r is TechniqueRunResult => r.kind === 'technique')
    .map((r) => {
      const grade = r.techniqueGrade;
      const reason = r.reason ?? grade?.error;
      return {
        run_id: r.runId,
        task: r.task,
        competition_id: r.competitionId,
        seed: r.seed,
        outcome: r.outcome,
        score: grade?.score ?? null,
        criteria: grade?.criteria ?? [],
        ...(reason ? { reason } : {}),
        grade,
      };
    });
  const byTask: Partial<Record<TechniqueTask, TechniqueTaskTotals>> = {};
  for (const task of [...new Set(grades.map((g) => g.task))])
    byTask[task] = totals(grades.filter((g) => g.task === task).map((g) => g.score));
  const all = totals(grades.map((g) => g.score));
  return {
    created_at: createdAt,
    total_runs: all.runs,
    total_graded: all.graded,
    mean_score: all.mean_score,
    by_task: byTask,
    grades,
    skipped: [...skipped],
  };
}
