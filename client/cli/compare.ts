/**
 * `mlebench compare GROUP_A GROUP_B`: a paired comparison of two run groups on the same
 * competitions and seeds (core/stats/compare.ts): B − A, B better positive, each mean with a
 * 95% paired t interval. Reads the folders only: no Temporal server is needed.
 */
import { Command, InvalidArgumentError } from 'commander';
import Table from 'cli-table3';
import { harnessPaths } from '../../core/config';
import { compareGroups, type Comparison, type RunKey } from '../../core/stats/compare';
import type { PairedStat } from '../../core/stats/summary';
import { readComparedGroup, resolveGroupFolder } from '../../core/stats/groups';
import { formatScore, printJson } from './format';

// Sums of equal differences leave float noise (1e-17): shown as 0.
export const num = (x: number | null, digits = 4) =>
  x === null ? '—' : Math.abs(x) < 1e-12 ? '0' : Number(x.toPrecision(digits)).toString();
const keyText = (k: RunKey) => `${k.task ? `${k.task} on ` : ''}${k.competition_id} seed ${k.seed}`;

export function statRow(label: string, s: PairedStat | null): string[] {
  if (!s) return [label, '0', '—', '—', '—'];
  return [
    label,
    String(s.n),
    num(s.mean),
    s.ci_lower === null ? '— (one pair)' : `${num(s.ci_lower)} – ${num(s.ci_upper)}`,
    num(s.standard_error),
  ];
}

export function formatComparison(c: Comparison): string {
  const lines = [
    `A: ${c.a.id} (${c.a.agent_id}, ${c.a.runs} runs)   B: ${c.b.id} (${c.b.agent_id}, ${c.b.runs} runs)`,
    `${c.pairs} pairs; ${c.excluded.length} left out (a run ended infra_error or cancelled); unpaired: ${c.unpaired.a_only.length} of A, ${c.unpaired.b_only.length} of B`,
    c.method,
  ];
  const table = new Table({ head: ['difference', 'pairs', 'mean', '95% CI', 'standard error'] });
  if (c.medal_rate) {
    table.push(
      statRow('medal rate (pp)', c.medal_rate),
      statRow('above median (pp)', c.above_median_rate),
      statRow('valid submission (pp)', c.valid_submission_rate),
    );
  }
  if (c.relative_score) table.push(statRow('relative score, all competitions', c.relative_score));
  for (const s of c.score)
    table.push(
      statRow(`score: ${s.task ? `${s.task} on ` : ''}${s.competition_id} (${s.is_lower_better ? 'lower' : 'higher'} is better)`, s),
    );
  if (c.technique_grade.all) {
    table.push(statRow('technique grade: all tasks', c.technique_grade.all));
    for (const t of c.technique_grade.by_task) table.push(statRow(`technique grade: ${t.task}`, t));
  }
  lines.push(table.toString());
  if (c.most_different.length) {
    const most = new Table({ head: ['differ most', 'A', 'B', 'improvement', 'relative', 'medal A → B'] });
    for (const d of c.most_different) {
      most.push([
        keyText(d),
        formatScore(d.a_score),
        formatScore(d.b_score),
        num(d.improvement),
        num(d.relative, 3),
        `${d.a_medal ?? '—'} → ${d.b_medal ?? '—'}`,
      ]);
    }
    lines.push(most.toString());
  }
  for (const [side, keys] of [
    ['A', c.unpaired.a_only],
    ['B', c.unpaired.b_only],
  ] as const) {
    if (keys.length) lines.push(`only in ${side}: ${keys.slice(0, 10).map(keyText).join(', ')}${keys.length > 10 ? ', …' : ''}`);
  }
  return lines.join('\n');
}

const topCount = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number');
  return n;
};

export function compareCommand(): Command {
  return new Command('compare')
    .description(
      'a paired comparison of two run groups on the same competitions and seeds: score (per competition, direction-aware), medal, above-median and valid-submission rates and technique grades, B − A with 95% paired t intervals, and the runs that differ most',
    )
    .argument('<groupA>', 'run group A: a folder, or a group id of the runs folder')
    .argument('<groupB>', 'run group B')
    .option('--top <n>', 'how many of the runs that differ most to show', topCount, 5)
    .option('--json', 'print JSON')
    .action(async (groupA: string, groupB: string, flags: { top: number; json?: boolean }) => {
      const runsDir = harnessPaths().runsDir;
      const [a, b] = await Promise.all([groupA, groupB].map(async (g) => readComparedGroup(await resolveGroupFolder(g, runsDir))));
      const comparison = compareGroups(a!, b!, { top: flags.top });
      if (flags.json) return printJson(comparison);
      process.stdout.write(`${formatComparison(comparison)}\n`);
    });
}
