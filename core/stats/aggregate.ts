/**
 * The statistics of MLE-bench's experiments/aggregate_grading_reports.py over grading reports
 * (ours or MLE-bench's), computed the same way: the reports' runs grouped into seeds — the k-th
 * report of each competition, in the order read (files by name, then competitions by id), is
 * seed k — each seed's percentages, and their mean, 95% interval (mean ± 1.96·SEM, ddof=1) and
 * standard error. By default only complete seeds count; `padMissing` fills a seed's missing
 * competitions with a run that has nothing, as the script's `--pad-missing` does.
 */
import { normalizedContribution } from '../grading/normalized';
import { normalInterval, type IntervalStat } from './summary';

/** What MLE-bench's aggregation reads of each competition report: a grading report must carry these. */
export const AGGREGATED_FIELDS = [
  'competition_id',
  'gold_medal',
  'silver_medal',
  'bronze_medal',
  'above_median',
  'submission_exists',
  'valid_submission',
] as const;

type Flag = Exclude<(typeof AGGREGATED_FIELDS)[number], 'competition_id'>;
export type AggregatedRun = { competition_id: string } & Record<Flag, boolean> & {
    /** Its part in the mean normalized score (core/grading/normalized.ts); null: left out. */
    normalized?: number | null;
  };

export interface SeedMetrics {
  total_competitions: number;
  submission_exists_percentage: number;
  valid_submissions_percentage: number;
  above_median_percentage: number;
  gold_medal_percentage: number;
  silver_medal_percentage: number;
  bronze_medal_percentage: number;
  any_medal_percentage: number;
}

export interface AggregateMetrics {
  num_seeds_averaged: number;
  num_competitions_per_seed: number;
  metrics: Record<keyof SeedMetrics, IntervalStat>;
}

/** One grading report as read: its file (the order of files is the order of seeds) and its JSON. */
export interface ReadReport {
  file: string;
  report: unknown;
}

/** The runs of the reports in the order the script reads them; a report without a field it reads is an error naming both. */
export function aggregatedRuns(reports: readonly ReadReport[]): AggregatedRun[] {
  const runs: AggregatedRun[] = [];
  for (const { file, report } of [...reports].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
    const list = (report as { competition_reports?: unknown } | null)?.competition_reports;
    if (!Array.isArray(list)) throw new Error(`${file}: no competition_reports list: not a grading report`);
    const rows = list.map((entry: unknown, i) => {
      const r = (entry ?? {}) as Record<string, unknown>;
      const missing = AGGREGATED_FIELDS.filter((f) => !(f in r));
      if (missing.length) throw new Error(`${file}: competition_reports[${i}] has no ${missing.join(', ')}`);
      const flag = (f: Flag) => Boolean(r[f]);
      return {
        competition_id: String(r.competition_id),
        gold_medal: flag('gold_medal'),
        silver_medal: flag('silver_medal'),
        bronze_medal: flag('bronze_medal'),
        above_median: flag('above_median'),
        submission_exists: flag('submission_exists'),
        valid_submission: flag('valid_submission'),
        normalized: normalizedContribution({
          normalized_score: r.normalized_score as number | null | undefined,
          valid_submission: flag('valid_submission'),
          sample_score: r.sample_score as number | null | undefined,
          best_score: typeof r.best_score === 'number' ? r.best_score : undefined,
          is_lower_better: Boolean(r.is_lower_better),
        }),
      };
    });
    // A stable sort by id: within a competition the runs keep the report's order (its seeds').
    runs.push(...rows.sort((a, b) => (a.competition_id < b.competition_id ? -1 : a.competition_id > b.competition_id ? 1 : 0)));
  }
  return runs;
}

const nothing = (competition_id: string): AggregatedRun => ({
  competition_id,
  gold_medal: false,
  silver_medal: false,
  bronze_medal: false,
  above_median: false,
  submission_exists: false,
  valid_submission: false,
});

export interface SeedOptions {
  /** How many seeds to average; -1 (the default) every one there is. */
  numSeeds?: number;
  padMissing?: boolean;
}

