/**
 * `mlebench experiment`: `mlebench run` with the arms plain and injected in one group (the same
 * competitions and seeds, injected with the run option `context`), ending with the effect of the
 * context (core/stats/experiment.ts); `mlebench experiment-report GROUP` shows that effect for a
 * group already run. The report reads the group folder only: no Temporal server is needed.
 */
import { Command, InvalidArgumentError } from 'commander';
import Table from 'cli-table3';
import { harnessPaths } from '../../core/config';
import { ARMS } from '../../core/options';
import { effectSign, type ArmEffect, type ExperimentReport } from '../../core/stats/experiment';
import { readExperimentReport } from '../../core/stats/experimentFile';
import { resolveGroupFolder } from '../../core/stats/groups';
import type { PairedStat } from '../../core/stats/summary';
import { statRow } from './compare';
import { printJson } from './format';

/** What `runCommand` needs to be `mlebench experiment`. */
export const EXPERIMENT_COMMAND = {
  name: 'experiment',
  description:
    'run an experiment: each competition × seed once per arm in one group (plain without the context, injected with it), then the effect of the context with 95% paired t intervals (docs/experiments.md)',
  arms: [...ARMS],
};

const VERDICTS = { '1': 'above 0', '-1': 'below 0', '0': 'holds 0' } as const;
const verdict = (s: PairedStat | null) => {
  const sign = effectSign(s);
  return sign === null ? '—' : VERDICTS[String(sign) as keyof typeof VERDICTS];
};

function effectRows(label: string, e: ArmEffect): string[][] {
  const rows: [string, PairedStat | null][] = [
    [`${label}: relative score`, e.relative_score],
    [`${label}: medal rate (pp)`, e.medal_rate],
    [`${label}: above median (pp)`, e.above_median_rate],
    [`${label}: valid submission (pp)`, e.valid_submission_rate],
    [`${label}: technique grade`, e.technique_grade],
  ];
  return rows.filter(([, s]) => s !== null).map(([name, s]) => [...statRow(name, s), verdict(s)]);
}

export function formatExperiment(r: ExperimentReport): string {
  const lines = [
    `experiment ${r.group_id} (${r.agent_id}): ${r.treatment} − ${r.control}; ${r.overall.pairs} pairs, ${r.overall.excluded} left out (infra_error or cancelled)`,
    r.method,
  ];
  const table = new Table({ head: ['effect', 'pairs', 'mean', '95% CI', 'standard error', 'interval'] });
  table.push(...effectRows('all', r.overall));
  for (const c of r.by_competition) {
    for (const s of c.score) {
      const name = `${c.competition_id}${s.task ? ` ${s.task}` : ''}: score (${s.is_lower_better ? 'lower' : 'higher'} is better)`;
      table.push([...statRow(name, s), verdict(s)]);
    }
    table.push(...effectRows(c.competition_id, c).filter(([name]) => !name!.endsWith('relative score')));
  }
  lines.push(table.toString());
  return lines.join('\n');
}

export function experimentReportCommand(): Command {
  return new Command('experiment-report')
    .description("an experiment group's effect of its context (injected − plain), per competition and overall, with 95% paired t intervals")
    .argument('<group>', 'the experiment group: a folder, or a group id of the runs folder')
    .option('--json', "print JSON (the shape of the group folder's experiment_report.json)")
    .action(async (group: string, flags: { json?: boolean }) => {
      const report = await readExperimentReport(await resolveGroupFolder(group, harnessPaths().runsDir)).catch((err: Error) => {
        throw new InvalidArgumentError(err.message);
      });
      if (flags.json) return printJson(report);
      process.stdout.write(`${formatExperiment(report)}\n`);
    });
}
