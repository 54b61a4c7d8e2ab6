/**
 * CSV in one place: competitions write their data with it and grading reads answers,
 * leaderboards and submissions with it, so quoting and line endings agree everywhere.
 */
import { promises as fs } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

export interface CsvTable {
  header: string[];
  rows: string[][];
}

/** Parses CSV text whose first record is the header; throws with `source` and the line on bad CSV. */
export function parseCsv(text: string, source: string): CsvTable {
  let records: string[][];
  try {
    // bom: spreadsheet tools write a UTF-8 BOM; it is not part of the first column's name.
    records = parse(text, { bom: true, skip_empty_lines: true });
  } catch (err) {
    throw new Error(`${source}: not valid CSV: ${(err as Error).message}`);
  }
  const [header, ...rows] = records;
  if (!header) throw new Error(`${source}: empty CSV (no header)`);
  return { header, rows };
}

export async function readCsvFile(file: string): Promise<CsvTable> {
  return parseCsv(await fs.readFile(file, 'utf8'), file);
}

/** Serialises a header and rows with `\n` line endings (stable bytes, so checksums are stable). */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return stringify([header, ...rows], { record_delimiter: '\n' });
}

/** Index of `name` in `header`, or an error naming the file and the missing column. */
export function columnIndex(table: CsvTable, name: string, source: string): number {
  const i = table.header.indexOf(name);
  if (i < 0) throw new Error(`${source}: missing column "${name}" (columns: ${table.header.join(', ')})`);
  return i;
}