/** Seeds of one run per competition of `competitionIds`, as the script's build_complete_seeds and select_seeds. */
export function buildSeeds(runs: readonly AggregatedRun[], competitionIds: readonly string[], opts: SeedOptions = {}): AggregatedRun[][] {
  const requested = opts.numSeeds ?? -1;
  if (competitionIds.length === 0) throw new Error('No competitions provided.');
  const byCompetition = new Map<string, AggregatedRun[]>(competitionIds.map((id) => [id, []]));
  for (const run of runs) byCompetition.get(run.competition_id)?.push(run);
  const missing = competitionIds.filter((id) => byCompetition.get(id)!.length === 0);
  if (missing.length && !opts.padMissing) {
    throw new Error(
      `Missing reports for competitions: ${missing.join(', ')}; cannot build complete seeds (--pad-missing counts them as runs with nothing).`,
    );
  }
  const counts = competitionIds.map((id) => byCompetition.get(id)!.length);
  const available = opts.padMissing ? Math.max(...counts) : Math.min(...counts);
  if (available === 0) throw new Error('No reports available to form any seed.');
  const count = requested === -1 ? available : Math.min(requested, available);
  if (count <= 0) throw new Error('No seeds requested or available after evaluating competition coverage.');
  if (requested !== -1 && requested > count) {
    throw new Error(`Requested ${requested} seeds, but only ${count} ${opts.padMissing ? '' : 'complete '}seeds available.`);
  }
  return Array.from({ length: count }, (_, k) => competitionIds.map((id) => byCompetition.get(id)![k] ?? nothing(id)));
}

export function seedMetrics(seed: readonly AggregatedRun[]): SeedMetrics {
  const total = seed.length;
  const pct = (pick: (r: AggregatedRun) => boolean) => (seed.filter(pick).length / total) * 100;
  return {
    total_competitions: total,
    submission_exists_percentage: pct((r) => r.submission_exists),
    valid_submissions_percentage: pct((r) => r.valid_submission),
    above_median_percentage: pct((r) => r.above_median),
    gold_medal_percentage: pct((r) => r.gold_medal),
    silver_medal_percentage: pct((r) => r.silver_medal),
    bronze_medal_percentage: pct((r) => r.bronze_medal),
    any_medal_percentage: pct((r) => r.gold_medal || r.silver_medal || r.bronze_medal),
  };
}

export interface Aggregate {
  competition_ids: string[];
  seeds: SeedMetrics[];
  average: AggregateMetrics;
  /** Not in MLE-bench's script: each seed's mean normalized score (null: no run of it has one) and their mean with the same interval. */
  normalized: { seeds: (number | null)[]; mean: IntervalStat | null };
}

/** A seed's mean normalized score over the runs that have one (docs/metrics.md). */
export function seedNormalized(seed: readonly AggregatedRun[]): number | null {
  const xs = seed.map((r) => r.normalized ?? null).filter((x): x is number => x !== null);
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** The script's whole computation: its per-seed lines and its "Average metrics across seeds". */
export function aggregateReports(reports: readonly ReadReport[], competitionIds: readonly string[], opts: SeedOptions = {}): Aggregate {
  const built = buildSeeds(aggregatedRuns(reports), competitionIds, opts);
  const seeds = built.map(seedMetrics);
  const normalizedSeeds = built.map(seedNormalized);
  const counted = normalizedSeeds.filter((x): x is number => x !== null);
  const keys = Object.keys(seeds[0]!) as (keyof SeedMetrics)[];
  const metrics = Object.fromEntries(keys.map((k) => [k, normalInterval(seeds.map((s) => s[k]))])) as AggregateMetrics['metrics'];
  return {
    competition_ids: [...competitionIds],
    seeds,
    average: { num_seeds_averaged: seeds.length, num_competitions_per_seed: competitionIds.length, metrics },
    normalized: { seeds: normalizedSeeds, mean: counted.length ? normalInterval(counted) : null },
  };
}
