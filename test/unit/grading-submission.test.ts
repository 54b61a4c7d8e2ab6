/**
 * Every kind of malformed submission grades as `valid_submission: false` with a reason; a
 * well-formed one in an unusual shape (reordered, BOM, CRLF, unnormalised rows) is still scored.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareCompetition, type PreparedCompetition } from '../../core/competitions';
import { parseCsv, toCsv } from '../../core/csv';
import { checkSubmission, gradeSubmission, validateSubmission } from '../../core/grading';

const ID = 'sotu-authorship';
let dataDir: string;
let workDir: string;
let prepared: PreparedCompetition;
let sample: { header: string[]; rows: string[][] };
let counter = 0;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-grade-data-'));
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-grade-subs-'));
  prepared = await prepareCompetition(ID, { dataDir });
  sample = parseCsv(await fs.readFile(prepared.sampleSubmissionPath, 'utf8'), 'sample');
});

afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
  await fs.rm(workDir, { recursive: true, force: true });
});

async function write(content: string | Uint8Array): Promise<string> {
  const file = path.join(workDir, `submission-${counter++}.csv`);
  await fs.writeFile(file, content);
  return file;
}

/** The sample submission with `edit` applied to a copy of its header and rows. */
async function variant(edit: (header: string[], rows: string[][]) => void): Promise<string> {
  const header = [...sample.header];
  const rows = sample.rows.map((r) => [...r]);
  edit(header, rows);
  return write(toCsv(header, rows));
}

async function grade(submissionPath: string, maxSubmissionBytes?: number) {
  return gradeSubmission({ competitionId: ID, submissionPath, dataDir, maxSubmissionBytes });
}

async function expectInvalid(submissionPath: string, reason: RegExp, maxSubmissionBytes?: number): Promise<void> {
  const report = await grade(submissionPath, maxSubmissionBytes);
  expect(report).toMatchObject({
    competition_id: ID,
    score: null,
    valid_submission: false,
    submission_exists: true,
    any_medal: false,
    gold_medal: false,
    above_median: false,
    submission_path: submissionPath,
  });
  expect(report.error).toMatch(reason);
}

describe('invalid submissions grade as invalid, with the reason', () => {
  it('missing file', async () => {
    const missing = path.join(workDir, 'nope', 'submission.csv');
    const report = await grade(missing);
    expect(report).toMatchObject({ score: null, valid_submission: false, submission_exists: false, any_medal: false });
    expect(report.error).toBe(`no submission file at ${missing}`);
    // Thresholds are still reported, as MLE-bench does.
    expect(report.gold_threshold).toBeGreaterThan(0);
  });

  it('a directory instead of a file', async () => {
    const report = await grade(workDir);
    expect(report).toMatchObject({ valid_submission: false, submission_exists: false });
    expect(report.error).toMatch(/is not a regular file/);
  });

  it('a symbolic link (say, planted by the agent towards the answers) is never followed', async () => {
    const link = path.join(workDir, `link-${counter++}.csv`);
    await fs.symlink(prepared.answersPath, link);
    const report = await grade(link);
    expect(report).toMatchObject({ score: null, valid_submission: false });
    expect(report.error).toMatch(/is a symbolic link/);
  });

  it('a named pipe does not hang the grader', async () => {
    const fifo = path.join(workDir, `fifo-${counter++}.csv`);
    await promisify(execFile)('mkfifo', [fifo]);
    const report = await grade(fifo);
    expect(report).toMatchObject({ valid_submission: false, submission_exists: false });
    expect(report.error).toMatch(/is not a regular file/);
  });

  it('empty file', async () => expectInvalid(await write(''), /empty \(0 bytes\)/));
  it('only whitespace', async () => expectInvalid(await write('\n \n\t\n'), /empty \(only whitespace\)/));

  it('not UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from(toCsv(sample.header, sample.rows.slice(0, 3))), Buffer.from([0xff, 0xfe, 0xc3, 0x28])]);
    await expectInvalid(await write(bytes), /not UTF-8/);
  });

  it('missing column', async () =>
    expectInvalid(
      await variant((h, rows) => {
        h.pop();
        rows.forEach((r) => r.pop());
      }),
      /missing columns: BHO \(expected: id, WJC, GWB, BHO\)/,
    ));

  it('extra column', async () =>
    expectInvalid(
      await variant((h, rows) => {
        h.push('extra');
        rows.forEach((r) => r.push('0'));
      }),
      /unexpected columns: extra/,
    ));

  it('wrong id column name', async () => expectInvalid(await variant((h) => (h[0] = 'ID')), /missing columns: id; unexpected columns: ID/));
  it('duplicate column', async () => expectInvalid(await variant((h) => (h[3] = 'GWB')), /duplicate columns: GWB/));
  it('header but no rows', async () => expectInvalid(await variant((_h, rows) => rows.splice(0)), /header but no rows \(expected 1566\)/));

  it('too few rows', async () => {
    const lastId = sample.rows[sample.rows.length - 1]![0]!;
    await expectInvalid(await variant((_h, rows) => rows.pop()), new RegExp(`1565 rows, expected 1566.*missing ids: ${lastId}`));
  });

  it('duplicate id', async () => {
    const firstId = sample.rows[0]![0]!;
    await expectInvalid(await variant((_h, rows) => (rows[5]![0] = firstId)), new RegExp(`duplicate ids: ${firstId}`));
  });

  it('extra duplicated row', async () => expectInvalid(await variant((_h, rows) => rows.push([...rows[0]!])), /duplicate ids/));
  it('unknown id', async () =>
    expectInvalid(await variant((_h, rows) => (rows[7]![0] = 'id-nope')), /unknown ids \(not in the test set\): id-nope/));
  it('empty id', async () => expectInvalid(await variant((_h, rows) => (rows[7]![0] = '')), /unknown ids.*\(empty\)/));

  it.each([
    ['NaN', /"NaN" is not a finite number/],
    ['nan', /"nan" is not a finite number/],
    ['inf', /"inf" is not a finite number/],
    ['Infinity', /"Infinity" is not a finite number/],
    ['-inf', /"-inf" is not a finite number/],
    ['1e999', /"1e999" is not a finite number/],
    ['abc', /"abc" is not a finite number/],
    ['', /"" is not a finite number/],
    ['0x1', /"0x1" is not a finite number/],
    ['1.5', /probability 1.5 is outside \[0, 1\]/],
    ['-0.1', /probability -0.1 is outside \[0, 1\]/],
  ])('value %j', async (value, reason) => {
    const id = sample.rows[10]![0]!;
    await expectInvalid(await variant((_h, rows) => (rows[10]![2] = value)), reason);
    // The reason points at the cell.
    const report = await grade(await variant((_h, rows) => (rows[10]![2] = value)));
    expect(report.error).toContain(`line 12 (id ${id}), column GWB`);
  });

  it('counts several bad values', async () =>
    expectInvalid(await variant((_h, rows) => rows.slice(0, 4).forEach((r) => (r[1] = 'NaN'))), /^4 bad values; first: line 2/));

  it('a row of zeros (cannot be rescaled)', async () =>
    expectInvalid(await variant((_h, rows) => (rows[3] = [rows[3]![0]!, '0', '0.0', '0e0'])), /line 5 .*all probabilities are 0/));

  it('ragged CSV', async () => {
    const text = toCsv(sample.header, sample.rows).replace(/\n(id\d+),([^,\n]+),([^,\n]+),([^,\n]+)\n/, '\n$1,$2,$3\n');
    await expectInvalid(await write(text), /not valid CSV/);
  });

  it('huge file (over the configured cap)', async () =>
    expectInvalid(prepared.sampleSubmissionPath, /bytes, over the limit of 1000 bytes/, 1000));

  it('a 300 MB file (over the default cap), refused without reading it', async () => {
    const file = path.join(workDir, 'huge.csv');
    const handle = await fs.open(file, 'w');
    await handle.truncate(300 * 1024 * 1024); // sparse: no 300 MiB written
    await handle.close();
    await expectInvalid(file, /314572800 bytes, over the limit of 104857600 bytes/);
  });
});

