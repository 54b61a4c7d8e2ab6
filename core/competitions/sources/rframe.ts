/**
 * R data frames (and tibbles) as plain columns: numbers, integers, logicals, strings, and
 * factors with their levels. Missing values (NA) are `null` in every kind of column.
 */
import type { RValue, RVector } from './rdata';

export type RColumn =
  | { name: string; kind: 'double' | 'integer'; values: (number | null)[] }
  | { name: string; kind: 'logical'; values: (boolean | null)[] }
  | { name: string; kind: 'character'; values: (string | null)[] }
  /** `values` are the level labels; `ordered` for R's ordered factors (c("ordered", "factor")). */
  | { name: string; kind: 'factor'; values: (string | null)[]; levels: string[]; ordered: boolean };

export interface RDataFrame {
  nrow: number;
  columns: RColumn[];
  column(name: string): RColumn;
}

export class NotADataFrameError extends Error {
  override readonly name = 'NotADataFrameError';
  constructor(
    readonly source: string,
    reason: string,
  ) {
    super(`${source}: ${reason}`);
  }
}

function strings(value: RValue | undefined): string[] {
  return value?.type === 'character' ? value.data.map((s) => s ?? 'NA') : [];
}

export function classOf(value: RValue): string[] {
  return 'attributes' in value ? strings(value.attributes.get('class')) : [];
}

/** Rows of a data frame: row.names is either the compact c(NA, -n) or one name per row. */
function rowCount(value: RVector, source: string): number {
  const rowNames = value.attributes.get('row.names');
  if (rowNames?.type === 'integer' && rowNames.data.length === 2 && rowNames.data[0] === null) return Math.abs(rowNames.data[1] ?? 0);
  if (rowNames && 'data' in rowNames) return rowNames.data.length;
  const first = value.type === 'list' ? value.data[0] : undefined;
  if (first && 'data' in first) return first.data.length;
  throw new NotADataFrameError(source, 'data frame has no row.names and no columns');
}

function toColumn(name: string, value: RValue, nrow: number, source: string): RColumn {
  const where = `${source}: column "${name}"`;
  if (!('data' in value)) throw new NotADataFrameError(where, `is an R ${value.type}, not a vector`);
  if (value.data.length !== nrow) throw new NotADataFrameError(where, `has ${value.data.length} values, the frame has ${nrow} rows`);
  const cls = classOf(value);
  if (cls.includes('factor')) {
    if (value.type !== 'integer') throw new NotADataFrameError(where, `is a factor stored as ${value.type}, expected integer codes`);
    const levels = strings(value.attributes.get('levels'));
    const values = value.data.map((code) => {
      if (code === null) return null;
      const label = levels[code - 1];
      if (label === undefined) throw new NotADataFrameError(where, `factor code ${code} has no level (${levels.length} levels)`);
      return label;
    });
    return { name, kind: 'factor', values, levels, ordered: cls.includes('ordered') };
  }
  switch (value.type) {
    case 'double':
    case 'integer':
      return { name, kind: value.type, values: value.data };
    case 'logical':
      return { name, kind: 'logical', values: value.data };
    case 'character':
      return { name, kind: 'character', values: value.data };
    default:
      throw new NotADataFrameError(where, `has R type ${value.type}, not a column type this reader supports`);
  }
}

/** `value` as a data frame; throws naming the source and the column when it is not one. */
export function asDataFrame(value: RValue, source: string): RDataFrame {
  if (value.type !== 'list' || !classOf(value).includes('data.frame')) {
    throw new NotADataFrameError(source, `is an R ${value.type} of class [${classOf(value).join(', ')}], not a data.frame`);
  }
  const names = strings(value.attributes.get('names'));
  if (names.length !== value.data.length)
    throw new NotADataFrameError(source, `has ${value.data.length} columns but ${names.length} names`);
  const nrow = rowCount(value, source);
  const columns = value.data.map((col, i) => toColumn(names[i]!, col, nrow, source));
  return {
    nrow,
    columns,
    column(name) {
      const found = columns.find((c) => c.name === name);
      if (!found) throw new NotADataFrameError(source, `has no column "${name}" (columns: ${names.join(', ')})`);
      return found;
    },
  };
}
