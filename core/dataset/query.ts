/**
 * `mlebench query`: SQL over the dataset's tables (schema.ts) built from run-group folders, with no
 * export. The caller's SQL is treated as hostile (the REST API takes it from anyone who may
 * read): a fresh in-memory database holds only the groups given; after loading, it reads and
 * writes no file, installs and loads no extension and its settings are locked; one statement;
 * the rows, their bytes, the time and the memory are bounded.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GROUP_FILES } from '../artifacts/layout';
import type { DatasetFilters } from './filters';
import { DEFAULT_FILE_CAPS, fileBudget, readGroupDataset, type FileCaps } from './read';
import { loadTables, lockDown, openDatabase } from './duckdb';
import { appendTables, TABLE_NAMES, type TableName, type Tables } from './schema';

export interface QueryLimits {
  maxRows: number;
  /** Of the result's JSON. */
  maxBytes: number;
  timeoutMs: number;
  memory: string;
  threads: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxRows: 10_000,
  maxBytes: 64 * 1024 * 1024,
  timeoutMs: 120_000,
  memory: '1GB',
  threads: 2,
};

export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
  /** Rows or bytes past the limits were left out. */
  truncated: boolean;
  /** The groups the tables were built from. */
  groups: string[];
}

export class QueryError extends Error {
  override name = 'QueryError';
}

/** The group folders of the runs folder (each a real folder with a metadata.json), oldest first. */
export async function runsFolderGroups(runsDir: string): Promise<string[]> {
  const entries = await fs.readdir(runsDir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const st = await fs.lstat(path.join(runsDir, e.name, GROUP_FILES.metadata)).catch(() => null);
    if (st?.isFile()) out.push(path.join(runsDir, e.name));
  }
  return out;
}

/** The tables a query names (only those are built: the files table of a big runs folder is costly). */
function tablesNamed(sql: string): Set<TableName> {
  return new Set(TABLE_NAMES.filter((t) => new RegExp(`\\b${t}\\b`, 'i').test(sql)));
}

// Integers come back from DuckDB's JSON form as strings (they may exceed 2^53): numbers when they fit.
const INTEGER_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;

export async function queryGroups(
  groupDirs: readonly string[],
  sql: string,
  opts: { limits?: Partial<QueryLimits>; filters?: DatasetFilters; caps?: FileCaps } = {},
): Promise<QueryResult> {
  const limits = { ...DEFAULT_QUERY_LIMITS, ...opts.limits };
  const wanted = tablesNamed(sql);
  const tables: Tables = { runs: [], llm_calls: [], files: [] };
  const groups: string[] = [];
  const caps = opts.caps ?? DEFAULT_FILE_CAPS;
  const budget = fileBudget(caps);
  for (const dir of groupDirs) {
    const got = await readGroupDataset(dir, { filters: opts.filters, caps, budget, tables: wanted });
    groups.push(got.groupId);
    appendTables(tables, got.tables);
  }
  const db = await openDatabase({ memory: limits.memory, threads: limits.threads });
  const timer = setTimeout(() => db.connection.interrupt(), limits.timeoutMs);
  try {
    // Every table exists (an empty one when not named), so a query's errors are about its SQL.
    await loadTables(db.connection, Object.fromEntries(TABLE_NAMES.map((t) => [t, wanted.has(t) ? tables[t] : []])));
    await lockDown(db.connection);
    const statements = await db.connection.extractStatements(sql).catch((err: unknown) => {
      throw new QueryError(`the SQL does not parse: ${(err as Error).message}`);
    });
    if (statements.count !== 1) throw new QueryError(`one SQL statement, please (got ${statements.count})`);
    const prepared = await statements.prepare(0).catch((err: unknown) => {
      throw new QueryError((err as Error).message);
    });
    const reader = await prepared.streamAndReadUntil(limits.maxRows + 1).catch((err: unknown) => {
      const msg = (err as Error).message;
      throw new QueryError(/interrupt/i.test(msg) ? `the query took longer than ${limits.timeoutMs} ms` : msg);
    });
    let columns: string[], integer: boolean[], all: unknown[][];
    try {
      columns = reader.columnNames();
      integer = reader.columnTypes().map((t) => INTEGER_TYPES.test(t.toString()));
      all = reader.getRowsJson();
    } catch (err) {
      throw new QueryError(`the result cannot be read as JSON: ${(err as Error).message}`);
    }
    const rows: Record<string, unknown>[] = [];
    let bytes = 0;
    let truncated = all.length > limits.maxRows;
    for (const values of all.slice(0, limits.maxRows)) {
      const row = Object.fromEntries(
        columns.map((c, i) => {
          const v = values[i];
          return [c, integer[i] && typeof v === 'string' && Number.isSafeInteger(Number(v)) ? Number(v) : v];
        }),
      );
      bytes += Buffer.byteLength(JSON.stringify(row));
      if (bytes > limits.maxBytes) {
        truncated = true;
        break;
      }
      rows.push(row);
    }
    return { columns, rows, truncated, groups };
  } finally {
    clearTimeout(timer);
    db.close();
  }
}
