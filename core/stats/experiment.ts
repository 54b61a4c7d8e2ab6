/**
 * The effect of an experiment's context (options `arms`, `mlebench experiment`): one group whose
 * every competition × seed ran once per arm, `plain` (no context) and `injected` (the context).
 * The arms are split into two groups of runs and compared as `mlebench compare` compares two
 * groups (compare.ts: paired by competition and seed, injected − plain, a gain positive, 95%
 * paired t intervals), over all competitions and per competition.
 */
import type { Arm } from '../options';
import type { RunResult } from '../runs/types';
import { compareGroups, type ComparedGroup, type Comparison, type ScoreByCompetition } from './compare';
import type { PairedStat } from './summary';

export const CONTROL_ARM: Arm = 'plain';
export const TREATMENT_ARM: Arm = 'injected';

/** The effects over some pairs: the differences `mlebench compare` reports, minus its lists of runs. */
export interface ArmEffect {
  pairs: number;
  /** Pairs left out because a run of theirs ended infra_error or cancelled. */
  excluded: number;
  /** Relative score improvement over every scored pair (comparable across competitions). */
  relative_score: PairedStat | null;
  /** Percentage points. */
  medal_rate: PairedStat | null;
  above_median_rate: PairedStat | null;
  valid_submission_rate: PairedStat | null;
  technique_grade: PairedStat | null;
}

export interface CompetitionEffect extends ArmEffect {
  competition_id: string;
  /** The metric's own difference, per technique task where the runs are technique runs. */
  score: ScoreByCompetition[];
}

export interface ExperimentReport {
  group_id: string;
  agent_id: string;
  control: Arm;
  treatment: Arm;
  /** Runs of each arm, and those without one (a group that is not an experiment has only those). */
  runs: { control: number; treatment: number; unarmed: number };
  method: string;
  overall: ArmEffect;
  by_competition: CompetitionEffect[];
  /** The pairs whose scores differ most, as `mlebench compare` lists them. */
  most_different: Comparison['most_different'];
}

/** Whether a 95% interval lies wholly above (1) or below (−1) zero, or holds it (0); null without an interval. */
export function effectSign(stat: PairedStat | null): 1 | -1 | 0 | null {
  if (!stat || stat.ci_lower === null || stat.ci_upper === null) return null;
  if (stat.ci_lower > 0) return 1;
  if (stat.ci_upper < 0) return -1;
  return 0;
}

/** A group's runs as one compared group per arm (ids `<group>/<arm>`). */
export function armGroups(group: ComparedGroup): { control: ComparedGroup; treatment: ComparedGroup; unarmed: number } {
  const of = (arm: Arm): ComparedGroup => ({
    id: `${group.id}/${arm}`,
    agent_id: group.agent_id,
    runs: group.runs.filter((r) => r.arm === arm),
  });
  return { control: of(CONTROL_ARM), treatment: of(TREATMENT_ARM), unarmed: group.runs.filter((r) => !r.arm).length };
}

function effectOf(c: Comparison): ArmEffect {
  return {
    pairs: c.pairs,
    excluded: c.excluded.length,
    relative_score: c.relative_score,
    medal_rate: c.medal_rate,
    above_median_rate: c.above_median_rate,
    valid_submission_rate: c.valid_submission_rate,
    technique_grade: c.technique_grade.all,
  };
}

export function experimentReport(group: ComparedGroup, opts: { top?: number } = {}): ExperimentReport {
  const { control, treatment, unarmed } = armGroups(group);
  const overall = compareGroups(control, treatment, opts);
  const only = (g: ComparedGroup, competitionId: string): ComparedGroup => ({
    ...g,
    runs: g.runs.filter((r: RunResult) => r.competitionId === competitionId),
  });
  const competitions = [...new Set([...control.runs, ...treatment.runs].map((r) => r.competitionId))];
  return {
    group_id: group.id,
    agent_id: group.agent_id,
    control: CONTROL_ARM,
    treatment: TREATMENT_ARM,
    runs: { control: control.runs.length, treatment: treatment.runs.length, unarmed },
    method: `arms ${TREATMENT_ARM} − ${CONTROL_ARM}: ${overall.method}`,
    overall: effectOf(overall),
    by_competition: competitions.map((id) => {
      const c = compareGroups(only(control, id), only(treatment, id));
      return { competition_id: id, ...effectOf(c), score: c.score };
    }),
    most_different: overall.most_different,
  };
}
