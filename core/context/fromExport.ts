/**
 * A context from a dataset export (`mlebench export`, docs/datasets.md) instead of run folders:
 * the runs table says which technique runs were graded how, the files table holds their analyses.
 * An export is a folder of the caller's own (the CLI's), read through DuckDB with nothing else
 * reachable: only its two table files are named, and the query touches nothing but them.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { openDatabase, sqlString } from '../dataset/duckdb';
import { CARD_FILE, EXPORT_FORMATS, type ExportFormat } from '../dataset/export';
import type { PickedAnalysis } from './build';

/** The export's format when `dir` is an export folder (its card and runs table are there), else null. */
export async function exportFormatOf(dir: string): Promise<ExportFormat | null> {
  if (!(await fs.stat(path.join(dir, CARD_FILE)).catch(() => null))?.isFile()) return null;
  for (const format of EXPORT_FORMATS) if ((await fs.stat(path.join(dir, `runs.${format}`)).catch(() => null))?.isFile()) return format;
  return null;
}

/** A row of the join, as the schema (core/dataset/schema.ts) types it: a BIGINT seed reads as a bigint. */
const analysisRow = z.object({
  task: z.string(),
  competition_id: z.string(),
  seed: z.coerce.number().int(),
  technique_grade: z.number(),
  text: z.string(),
});

const reader = (format: ExportFormat, file: string) =>
  format === 'parquet' ? `read_parquet(${sqlString(file)})` : `read_json(${sqlString(file)}, format = 'newline_delimited')`;

/** The analyses of an export's technique runs graded >= minGrade (whole ones only: a cut analysis is not JSON). */
export async function analysesOfExport(dir: string, minGrade: number): Promise<PickedAnalysis[]> {
  const format = await exportFormatOf(dir);
  if (!format) throw new Error(`${dir}: not a dataset export (no ${CARD_FILE} with a runs table beside it); make one with mlebench export`);
  const files = path.join(dir, `files.${format}`);
  if (!(await fs.stat(files).catch(() => null))?.isFile()) throw new Error(`${dir}: the export has no files table (files.${format})`);
  const db = await openDatabase({ memory: '512MB', threads: 1 });
  try {
    const result = await db.connection.runAndReadAll(
      `SELECT r.task, r.competition_id, r.seed, r.technique_grade, f.text
         FROM ${reader(format, path.join(dir, `runs.${format}`))} r
         JOIN ${reader(format, files)} f ON f.run_id = r.run_id AND f.path = 'submission/' || r.task || '_analysis.json'
        WHERE r.kind = 'technique' AND r.technique_grade >= ${Number(minGrade)} AND NOT f.truncated`,
    );
    return result.getRowObjectsJS().map((row) => {
      const r = analysisRow.parse(row);
      return { task: r.task, competitionId: r.competition_id, seed: r.seed, grade: r.technique_grade, analysis: r.text };
    });
  } catch (err) {
    throw new Error(`${dir}: reading the export's runs and files tables: ${(err as Error).message}`, { cause: err });
  } finally {
    db.close();
  }
}
