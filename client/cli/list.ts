/** `mlebench list [competitions|agents|tasks|splits]` (`--techniques` = tasks): what can be run. */
import { Command, InvalidArgumentError } from 'commander';
import Table from 'cli-table3';
import { listAgents } from '../../core/agents';
import { harnessPaths } from '../../core/config';
import { describeKaggleCredentials } from '../../core/kaggle';
import { listSplits, splitDescriptions } from '../../core/runs/splits';
import { competitionCatalog, techniqueCatalog, type CompetitionEntry } from '../catalog';
import { printJson } from './format';

const KINDS = ['competitions', 'agents', 'tasks', 'splits', 'all'] as const;
type Kind = (typeof KINDS)[number];

export function listCommand(): Command {
  return new Command('list')
    .description('list competitions (metric, modality, prepared or not and why), agents, technique tasks and splits')
    .argument('[kind]', `one of ${KINDS.join(', ')}`, (v: string) => {
      if (!(KINDS as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${KINDS.join(', ')}`);
      return v as Kind;
    })
    .option('--techniques', 'list the technique tasks (same as the kind "tasks")')
    .option('--json', 'print JSON')
    .action(async (kindArg: Kind | undefined, flags: { json?: boolean; techniques?: boolean }) => {
      const kind = flags.techniques ? 'tasks' : kindArg;
      const want = (k: Kind) => !kind || kind === 'all' || kind === k;
      const out: Record<string, unknown> = {};
      if (want('competitions')) out.competitions = await competitionCatalog(harnessPaths());
      if (want('agents')) out.agents = (await listAgents()).map((a) => ({ id: a.id, description: a.description, image: a.image }));
      if (want('tasks')) out.technique_tasks = await techniqueCatalog();
      if (want('splits')) {
        const [splits, descriptions] = await Promise.all([listSplits(harnessPaths()), splitDescriptions(harnessPaths())]);
        out.splits = [
          ...splits.harness.map((name) => ({ name, folder: 'splits/', description: descriptions[name] ?? '' })),
          ...splits.mlebench.map((name) => ({ name, folder: 'experiments/splits/ (MLEBENCH_REPO)', description: "MLE-bench's" })),
        ];
      }
      if (flags.json) return printJson(out);
      const print = (title: string, rows: Record<string, unknown>[], lastWidth?: number) => {
        if (rows.length === 0) return;
        const head = Object.keys(rows[0]!);
        const wrap = lastWidth ? { colWidths: [...head.slice(1).map(() => null), lastWidth], wordWrap: true } : {};
        const table = new Table({ head, ...wrap });
        for (const row of rows) table.push(head.map((h) => String(row[h] as string | number | boolean)));
        process.stdout.write(`${title}\n${table.toString()}\n`);
      };
      // The table keeps what fits a terminal; --json has every field.
      const competitions = (out.competitions as CompetitionEntry[] | undefined) ?? [];
      if (competitions.length > 0) {
        // The Kaggle credentials' state, said once above the table rather than on every row.
        const credentials = await describeKaggleCredentials();
        const inRow = ` (${credentials.detail})`;
        const mentioned = competitions.some((c) => c.why.includes(inRow));
        const table = new Table({
          head: ['id', 'metric', 'modality', 'source', 'prepared', 'why'],
          colWidths: [null, null, null, null, null, 64],
          wordWrap: true,
        });
        for (const c of competitions)
          table.push([c.id, c.metric, c.modality, c.source, c.prepared ? 'yes' : 'no', c.why.replace(inRow, '')]);
        const notPrepared = competitions.filter((c) => !c.prepared).length;
        const header = `competitions (${competitions.length - notPrepared} prepared, ${notPrepared} not)${mentioned ? `; Kaggle: ${credentials.detail}` : ''}`;
        process.stdout.write(`${header}\n${table.toString()}\n`);
      }
      print('agents', (out.agents as Record<string, unknown>[] | undefined) ?? []);
      const tasksNarrow = ({ id, title, applies_to }: Record<string, unknown>) => ({
        id,
        title,
        applies_to: (applies_to as string[]).join(', ') || '(none)',
      });
      print('technique tasks', ((out.technique_tasks as Record<string, unknown>[] | undefined) ?? []).map(tasksNarrow));
      print('splits (run one with --competition-set NAME)', (out.splits as Record<string, unknown>[] | undefined) ?? [], 64);
    });
}
