/**
 * A submission of hundreds of megabytes never costs the grader hundreds of megabytes: over the
 * size cap it is refused unread; under a raised cap it is streamed, and what is kept is bounded
 * by the expected ids, not by the file. Peak RSS (the process's high-water mark) is asserted.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_SUBMISSION_BYTES, submissionByteLimit, validateSubmission, type SubmissionSpec } from '../../core/grading';

const MB = 1024 * 1024;
const SIZE = 300 * MB;
let dir: string;

const ids = Array.from({ length: 1000 }, (_, i) => `id${i}`);
const spec: SubmissionSpec = { idColumn: 'id', columns: ['id', 'a', 'b'], ids, cells: 'probability', rowsRescaled: true };

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-large-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Peak RSS in MB so far (the kernel's high-water mark for this process). */
function peakMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function sparse(name: string, bytes: number): Promise<string> {
  const file = path.join(dir, name);
  const handle = await fs.open(file, 'w');
  await handle.truncate(bytes); // no 300 MB written: a hole of zero bytes
  await handle.close();
  return file;
}

describe('a 300 MB submission', () => {
  it('over the default cap: refused with the sizes, before reading a byte', async () => {
    const file = await sparse('sparse.csv', SIZE);
    const before = peakMb();
    expect(await validateSubmission(file, spec)).toEqual({
      valid: false,
      exists: true,
      reason: `submission is ${SIZE} bytes, over the limit of ${DEFAULT_MAX_SUBMISSION_BYTES} bytes`,
    });
    expect(peakMb() - before).toBeLessThan(20);
  });

  it('under a raised cap, 300 MB without a line end: refused at the record limit, not read into memory', async () => {
    const file = await sparse('no-newline.csv', SIZE);
    const before = peakMb();
    const check = await validateSubmission(file, { ...spec, maxBytes: 2 * SIZE });
    expect(check).toMatchObject({ valid: false, exists: true });
    expect(check.valid === false && check.reason).toMatch(/^submission is not valid CSV: line 1: a record longer than 1048576 bytes/);
    expect(peakMb() - before).toBeLessThan(50);
  });

  it('under a raised cap, 300 MB of rows: streamed, refused for its unknown ids, memory bounded by the expected ids', async () => {
    const file = path.join(dir, 'rows.csv');
    const handle = await fs.open(file, 'w');
    let written = 0;
    let row = 0;
    await handle.write('id,a,b\n');
    while (written < SIZE) {
      let chunk = '';
      while (chunk.length < 4 * MB) chunk += `row${row++},0.25,0.75\n`;
      await handle.write(chunk);
      written += chunk.length;
    }
    await handle.close();
    const before = peakMb();
    const check = await validateSubmission(file, { ...spec, maxBytes: 2 * SIZE });
    expect(check.valid).toBe(false);
    expect(check.valid === false && check.reason).toBe(
      `unknown ids (not in the test set): row0, row1, row2, row3, row4 and ${row - 5} more`,
    );
    // Reading 300 MB in 1 MB chunks keeps a few MB; the expected ids' arrays are tiny here.
    expect(peakMb() - before).toBeLessThan(100);
  });
});

describe('the size cap', () => {
  it('is the floor for ordinary competitions and grows with the expected cells for huge ones', () => {
    expect(submissionByteLimit({ ids, columns: ['id', 'a'] })).toBe(DEFAULT_MAX_SUBMISSION_BYTES);
    const million = { length: 1_000_000 } as readonly string[];
    expect(submissionByteLimit({ ids: million, columns: Array.from({ length: 11 }, String) })).toBe(1_000_000 * 11 * 64);
    expect(submissionByteLimit({ ids: million, columns: ['id', 'x'], maxBytes: 5 })).toBe(5);
  });
});
