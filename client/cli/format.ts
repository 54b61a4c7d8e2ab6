/** How the CLI prints results: a table for people, one JSON object for machines. */
import Table from 'cli-table3';
import type { CompetitionRunResult, RunKind, RunResult, TechniqueRunResult } from '../../core/runs/types';
import type { SkippedTechniqueRun } from '../../core/techniques/types';
import { formatCost, formatTokens, llmTotals } from '../../core/runs/llmTotals';

export function formatScore(score: number | null | undefined): string {
  return score === null || score === undefined || Number.isNaN(score) ? '—' : score.toPrecision(5);
}

/** The results of a group: competition runs (score, medal) or technique runs (grade and its criteria). */
export function resultsTable(kind: RunKind, results: RunResult[], skipped: readonly SkippedTechniqueRun[] = []): string {
  if (kind === 'technique')
    return techniqueTable(
      results.filter((r): r is TechniqueRunResult => r.kind === 'technique'),
      skipped,
    );
  const runs = results.filter((r): r is CompetitionRunResult => r.kind === 'competition');
  const llm = runs.some((r) => r.llm);
  const table = new Table({
    head: ['competition', 'seed', 'outcome', 'score', 'normalized', 'medal', 'above median', 'agent time', ...(llm ? ['LLM'] : [])],
  });
  for (const r of [...runs].sort((a, b) => a.competitionId.localeCompare(b.competitionId) || a.seed - b.seed)) {
    table.push([
      r.competitionId,
      r.seed,
      r.outcome + (r.reason && r.outcome !== 'succeeded' ? `\n${truncate(r.reason, 60)}` : ''),
      formatScore(r.score),
      r.grade?.normalized_score == null ? '—' : r.grade.normalized_score.toFixed(3),
      r.medal ?? '—',
      r.aboveMedian ? 'yes' : 'no',
      r.timings.agentSecs === null ? '—' : `${r.timings.agentSecs.toFixed(1)} s`,
      ...(llm ? [llmCell(r)] : []),
    ]);
  }
  return [table.toString(), ...llmTotalsLine(runs)].join('\n');
}

/** One run's gateway use: requests, tokens, dollars, and the budget that ran out. */
function llmCell(r: RunResult): string {
  if (!r.llm) return '—';
  const u = r.llm;
  return [
    `${u.requests} req`,
    `${formatTokens(u.totalTokens)} tok`,
    formatCost(u.costUsd, u.unpricedRequests),
    ...(u.budgetExhausted ? [`${u.budgetExhausted} budget ran out`] : []),
  ].join('\n');
}

function llmTotalsLine(runs: RunResult[]): string[] {
  const t = llmTotals(runs);
  if (!t) return [];
  const exhausted = t.budgetExhausted ? `; ${t.budgetExhausted} run(s) ended by their budget` : '';
  return [
    `LLM: ${t.requests} requests, ${formatTokens(t.totalTokens)} tokens (${formatTokens(t.promptTokens)} in, ${formatTokens(t.completionTokens)} out), ${formatCost(t.costUsd, t.unpricedRequests)} over ${t.runs} run(s)${exhausted}`,
  ];
}

function techniqueTable(runs: TechniqueRunResult[], skipped: readonly SkippedTechniqueRun[]): string {
  const table = new Table({ head: ['task', 'competition', 'seed', 'outcome', 'grade', 'criteria', 'agent time'] });
  const key = (r: TechniqueRunResult) => `${r.task} ${r.competitionId}`;
  for (const r of [...runs].sort((a, b) => key(a).localeCompare(key(b)) || a.seed - b.seed)) {
    const criteria = r.techniqueGrade?.criteria.map((c) => `${c.name} ${c.score.toFixed(2)} ×${c.weight}`).join('\n') ?? '—';
    table.push([
      r.task,
      r.competitionId,
      r.seed,
      r.outcome + (r.reason && r.outcome !== 'succeeded' ? `\n${truncate(r.reason, 60)}` : ''),
      formatScore(r.score),
      criteria,
      r.timings.agentSecs === null ? '—' : `${r.timings.agentSecs.toFixed(1)} s`,
    ]);
  }
  const notes = skipped.map((s) => `skipped ${s.task} on ${s.competition_id}: ${s.reason}`);
  return [table.toString(), ...notes, ...llmTotalsLine(runs)].join('\n');
}

export function runsJson(runs: RunResult[]) {
  return runs.map((r) => ({
    run_id: r.runId,
    ...(r.kind === 'technique' ? { task: r.task, criteria: r.techniqueGrade?.criteria ?? [] } : {}),
    competition_id: r.competitionId,
    seed: r.seed,
    outcome: r.outcome,
    reason: r.reason ?? null,
    score: r.score,
    // Competition runs only (docs/metrics.md); a technique run's grade is already 0..1.
    ...(r.kind === 'competition' ? { normalized_score: r.grade?.normalized_score ?? null } : {}),
    // A technique run has no medal: the seed's JSON always had these two keys.
    medal: r.kind === 'competition' ? r.medal : null,
    above_median: r.kind === 'competition' ? r.aboveMedian : false,
    ...(r.llm ? { llm: r.llm } : {}),
    dir: r.runDir,
  }));
}

function truncate(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
