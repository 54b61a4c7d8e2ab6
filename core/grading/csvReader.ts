/**
 * A streaming CSV reader for the large files grading reads (answers and submissions of a million
 * rows). core/csv.ts parses a whole text into string arrays, simple and right for small files; a
 * million rows of ten probabilities would be 11 million strings and about 1 GB. This reader hands
 * out each record as byte ranges in a reused buffer, so a caller keeps only what it needs (a
 * number in a typed array, an id), reads at most one record plus one chunk ahead, and can stop
 * early. Same dialect as core/csv.ts: RFC 4180 quotes, `\n` or `\r\n`, a UTF-8 BOM skipped, empty
 * lines skipped, every record with the header's number of fields.
 */
import { isUtf8 } from 'node:buffer';
import type { promises as fs } from 'node:fs';
import { parseDecimal } from './decimal';

const CHUNK_BYTES = 1 << 20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** A file that is not CSV we can read; `line` is 1-based, counted from the file's first line. */
export class CsvFormatError extends Error {
  override readonly name = 'CsvFormatError';
  constructor(
    readonly source: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `${source}: line ${line}: ${reason}` : `${source}: ${reason}`);
  }
}

export interface CsvSink {
  /** The header's names (trimmed). Return false to stop reading. */
  header(names: string[]): boolean | void;
  /** One data record; `fields` is only valid during the call. Return false to stop reading. */
  record(fields: CsvFields): boolean | void;
}

export interface CsvReadOptions {
  /** A record longer than this is refused: it bounds the memory one record can take. */
  maxRecordBytes: number;
}

/** The fields of the current record, as byte ranges of `bytes`. */
export class CsvFields {
  bytes: Buffer = Buffer.alloc(0);
  count = 0;
  /** Line on which the record starts. */
  line = 0;
  /** Line ends inside quoted fields: the record's extra lines. */
  newlines = 0;
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  /** Quoted fields with doubled quotes inside, which need unescaping. */
  private escaped = new Uint8Array(64);

  private text: string | undefined;
  private textOf: Buffer | undefined;

  /** The buffer as Latin-1 text, decoded once per chunk: slicing it is far cheaper than a decode per field. */
  private latin1(): string {
    if (this.textOf !== this.bytes || this.text === undefined) {
      this.text = this.bytes.toString('latin1');
      this.textOf = this.bytes;
    }
    return this.text;
  }

  /** The buffer's bytes changed (a new chunk was read into it). */
  invalidate(): void {
    this.text = undefined;
  }

  reset(bytes: Buffer, line: number): void {
    this.bytes = bytes;
    this.line = line;
    this.count = 0;
    this.newlines = 0;
  }

  push(start: number, end: number, escaped: boolean): void {
    if (this.count === this.starts.length) {
      const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts, (n) => new Int32Array(n));
      this.ends = grow(this.ends, (n) => new Int32Array(n));
      this.escaped = grow(this.escaped, (n) => new Uint8Array(n));
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.escaped[this.count] = escaped ? 1 : 0;
    this.count += 1;
  }

  /** Field i as text, unquoted and trimmed. */
  string(i: number): string {
    const text = this.bytes.toString('utf8', this.starts[i], this.ends[i]);
    return (this.escaped[i] ? text.replaceAll('""', '"') : text).trim();
  }

  /**
   * Field i as a number (see decimal.ts): NaN unless it is a decimal number, blanks around allowed;
   * infinite when it overflows; correctly rounded.
   */
  number(i: number): number {
    if (this.escaped[i]) return Number.NaN;
    const s = this.starts[i]!;
    const e = this.ends[i]!;
    return parseDecimal(this.bytes, s, e) ?? Number(this.latin1().slice(s, e));
  }
}

/**
 * Parses one record starting at `p`. Returns the position after it, or -1 when the record does
 * not end inside `buf[0, len)` and more bytes may come. Throws on malformed quoting.
 */
