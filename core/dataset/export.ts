/**
 * `mlebench export`: run groups as a dataset of three tables (runs, llm_calls, files; schema.ts)
 * in parquet or jsonl, one file per table, with a dataset card (README.md): the schema version,
 * the groups, the filters, the caps, what is redacted and the row counts.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describeFilters, type DatasetFilters } from './filters';
import { DEFAULT_FILE_CAPS, fileBudget, readGroupDataset, type FileCaps } from './read';
import { loadTables, openDatabase, sqlString } from './duckdb';
import { REDACTED_KINDS } from './redact';
import { appendTables, DATASET_SCHEMA_VERSION, TABLE_NAMES, TABLES, type TableName, type Tables } from './schema';

export const EXPORT_FORMATS = ['parquet', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format?: ExportFormat;
  filters?: DatasetFilters;
  caps?: FileCaps;
}

export interface ExportResult {
  outDir: string;
  format: ExportFormat;
  groups: string[];
  rows: Record<TableName, number>;
  binaryFilesSkipped: number;
  /** The files written, relative to outDir. */
  files: string[];
}

export const CARD_FILE = 'README.md';

/** Reads the group folders and writes the dataset into outDir (made when missing; its table files and card replaced). */
export async function exportDataset(groupDirs: readonly string[], outDir: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const format = opts.format ?? 'parquet';
  const caps = opts.caps ?? DEFAULT_FILE_CAPS;
  const tables: Tables = { runs: [], llm_calls: [], files: [] };
  const groups: string[] = [];
  let binaryFilesSkipped = 0;
  const budget = fileBudget(caps);
  for (const dir of groupDirs) {
    const got = await readGroupDataset(dir, { filters: opts.filters, caps, budget });
    groups.push(got.groupId);
    appendTables(tables, got.tables);
    binaryFilesSkipped += got.binaryFiles;
  }
  await fs.mkdir(outDir, { recursive: true });
  const db = await openDatabase();
  const files: string[] = [];
  try {
    await loadTables(db.connection, tables);
    for (const t of TABLE_NAMES) {
      const file = `${t}.${format}`;
      const to = sqlString(path.join(outDir, file));
      await db.connection.run(
        format === 'parquet' ? `COPY ${t} TO ${to} (FORMAT parquet, COMPRESSION zstd)` : `COPY ${t} TO ${to} (FORMAT json)`,
      );
      files.push(file);
    }
  } finally {
    db.close();
  }
  const result: ExportResult = {
    outDir,
    format,
    groups,
    rows: { runs: tables.runs.length, llm_calls: tables.llm_calls.length, files: tables.files.length },
    binaryFilesSkipped,
    files: [...files, CARD_FILE],
  };
  await fs.writeFile(path.join(outDir, CARD_FILE), datasetCard(result, opts.filters ?? {}, caps));
  return result;
}

export function datasetCard(r: ExportResult, filters: DatasetFilters, caps: FileCaps): string {
  const lines = [
    '# MLE-bench Redux rollouts dataset',
    '',
    `- schema version: ${DATASET_SCHEMA_VERSION}`,
    `- format: ${r.format} (one file per table: ${TABLE_NAMES.map((t) => `\`${t}.${r.format}\``).join(', ')})`,
    `- groups: ${r.groups.join(', ') || 'none'}`,
    `- filters: ${describeFilters(filters).join('; ') || 'none'}`,
    `- rows: ${TABLE_NAMES.map((t) => `${t} ${r.rows[t]}`).join(', ')}`,
    `- files: the agent's code/ and logs/ (and a technique run's analysis) as UTF-8 text, at most ${caps.perFileBytes} bytes a file and ${caps.perRunBytes} a run${caps.totalBytes === undefined ? '' : ` and ${caps.totalBytes} in all`} (\`truncated\` says where cut); ${r.binaryFilesSkipped} binary files left out`,
    `- redacted in every table: ${REDACTED_KINDS.join(', ')} (replaced by \`[REDACTED:<kind>]\`)`,
    '',
    'Every table is keyed by `run_id`. See docs/datasets.md.',
  ];
  for (const t of TABLE_NAMES) {
    lines.push('', `## ${t}`, '', '| column | type | what |', '|---|---|---|');
    for (const c of TABLES[t]) lines.push(`| ${c.name} | ${c.type} | ${c.about} |`);
  }
  return `${lines.join('\n')}\n`;
}
