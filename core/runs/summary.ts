/**
 * A run group's summary from its runs' records, the one place it is computed: the group's
 * finalize step writes it (grading_report.json or technique_grades.json), the SDK's
 * `getRunSummary` (and through it the CLI) returns it. Pure: the reports of runs that were
 * never graded (`ungraded`, thresholds read from the leaderboards) are the caller's to look up.
 */
import type { Outcome } from '../outcomes';
import { summarizeReports } from '../grading/summary';
import type { CompetitionReport, GradingReport } from '../grading/report';
import { summarizeTechniqueGrades, type TechniqueGradesReport } from '../techniques/report';
import type { SkippedTechniqueRun } from '../techniques/types';
import { llmTotals, type LlmTotals } from './llmTotals';
import type { CompetitionRunResult, RunKind, RunResult } from './types';

export type GroupReports =
  | { kind: 'competition'; gradingReport: GradingReport; techniqueGrades: null }
  | { kind: 'technique'; gradingReport: null; techniqueGrades: TechniqueGradesReport };

export type GroupSummary = GroupReports & {
  /** Every run of the group, whatever its ending. */
  total: number;
  outcomes: Partial<Record<Outcome, number>>;
  medals: number;
  llmTotals: LlmTotals | null;
};

export interface SummarizeOptions {
  createdAt: string;
  /** The report of each competition run that has no grade (infra error, cancel), by run id. */
  ungraded: ReadonlyMap<string, CompetitionReport>;
}

/** The runs whose report the caller must look up for `summarizeGroup` (no grade of their own). */
export function ungradedRuns(results: readonly RunResult[]): CompetitionRunResult[] {
  return results.filter((r): r is CompetitionRunResult => r.kind === 'competition' && r.grade === null);
}

/**
 * Every run counts, graded or not: a run that never graded is in the report with no submission,
 * so `total_runs` says how many runs the group had.
 */
export function summarizeGroup(
  group: { kind: RunKind; skipped?: readonly SkippedTechniqueRun[] },
  results: readonly RunResult[],
  opts: SummarizeOptions,
): GroupSummary {
  const outcomes: Partial<Record<Outcome, number>> = {};
  for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const common = { total: results.length, outcomes, llmTotals: llmTotals(results) };
  if (group.kind === 'technique') {
    return { ...common, kind: 'technique', gradingReport: null, techniqueGrades: summarizeTechniqueGrades(results, group.skipped ?? [], opts.createdAt), medals: 0 };
  }
  const competitionRuns = results.filter((r): r is CompetitionRunResult => r.kind === 'competition');
  const reports = competitionRuns.map((r) => {
    const report = r.grade ?? opts.ungraded.get(r.runId);
    if (!report) throw new Error(`summarizeGroup: run ${r.runId} (${r.outcome}) has no grade and no ungraded report was given for it`);
    return report;
  });
  return {
    ...common,
    kind: 'competition',
    gradingReport: summarizeReports(reports, new Date(opts.createdAt)),
    techniqueGrades: null,
    medals: competitionRuns.filter((r) => r.medal !== null).length,
  };
}