describe('valid submissions in unusual shapes', () => {
  const LN3 = Number(Math.log(3).toFixed(5));

  it('reordered columns and shuffled rows', async () => {
    const file = await variant((h, rows) => {
      const order = [2, 0, 3, 1];
      const permuted = order.map((j) => h[j]!);
      h.splice(0, h.length, ...permuted);
      rows.reverse();
      rows.forEach((r) => r.splice(0, r.length, ...order.map((j) => r[j]!)));
    });
    expect(await grade(file)).toMatchObject({ valid_submission: true, score: LN3 });
  });

  it('a BOM and CRLF line endings', async () => {
    const text = '\uFEFF' + toCsv(sample.header, sample.rows).replace(/\n/g, '\r\n');
    expect(await grade(await write(text))).toMatchObject({ valid_submission: true, score: LN3 });
  });

  it('rows that do not sum to one are rescaled (Kaggle rule)', async () => {
    const file = await variant((_h, rows) => rows.forEach((r) => r.splice(1, 3, '0.5', '0.5', '0.5')));
    expect(await grade(file)).toMatchObject({ valid_submission: true, score: LN3 });
  });

  it('checkSubmission tells validity, never the score', async () => {
    expect(await checkSubmission({ competitionId: ID, submissionPath: prepared.sampleSubmissionPath, dataDir })).toEqual({ valid: true });
    const bad = await variant((h) => (h[1] = 'Clinton'));
    expect(await checkSubmission({ competitionId: ID, submissionPath: bad, dataDir })).toEqual({
      valid: false,
      reason: 'missing columns: WJC; unexpected columns: Clinton (expected: id, WJC, GWB, BHO)',
    });
  });
});

describe('label submissions (metrics such as accuracy)', () => {
  const spec = { idColumn: 'id', columns: ['id', 'label'], ids: ['a', 'b', 'c'], cells: 'label' as const };

  it('returns the labels aligned with the expected ids', async () => {
    const file = await write('label,id\ncat,c\ndog,a\n"cat, black",b\n');
    expect(await validateSubmission(file, spec)).toEqual({
      valid: true,
      valueColumns: ['label'],
      numbers: [],
      labels: [['dog', 'cat, black', 'cat']],
    });
  });

  it('refuses an empty label', async () => {
    const file = await write('id,label\na,dog\nb,\nc,cat\n');
    expect(await validateSubmission(file, spec)).toEqual({
      valid: false,
      exists: true,
      reason: 'line 3 (id b), column label: empty label',
    });
  });
});
