/**
 * `mlebench aggregate GROUP...`: MLE-bench's experiments/aggregate_grading_reports.py over run
 * groups (their folders or ids): per-seed percentages, their mean, 95% interval and standard
 * error (core/stats/aggregate.ts). Reads the folders only: no Temporal server is needed.
 */
import { Command, InvalidArgumentError } from 'commander';
import Table from 'cli-table3';
import { harnessPaths } from '../../core/config';
import { resolveSplitOrLocalFile } from '../../core/runs/splits';
import { aggregateReports, aggregatedRuns, type SeedMetrics } from '../../core/stats/aggregate';
import { readGroupReports } from '../../core/stats/groups';
import { printJson } from './format';

interface AggregateFlags {
  split?: string;
  numSeeds: number;
  padMissing?: boolean;
  json?: boolean;
}

const LABELS: Record<keyof SeedMetrics, string> = {
  total_competitions: 'competitions',
  submission_exists_percentage: 'submission exists %',
  valid_submissions_percentage: 'valid submission %',
  above_median_percentage: 'above median %',
  gold_medal_percentage: 'gold %',
  silver_medal_percentage: 'silver %',
  bronze_medal_percentage: 'bronze %',
  any_medal_percentage: 'any medal %',
};

const seedCount = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || (n < 1 && n !== -1)) throw new InvalidArgumentError('a whole number of seeds, or -1 for all');
  return n;
};

export function aggregateCommand(): Command {
  return new Command('aggregate')
    .description(
      "MLE-bench's aggregate statistics over run groups (as experiments/aggregate_grading_reports.py): per-seed submission, valid, above-median and medal percentages, their mean, 95% CI (mean ± 1.96·SEM) and standard error",
    )
    .argument('<groups...>', 'run groups: folders, group ids of the runs folder, or grading report files')
    .option('--split <split>', "the competitions a seed must have (a split name or a file of yours); default: the groups' competitions")
    .option('--num-seeds <n>', 'seeds to average (-1: every complete one)', seedCount, -1)
    .option('--pad-missing', "count a seed's missing competitions as runs with no submission instead of dropping the seed")
    .option('--json', 'print JSON')
    .action(async (groups: string[], flags: AggregateFlags) => {
      const reports = await readGroupReports(groups, harnessPaths().runsDir);
      const ids = flags.split
        ? (await resolveSplitOrLocalFile(flags.split, harnessPaths())).ids
        : [...new Set(aggregatedRuns(reports).map((r) => r.competition_id))].sort();
      const result = aggregateReports(reports, ids, { numSeeds: flags.numSeeds, padMissing: flags.padMissing });
      if (flags.json) return printJson({ grading_reports: reports.map((r) => r.file), split: flags.split ?? null, ...result });
      const fmt = (x: number) => x.toFixed(2);
      const table = new Table({ head: ['metric', 'mean', '95% CI', 'standard error', ...result.seeds.map((_, i) => `seed ${i + 1}`)] });
      for (const [key, m] of Object.entries(result.average.metrics) as [
        keyof SeedMetrics,
        (typeof result.average.metrics)[keyof SeedMetrics],
      ][]) {
        table.push([
          LABELS[key],
          fmt(m.mean),
          `${fmt(m.ci_lower)} – ${fmt(m.ci_upper)}`,
          fmt(m.standard_error),
          ...result.seeds.map((s) => fmt(s[key])),
        ]);
      }
      const n = result.normalized;
      if (n.mean) {
        table.push([
          'mean normalized score',
          n.mean.mean.toFixed(3),
          `${n.mean.ci_lower.toFixed(3)} – ${n.mean.ci_upper.toFixed(3)}`,
          n.mean.standard_error.toFixed(3),
          ...n.seeds.map((x) => (x === null ? '—' : x.toFixed(3))),
        ]);
      }
      process.stdout.write(
        `${result.average.num_seeds_averaged} seeds of ${result.average.num_competitions_per_seed} competitions (${flags.padMissing ? 'missing runs padded' : 'complete seeds only'}), from ${reports.map((r) => r.file).join(', ')}\n${table.toString()}\n`,
      );
    });
}
