/**
 * The dataset's tables in DuckDB. DuckDB (@duckdb/node-api) is the one library for both halves of
 * the dataset: it writes parquet (and jsonl) and it runs the SQL of `mlebench query`; it reads
 * JSON natively, so the rows load from one JSON-lines file per table with the schema's column
 * types; its bindings come as a prebuilt package, with no download step at install.
 *
 * Each use gets its own in-memory database: nothing persists, and a query sees only the groups
 * loaded into it.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { redactSecrets } from './redact';
import { TABLES, type TableName, type Tables } from './schema';

export interface DuckDbLimits {
  memory: string;
  threads: number;
}

/** A quoted SQL string literal. */
export const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

const columnsSpec = (table: TableName) => `{${TABLES[table].map((c) => `${c.name}: ${sqlString(c.type)}`).join(', ')}}`;

/** A fresh in-memory database; extensions are never installed or loaded behind the caller's back. */
export async function openDatabase(
  limits: DuckDbLimits = { memory: '1GB', threads: 2 },
): Promise<{ connection: DuckDBConnection; close: () => void }> {
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    memory_limit: limits.memory,
    threads: String(limits.threads),
  });
  const connection = await instance.connect();
  return {
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * Creates the tables from the rows, each row's JSON redacted (redactSecrets) on its way in: through
 * a private temporary folder, removed before this returns.
 */
export async function loadTables(connection: DuckDBConnection, tables: Partial<Tables>): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-dataset-'));
  try {
    for (const name of Object.keys(TABLES) as TableName[]) {
      const rows = tables[name];
      if (!rows) continue;
      const file = path.join(dir, `${name}.jsonl`);
      const handle = await fs.open(file, 'w', 0o600);
      // DuckDB's JSON reader buffers twice the largest object it allows: the largest row, not more.
      let longest = 0;
      try {
        // Written in chunks of about a megabyte: one write per row would be one system call per row.
        let chunk: string[] = [];
        let size = 0;
        for (const row of rows) {
          const line = `${redactSecrets(JSON.stringify(row))}\n`;
          const bytes = Buffer.byteLength(line);
          longest = Math.max(longest, bytes);
          chunk.push(line);
          size += bytes;
          if (size >= 1 << 20) {
            await handle.appendFile(chunk.join(''));
            chunk = [];
            size = 0;
          }
        }
        if (chunk.length) await handle.appendFile(chunk.join(''));
      } finally {
        await handle.close();
      }
      // An empty file still gives the table its columns.
      await connection.run(
        `CREATE TABLE ${name} AS SELECT * FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = ${columnsSpec(name)}, maximum_object_size = ${Math.max(longest + 1024, 1 << 20)})`,
      );
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** From here on the database reads and writes no file, loads no extension, and its settings cannot be changed back. */
export async function lockDown(connection: DuckDBConnection): Promise<void> {
  await connection.run('SET enable_external_access = false');
  await connection.run('SET lock_configuration = true');
}
