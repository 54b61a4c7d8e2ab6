/**
 * A paired comparison of two run groups (two agents, or two settings) on the same competitions
 * and seeds: runs are paired by (competition, seed[, technique task]), and every difference is
 * B − A with B's improvement positive — a score where lower is better (`is_lower_better` of the
 * run's grading report, from the competition's metric) counts a lower B as a gain. Each mean
 * difference has a 95% paired t interval (summary.ts). A pair where either run ended
 * `infra_error` or `cancelled` says nothing about the agents: it is listed, not counted.
 */
import type { Outcome } from '../outcomes';
import type { CompetitionRunResult, RunResult } from '../runs/types';
import { pairedInterval, type PairedStat } from './summary';

export interface ComparedGroup {
  id: string;
  agent_id: string;
  runs: readonly RunResult[];
}

export interface RunKey {
  competition_id: string;
  seed: number;
  task?: string;
}

export interface PairDifference extends RunKey {
  a_run_id: string;
  b_run_id: string;
  a_score: number | null;
  b_score: number | null;
  /** B's score minus A's, sign turned so that B better is positive; null unless both have a score. */
  improvement: number | null;
  /** The improvement over the larger of the two scores' magnitudes: comparable across competitions. */
  relative: number | null;
  a_medal: string | null;
  b_medal: string | null;
}

export interface ScoreByCompetition extends PairedStat {
  competition_id: string;
  task?: string;
  is_lower_better: boolean;
}

export interface Comparison {
  a: { id: string; agent_id: string; runs: number };
  b: { id: string; agent_id: string; runs: number };
  method: string;
  pairs: number;
  /** Pairs left out of every statistic: one of their runs ended infra_error or cancelled. */
  excluded: (RunKey & { a_outcome: Outcome; b_outcome: Outcome })[];
  unpaired: { a_only: RunKey[]; b_only: RunKey[] };
  /** Score differences per competition (and task): scores of different competitions are on different scales. */
  score: ScoreByCompetition[];
  /** Every scored pair's relative improvement (`PairDifference.relative`): the score difference over all competitions. */
  relative_score: PairedStat | null;
  /** Percentage points, over competition runs' pairs. */
  medal_rate: PairedStat | null;
  above_median_rate: PairedStat | null;
  valid_submission_rate: PairedStat | null;
  /** Technique runs' grades (0..1), all tasks and by task. */
  technique_grade: { all: PairedStat | null; by_task: (PairedStat & { task: string })[] };
  /** The pairs whose scores differ most (by |relative|; equal ones left out), at most `top`. */
  most_different: PairDifference[];
}

export const COMPARISON_METHOD =
  'paired by (competition, seed[, task]); B − A, B better positive; 95% CI: mean ± t(0.975, n−1)·SD/√n (paired t, jstat studentt.inv)';

const NOT_THE_AGENTS: readonly Outcome[] = ['infra_error', 'cancelled'];

const keyOf = (r: RunResult): RunKey => ({
  competition_id: r.competitionId,
  seed: r.seed,
  ...(r.kind === 'technique' ? { task: r.task } : {}),
});
const keyString = (k: RunKey) => JSON.stringify([k.competition_id, k.seed, k.task ?? null]);

function lowerIsBetter(a: RunResult, b: RunResult): boolean {
  const grade = (r: RunResult) => (r.kind === 'competition' ? r.grade : null);
  return grade(a)?.is_lower_better ?? grade(b)?.is_lower_better ?? false;
}

function difference(a: RunResult, b: RunResult): PairDifference {
  const both = a.score !== null && b.score !== null;
  const sign = lowerIsBetter(a, b) ? -1 : 1;
  const improvement = both ? sign * (b.score! - a.score!) : null;
  const scale = both ? Math.max(Math.abs(a.score!), Math.abs(b.score!)) : 0;
  const medal = (r: RunResult) => (r.kind === 'competition' ? r.medal : null);
  return {
    ...keyOf(a),
    a_run_id: a.runId,
    b_run_id: b.runId,
    a_score: a.score,
    b_score: b.score,
    improvement,
    relative: improvement === null ? null : scale > 0 ? improvement / scale : improvement,
    a_medal: medal(a),
    b_medal: medal(b),
  };
}