function parseRecord(buf: Buffer, p: number, len: number, eof: boolean, fields: CsvFields, source: string): number {
  let i = p;
  for (;;) {
    let end: number;
    if (i < len && buf[i] === QUOTE) {
      let j = i + 1;
      let escaped = false;
      for (;;) {
        const q = buf.indexOf(QUOTE, j);
        if (q < 0 || q >= len) {
          if (eof) throw new CsvFormatError(source, fields.line, 'a quoted field is never closed');
          return -1;
        }
        if (q + 1 >= len && !eof) return -1;
        if (buf[q + 1] === QUOTE) {
          escaped = true;
          j = q + 2;
          continue;
        }
        fields.push(i + 1, q, escaped);
        fields.newlines += countNewlines(buf, i + 1, q);
        end = q + 1;
        break;
      }
      const c = buf[end];
      if (end < len && c !== COMMA && c !== LF && !(c === CR && buf[end + 1] === LF)) {
        if (c === CR && end + 1 >= len && !eof) return -1;
        throw new CsvFormatError(source, fields.line, 'unexpected character after a closing quote');
      }
    } else {
      let j = i;
      while (j < len) {
        const c = buf[j];
        if (c === COMMA || c === LF) break;
        j += 1;
      }
      if (j >= len && !eof) return -1;
      end = j;
      // The CR of a CRLF line ending belongs to no field.
      const last = j >= len || buf[j] === LF;
      fields.push(i, last && j > i && buf[j - 1] === CR ? j - 1 : j, false);
    }
    if (end >= len) return len;
    if (buf[end] === COMMA) {
      i = end + 1;
      continue;
    }
    return buf[end] === CR ? end + 2 : end + 1;
  }
}

function countNewlines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i += 1) if (buf[i] === LF) n += 1;
  return n;
}

/**
 * Reads `handle` from its current position to the end (or until the sink says stop), calling the
 * sink with the header and then each record. Throws CsvFormatError on bytes that are not UTF-8,
 * malformed quotes, a record with the wrong number of fields, or one over `maxRecordBytes`.
 */
export async function readCsvStream(handle: fs.FileHandle, source: string, sink: CsvSink, options: CsvReadOptions): Promise<void> {
  let buf = Buffer.allocUnsafe(CHUNK_BYTES * 2);
  let len = 0;
  let eof = false;
  let validated = 0;
  let line = 1;
  let started = false;
  let width = -1;
  const fields = new CsvFields();
  while (!eof) {
    if (buf.length - len < CHUNK_BYTES) {
      const bigger = Buffer.allocUnsafe(len + CHUNK_BYTES * 2);
      buf.copy(bigger, 0, 0, len);
      buf = bigger;
    }
    const { bytesRead } = await handle.read(buf, len, buf.length - len, null);
    len += bytesRead;
    eof = bytesRead === 0;
    fields.invalidate();
    let p = 0;
    if (!started) {
      if (len < 3 && !eof) continue;
      started = true;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
    }
    // Validate up to the last newline (never inside a multi-byte character) before decoding any of it.
    const checkTo = eof ? len : buf.lastIndexOf(LF, len - 1) + 1;
    if (checkTo > validated) {
      if (!isUtf8(buf.subarray(validated, checkTo))) throw new CsvFormatError(source, 0, 'not UTF-8 text (invalid byte sequence)');
      validated = checkTo;
    }
    while (p < len) {
      fields.reset(buf, line);
      const next = parseRecord(buf, p, len, eof, fields, source);
      if (next < 0) break;
      line += 1 + fields.newlines;
      const blank = fields.count === 1 && (next - p === 0 || buf[p] === LF || (buf[p] === CR && buf[p + 1] === LF));
      p = next;
      if (blank) continue;
      if (width < 0) {
        width = fields.count;
        const names = Array.from({ length: fields.count }, (_, k) => fields.string(k));
        if (sink.header(names) === false) return;
        continue;
      }
      if (fields.count !== width) {
        throw new CsvFormatError(source, fields.line, `${fields.count} fields, expected ${width} (as in the header)`);
      }
      if (sink.record(fields) === false) return;
    }
    if (!eof && len - p > options.maxRecordBytes) {
      throw new CsvFormatError(source, line, `a record longer than ${options.maxRecordBytes} bytes (no line end found)`);
    }
    buf.copy(buf, 0, p, len);
    len -= p;
    validated = Math.max(0, validated - p);
  }
  if (width < 0) throw new CsvFormatError(source, 0, 'empty CSV (no header)');
}
