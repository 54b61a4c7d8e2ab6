/**
 * `mlebench query "SELECT ..."`: SQL over the dataset's tables (runs, llm_calls, files; see
 * docs/datasets.md) built from every group of the runs folder (or the groups given), no export
 * needed. Reads the folders only: no Temporal server is needed.
 */
import { Command, InvalidArgumentError } from 'commander';
import Table from 'cli-table3';
import { harnessPaths } from '../../core/config';
import { datasetGroupDirs, queryGroups, type QueryResult } from '../../core/dataset';
import { filtersOf, withFilterOptions, type FilterFlags } from './export';
import { printJson } from './format';

const count = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number from 1');
  return n;
};

const cell = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

export function formatQueryResult(r: QueryResult): string {
  const table = new Table({ head: r.columns });
  for (const row of r.rows) table.push(r.columns.map((c) => cell(row[c]).slice(0, 200)));
  return `${table.toString()}\n${r.rows.length} rows${r.truncated ? ' (more left out: --max-rows)' : ''}`;
}

export function queryCommand(): Command {
  return withFilterOptions(
    new Command('query')
      .description(
        'SQL (DuckDB) over the tables runs, llm_calls and files of every group in the runs folder, e.g. "SELECT competition_id, avg(score) FROM runs WHERE agent = \'aide\' AND started_at > now() - INTERVAL 1 MONTH GROUP BY 1"',
      )
      .argument('<sql>', 'one SQL statement')
      .option('--group <id...>', 'only these groups (folders or ids); default: every group of the runs folder')
      .option('--max-rows <n>', 'rows shown at most', count, 10_000)
      .option('--json', 'print JSON: columns, rows, truncated, groups'),
  ).action(async (sql: string, flags: FilterFlags & { group?: string[]; maxRows: number; json?: boolean }) => {
    const dirs = await datasetGroupDirs(flags.group, harnessPaths().runsDir);
    const result = await queryGroups(dirs, sql, { filters: filtersOf(flags), limits: { maxRows: flags.maxRows } });
    if (flags.json) return printJson(result);
    process.stdout.write(`${formatQueryResult(result)}\n`);
  });
}
