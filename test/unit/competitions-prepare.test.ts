import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { isPrepared, loadCompetition, prepareCompetition, PreparedDataChangedError } from '../../core/competitions';
import { harnessPaths } from '../../core/config';
import { readCsvFile } from '../../core/csv';
import { idsDigest, type SubmissionFormat } from '../../core/grading/format';

const ID = 'sotu-authorship';
const tmpDirs: string[] = [];

async function tmpDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-prepare-'));
  tmpDirs.push(dir);
  return dir;
}

async function readManifest(preparedDir: string): Promise<{ files: Record<string, string>; checksum: string }> {
  return JSON.parse(await fs.readFile(path.join(preparedDir, 'checksums.json'), 'utf8')) as {
    files: Record<string, string>;
    checksum: string;
  };
}

async function listTree(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listTree(dir, child)));
    else out.push(child);
  }
  return out.sort();
}

afterAll(async () => {
  await Promise.all(tmpDirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

describe('prepareCompetition (sotu-authorship)', () => {
  let dataDir: string;
  let prepared: Awaited<ReturnType<typeof prepareCompetition>>;
  let elapsedMs: number;

  beforeAll(async () => {
    dataDir = await tmpDir();
    const started = Date.now();
    prepared = await prepareCompetition(ID, { dataDir });
    elapsedMs = Date.now() - started;
  });

  it('writes the public and private files where the contract says, in seconds', async () => {
    const root = path.join(dataDir, ID, 'prepared');
    expect(prepared).toMatchObject({
      id: ID,
      publicDir: path.join(root, 'public'),
      privateDir: path.join(root, 'private'),
      sampleSubmissionPath: path.join(root, 'public', 'sample_submission.csv'),
      answersPath: path.join(root, 'private', 'answers.csv'),
    });
    expect(await listTree(root)).toEqual([
      'checksums.json',
      'private/answers.csv',
      'public/description.md',
      'public/sample_submission.csv',
      'public/submission_format.json',
      'public/test.csv',
      'public/train.csv',
    ]);
    expect(elapsedMs).toBeLessThan(10_000);
  });

  it('writes the submission format spec the validator and the grader read, with no answer in it', async () => {
    const format = JSON.parse(await fs.readFile(path.join(prepared.publicDir, 'submission_format.json'), 'utf8')) as SubmissionFormat;
    const sample = (await fs.readFile(prepared.sampleSubmissionPath, 'utf8')).trim().split('\n');
    const ids = sample.slice(1).map((line) => line.split(',')[0]!);
    expect(format).toMatchObject({ competition_id: ID, id_column: sample[0]!.split(',')[0], columns: sample[0]!.split(',') });
    expect(format.ids).toEqual({ count: ids.length, sha256: idsDigest(ids) });
    expect(format).toMatchObject({ metric: 'multiclass-log-loss', cells: 'probability', labels: null, row_sum_nonzero: true });
    expect(Object.keys(format).sort()).toEqual([
      'cells',
      'columns',
      'competition_id',
      'id_column',
      'ids',
      'labels',
      'metric',
      'row_sum_nonzero',
    ]);
  });

  it('copies the description in', async () => {
    const competition = await loadCompetition(ID);
    expect(await fs.readFile(path.join(prepared.publicDir, 'description.md'), 'utf8')).toBe(
      await fs.readFile(competition.descriptionPath, 'utf8'),
    );
  });

  it('keeps the answers out of public/', async () => {
    const train = await readCsvFile(path.join(prepared.publicDir, 'train.csv'));
    const test = await readCsvFile(path.join(prepared.publicDir, 'test.csv'));
    const sample = await readCsvFile(prepared.sampleSubmissionPath);
    expect(train.header).toEqual(['id', 'text', 'author']);
    expect(test.header).toEqual(['id', 'text']);
    expect(sample.header).toEqual(['id', 'WJC', 'GWB', 'BHO']);
    const answers = await fs.readFile(prepared.answersPath, 'utf8');
    for (const file of await listTree(prepared.publicDir)) {
      expect(await fs.readFile(path.join(prepared.publicDir, file), 'utf8')).not.toContain(answers.split('\n').slice(1, 4).join('\n'));
    }
    // No test sentence is in train (duplicates are dropped before the split).
    const trainTexts = new Set(train.rows.map((r) => r[1]));
    expect(test.rows.filter((r) => trainTexts.has(r[1]))).toEqual([]);
  });

  it('gives test, answers and sample submission the same ids, disjoint from train', async () => {
    const train = await readCsvFile(path.join(prepared.publicDir, 'train.csv'));
    const test = await readCsvFile(path.join(prepared.publicDir, 'test.csv'));
    const answers = await readCsvFile(prepared.answersPath);
    const sample = await readCsvFile(prepared.sampleSubmissionPath);
    const testIds = test.rows.map((r) => r[0]);
    expect(answers.header).toEqual(['id', 'author']);
    expect(answers.rows.map((r) => r[0])).toEqual(testIds);
    expect(sample.rows.map((r) => r[0])).toEqual(testIds);
    expect(new Set(testIds).size).toBe(testIds.length);
    const trainIds = new Set(train.rows.map((r) => r[0]));
    expect(testIds.filter((id) => trainIds.has(id))).toEqual([]);
    // 80/20 split of a few thousand sentences, three authors in both parts.
    const total = train.rows.length + test.rows.length;
    expect(total).toBeGreaterThan(3000);
    expect(test.rows.length).toBe(Math.round(total * 0.2));
    expect(new Set(train.rows.map((r) => r[2]))).toEqual(new Set(['WJC', 'GWB', 'BHO']));
    expect(new Set(answers.rows.map((r) => r[1]))).toEqual(new Set(['WJC', 'GWB', 'BHO']));
    // Uniform sample probabilities.
    for (const row of sample.rows.slice(0, 20)) expect(row.slice(1).map(Number)).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('drops short sentences and transcript annotations', async () => {
    const train = await readCsvFile(path.join(prepared.publicDir, 'train.csv'));
    for (const [, text] of train.rows) {
      expect(text!.split(/\s+/).length).toBeGreaterThanOrEqual(5);
      expect(text).not.toMatch(/\[(Laughter|Applause)\]|The President\./i);
    }
  });

  it('is deterministic: a second data dir gets byte-identical files and the checksum pinned in config.yaml', async () => {
    const other = await prepareCompetition(ID, { dataDir: await tmpDir() });
    expect(other.checksum).toBe(prepared.checksum);
    expect(await readManifest(path.dirname(other.publicDir))).toEqual(await readManifest(path.dirname(prepared.publicDir)));
    expect(prepared.checksum).toBe((await loadCompetition(ID)).config.prepare.checksum);
  });

  it('is cached: a second call verifies and returns without rewriting', async () => {
    const files = ['public/train.csv', 'private/answers.csv', 'checksums.json'].map((f) => path.join(dataDir, ID, 'prepared', f));
    const before = await Promise.all(files.map((f) => fs.stat(f)));
    const again = await prepareCompetition(ID, { dataDir });
    expect(again).toEqual(prepared);
    const after = await Promise.all(files.map((f) => fs.stat(f)));
    expect(after.map((s) => [s.ino, s.mtimeMs])).toEqual(before.map((s) => [s.ino, s.mtimeMs]));
    expect(await isPrepared(ID, { dataDir })).toBe(true);
  });
});

describe('prepared data that changed', () => {
  it('reports the changed file, and force re-prepares', async () => {
    const dataDir = await tmpDir();
    const first = await prepareCompetition(ID, { dataDir });
    const train = path.join(first.publicDir, 'train.csv');
    await fs.appendFile(train, 'id99999,planted row,WJC\n');

    expect(await isPrepared(ID, { dataDir })).toBe(false);
    const err = await prepareCompetition(ID, { dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreparedDataChangedError);
    const e = err as PreparedDataChangedError;
    expect(e.name).toBe('PreparedDataChangedError');
    expect(e.problems).toEqual([{ file: 'public/train.csv', problem: 'modified' }]);
    expect(e.message).toMatch(/public\/train\.csv \(modified\).*force/);

    const redone = await prepareCompetition(ID, { dataDir, force: true });
    expect(redone.checksum).toBe(first.checksum);
    expect(await fs.readFile(train, 'utf8')).not.toContain('planted row');
    expect(await isPrepared(ID, { dataDir })).toBe(true);
  });

  it('reports deleted and added files', async () => {
    const dataDir = await tmpDir();
    const first = await prepareCompetition(ID, { dataDir });
    await fs.rm(first.answersPath);
    await fs.writeFile(path.join(first.publicDir, 'leak.csv'), 'id,author\n');
    const err = (await prepareCompetition(ID, { dataDir }).catch((e: unknown) => e)) as PreparedDataChangedError;
    expect(err).toBeInstanceOf(PreparedDataChangedError);
    expect(err.problems).toEqual([
      { file: 'private/answers.csv', problem: 'missing' },
      { file: 'public/leak.csv', problem: 'unexpected' },
    ]);
  });

  it('refuses a prepared folder without a manifest (made by hand)', async () => {
    const dataDir = await tmpDir();
    await fs.mkdir(path.join(dataDir, ID, 'prepared', 'public'), { recursive: true });
    await expect(prepareCompetition(ID, { dataDir })).rejects.toBeInstanceOf(PreparedDataChangedError);
    await expect(prepareCompetition(ID, { dataDir, force: true })).resolves.toMatchObject({ id: ID });
  });
});

describe('concurrent and changed preparation', () => {
  it('survives several workers preparing the same competition at once', async () => {
    const dataDir = await tmpDir();
    const results = await Promise.all([1, 2, 3, 4].map(() => prepareCompetition(ID, { dataDir })));
    expect(new Set(results.map((r) => r.checksum)).size).toBe(1);
    // Losers' temp folders are gone; only the installed copy remains, and it is intact.
    expect(await fs.readdir(path.join(dataDir, ID))).toEqual(['prepared']);
    expect(await isPrepared(ID, { dataDir })).toBe(true);
    // Forced re-preparation racing with a plain one also ends intact.
    await Promise.all([prepareCompetition(ID, { dataDir, force: true }), prepareCompetition(ID, { dataDir, force: true })]);
    expect(await isPrepared(ID, { dataDir })).toBe(true);
    expect(await fs.readdir(path.join(dataDir, ID))).toEqual(['prepared']);
  });

  async function copyCompetition(change: (prepare: Record<string, unknown>) => void): Promise<string> {
    const competitionsDir = await tmpDir();
    await fs.cp(path.join(harnessPaths().competitionsDir, ID), path.join(competitionsDir, ID), { recursive: true });
    const file = path.join(competitionsDir, ID, 'config.yaml');
    const doc = YAML.parse(await fs.readFile(file, 'utf8')) as { prepare: Record<string, unknown> };
    change(doc.prepare);
    await fs.writeFile(file, YAML.stringify(doc));
    return competitionsDir;
  }

  it('rebuilds by itself when the config changed (a new seed), giving different data', async () => {
    const dataDir = await tmpDir();
    const original = await prepareCompetition(ID, { dataDir });
    const competitionsDir = await copyCompetition((p) => {
      delete p.checksum;
      p.seed = 7;
    });
    expect(await isPrepared(ID, { dataDir, competitionsDir })).toBe(false);
    const reseeded = await prepareCompetition(ID, { dataDir, competitionsDir });
    expect(reseeded.checksum).not.toBe(original.checksum);
    expect(await isPrepared(ID, { dataDir, competitionsDir })).toBe(true);
  });

  it('refuses to produce data whose checksum differs from the one pinned in config.yaml', async () => {
    const competitionsDir = await copyCompetition((p) => {
      p.seed = 7;
    });
    const dataDir = await tmpDir();
    await expect(prepareCompetition(ID, { dataDir, competitionsDir })).rejects.toThrow(/prepare\.checksum.*leaderboard/);
    // Nothing half-made is left behind.
    expect(await fs.readdir(path.join(dataDir, ID))).toEqual([]);
  });
});