/** Values grouped by a label, in first-seen order. */
function groupBy<T>(items: readonly T[], label: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) out.set(label(t), [...(out.get(label(t)) ?? []), t]);
  return out;
}

export function compareGroups(a: ComparedGroup, b: ComparedGroup, opts: { top?: number } = {}): Comparison {
  const bByKey = new Map(b.runs.map((r) => [keyString(keyOf(r)), r]));
  const aKeys = new Set(a.runs.map((r) => keyString(keyOf(r))));
  const paired: [RunResult, RunResult][] = [];
  const excluded: Comparison['excluded'] = [];
  for (const ra of a.runs) {
    const rb = bByKey.get(keyString(keyOf(ra)));
    if (!rb) continue;
    if (NOT_THE_AGENTS.includes(ra.outcome) || NOT_THE_AGENTS.includes(rb.outcome)) {
      excluded.push({ ...keyOf(ra), a_outcome: ra.outcome, b_outcome: rb.outcome });
    } else paired.push([ra, rb]);
  }
  const diffs = paired.map(([ra, rb]) => ({ ra, rb, d: difference(ra, rb) }));
  const competitionPairs = diffs.filter(({ ra, rb }) => ra.kind === 'competition' && rb.kind === 'competition');
  const rate = (flag: (r: CompetitionRunResult) => boolean) =>
    pairedInterval(
      competitionPairs.map(({ ra, rb }) => 100 * (Number(flag(rb as CompetitionRunResult)) - Number(flag(ra as CompetitionRunResult)))),
    );
  const scored = diffs.filter(({ d }) => d.improvement !== null);
  const score = [...groupBy(scored, ({ d }) => keyString({ competition_id: d.competition_id, seed: 0, task: d.task })).values()].map(
    (group) => {
      const { d, ra, rb } = group[0]!;
      return {
        competition_id: d.competition_id,
        ...(d.task ? { task: d.task } : {}),
        is_lower_better: lowerIsBetter(ra, rb),
        ...pairedInterval(group.map((g) => g.d.improvement!))!,
      };
    },
  );
  const techniqueScored = scored.filter(({ d }) => d.task !== undefined);
  return {
    a: { id: a.id, agent_id: a.agent_id, runs: a.runs.length },
    b: { id: b.id, agent_id: b.agent_id, runs: b.runs.length },
    method: COMPARISON_METHOD,
    pairs: paired.length,
    excluded,
    unpaired: {
      a_only: a.runs.filter((r) => !bByKey.has(keyString(keyOf(r)))).map(keyOf),
      b_only: b.runs.filter((r) => !aKeys.has(keyString(keyOf(r)))).map(keyOf),
    },
    score,
    relative_score: pairedInterval(scored.map(({ d }) => d.relative!)),
    medal_rate: rate((r) => r.medal !== null),
    above_median_rate: rate((r) => r.aboveMedian),
    valid_submission_rate: rate((r) => r.grade?.valid_submission ?? false),
    technique_grade: {
      all: pairedInterval(techniqueScored.map(({ d }) => d.improvement!)),
      by_task: [...groupBy(techniqueScored, ({ d }) => d.task!)].map(([task, group]) => ({
        task,
        ...pairedInterval(group.map(({ d }) => d.improvement!))!,
      })),
    },
    most_different: scored
      .map(({ d }) => d)
      .filter((d) => d.relative !== 0)
      .sort((x, y) => Math.abs(y.relative!) - Math.abs(x.relative!))
      .slice(0, opts.top ?? 5),
  };
}
