/**
 * The streaming CSV reader and the decimal parser behind grading: the same records as core/csv.ts
 * (csv-parse) on awkward files, including records, quotes, CRLF and multi-byte characters cut by
 * the 1 MB chunk boundary; and numbers exactly equal to `Number()`'s on millions of strings.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../core/csv';
import { seededRandom } from '../../core/competitions/random';
import { CsvFormatError, readCsvStream } from '../../core/grading/csvReader';
import { parseDecimal } from '../../core/grading/decimal';

let dir: string;
let counter = 0;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-csv-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Header and records as the stream reader gives them (strings), with each record's line. */
async function read(content: string | Buffer, maxRecordBytes = 1 << 20): Promise<{ header: string[]; rows: string[][]; lines: number[] }> {
  const file = path.join(dir, `f${counter++}.csv`);
  await fs.writeFile(file, content);
  const handle = await fs.open(file, 'r');
  const out = { header: [] as string[], rows: [] as string[][], lines: [] as number[] };
  try {
    await readCsvStream(
      handle,
      'test.csv',
      {
        header: (h) => void (out.header = h),
        record: (f) => {
          out.rows.push(Array.from({ length: f.count }, (_, k) => f.string(k)));
          out.lines.push(f.line);
        },
      },
      { maxRecordBytes },
    );
  } finally {
    await handle.close();
  }
  return out;
}

describe('readCsvStream', () => {
  it('reads quotes, escaped quotes, embedded newlines, CRLF, a BOM and blank lines like csv-parse', async () => {
    const text = '\uFEFFid,text\r\n1,"a, ""quoted"" word"\r\n\r\n2,"two\nlines"\r\n3,plain \r\n';
    const ours = await read(text);
    const theirs = parseCsv(text, 'test');
    expect(ours.header).toEqual(theirs.header);
    expect(ours.rows).toEqual(theirs.rows.map((r) => r.map((c) => c.trim())));
    // Line numbers count the file's lines: record 3 starts on line 5, after the two-line record.
    expect(ours.lines).toEqual([2, 4, 6]);
  });

  it('handles records, quotes, CRLF and multi-byte characters cut by the chunk boundary', async () => {
    const random = seededRandom(7);
    const cells = ['plain', '"quo""ted"', '"multi\nline"', 'é', '日本語', '"a,b"', '0.125', ''];
    const rows: string[] = [];
    let size = 0;
    while (size < 3.5 * (1 << 20)) {
      const row = [`id${rows.length}`, ...Array.from({ length: 3 }, () => cells[Math.floor(random() * cells.length)]!)].join(',');
      rows.push(row);
      size += row.length + 2;
    }
    const text = `id,a,b,c\r\n${rows.join('\r\n')}\r\n`;
    const ours = await read(text);
    expect(ours.rows).toEqual(parseCsv(text, 'test').rows.map((r) => r.map((c) => c.trim())));
  });

  it('refuses bad files with the line and the reason', async () => {
    await expect(read('a,b\n1,2\n3\n')).rejects.toThrow(/test\.csv: line 3: 1 fields, expected 2 \(as in the header\)/);
    await expect(read('a,b\n1,"2\n')).rejects.toThrow(/line 2: a quoted field is never closed/);
    await expect(read('a,b\n1,"2"x\n')).rejects.toThrow(/line 2: unexpected character after a closing quote/);
    await expect(read(Buffer.from([0x61, 0x0a, 0xff, 0x0a]))).rejects.toThrow(/not UTF-8 text/);
    await expect(read('')).rejects.toThrow(/empty CSV \(no header\)/);
    await expect(read(`a\n${'x'.repeat(3 << 20)}\n`, 1 << 20)).rejects.toThrow(CsvFormatError);
  });

  it('stops when the sink says so', async () => {
    const file = path.join(dir, 'stop.csv');
    await fs.writeFile(file, 'a\n1\n2\n3\n');
    const handle = await fs.open(file, 'r');
    const seen: string[] = [];
    await readCsvStream(
      handle,
      file,
      { header: () => undefined, record: (f) => (seen.push(f.string(0)), seen.length < 2) },
      { maxRecordBytes: 100 },
    );
    await handle.close();
    expect(seen).toEqual(['1', '2']);
  });
});

describe('parseDecimal', () => {
  const parse = (text: string) => {
    const bytes = Buffer.from(text, 'latin1');
    return parseDecimal(bytes, 0, bytes.length) ?? Number(text);
  };

  it('equals Number() on a million random numbers written every way', () => {
    const random = seededRandom(99);
    let mismatches = 0;
    for (let i = 0; i < 150_000; i += 1) {
      const x = random() * 10 ** (Math.floor(random() * 30) - 15);
      for (const text of [String(x), String(-x), x.toPrecision(1 + (i % 21)), x.toExponential(i % 20), x.toFixed(i % 20), `  ${x} `]) {
        if (!Object.is(parse(text), Number(text.trim()))) mismatches += 1;
      }
    }
    expect(mismatches).toBe(0);
  });

  it('rounds ties to even and other hard cases exactly', () => {
    for (const text of [
      '9007199254740993',
      '9007199254740995',
      '0.30000000000000004',
      '2.2250738585072014e-308',
      '4.9e-324',
      '1.7976931348623157e308',
      '1e23',
      '123456789012345678901234567890',
      '0.1e-400',
    ]) {
      expect(Object.is(parse(text), Number(text))).toBe(true);
    }
  });

  it('reads the grammar of a decimal number and nothing else', () => {
    expect([parse('0'), parse('-0'), parse('+1.5'), parse('.5'), parse('5.'), parse('1E3'), parse('00012')]).toEqual([
      0, -0, 1.5, 0.5, 5, 1000, 12,
    ]);
    for (const text of ['', ' ', '-', '.', 'e5', '1e', '1.2.3', '0x10', 'inf', 'nan', 'NaN', 'Infinity', '1,5', '1 2']) {
      expect(parse(text)).toBeNaN();
    }
    expect(parse('1e999')).toBe(Number.POSITIVE_INFINITY);
  });
});
