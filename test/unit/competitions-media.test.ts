/**
 * The media competitions prepared from their real sources (npm packages; the Debian package for
 * the images): deterministic and pinned, answers only under private/, ids consistent, images on
 * disk for every id, and a sample submission that grades valid and below the leaderboard.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCompetition, prepareCompetition, type PreparedCompetition } from '../../core/competitions';
import { getPrepareStep } from '../../core/competitions/steps';
import { readCsvFile, type CsvTable } from '../../core/csv';
import { gradeSubmission, medalThresholds, readLeaderboard } from '../../core/grading';

const tmpDirs: string[] = [];

async function tmpDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-media-'));
  tmpDirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(tmpDirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function listTree(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listTree(dir, child)));
    else out.push(child);
  }
  return out.sort();
}

interface Prepared {
  dataDir: string;
  prepared: PreparedCompetition;
  ms: number;
  train: CsvTable;
  test: CsvTable;
  sample: CsvTable;
  answers: CsvTable;
}

async function prepare(id: string): Promise<Prepared> {
  const dataDir = await tmpDir();
  const started = Date.now();
  const prepared = await prepareCompetition(id, { dataDir });
  const ms = Date.now() - started;
  const [train, test, sample, answers] = await Promise.all(
    [
      path.join(prepared.publicDir, 'train.csv'),
      path.join(prepared.publicDir, 'test.csv'),
      prepared.sampleSubmissionPath,
      prepared.answersPath,
    ].map(readCsvFile),
  );
  return { dataDir, prepared, ms, train: train!, test: test!, sample: sample!, answers: answers! };
}

const ids = (t: CsvTable) => t.rows.map((r) => r[0]!);
const col = (t: CsvTable, name: string) => t.rows.map((r) => r[t.header.indexOf(name)]!);

/** The checks every competition shares; `target` is the answers' label column. */
function commonChecks(id: string, target: string, get: () => Prepared, sampleScore: (p: Prepared) => number): void {
  it('is deterministic: another data dir gets the same files, and the checksum pinned in config.yaml', async () => {
    const { prepared } = get();
    const other = await prepareCompetition(id, { dataDir: await tmpDir() });
    expect(other.checksum).toBe(prepared.checksum);
    const manifest = async (p: PreparedCompetition) => await fs.readFile(path.join(path.dirname(p.publicDir), 'checksums.json'), 'utf8');
    expect(await manifest(other)).toBe(await manifest(prepared));
    expect(prepared.checksum).toBe((await loadCompetition(id)).config.prepare.checksum);
  });

  it('keeps the answers out of public/: no target in test.csv, test ids nowhere in train', async () => {
    const { prepared, train, test, answers } = get();
    expect(answers.header).toEqual(['id', target]);
    expect(train.header).toContain(target);
    expect(test.header).not.toContain(target);
    expect(test.header).toEqual(train.header.filter((h) => h !== target));
    const trainIds = new Set(ids(train));
    expect(ids(test).filter((i) => trainIds.has(i))).toEqual([]);
    expect(await listTree(prepared.privateDir)).toEqual(['answers.csv']);
    // The answers file's rows (id + label) appear in no public file.
    const answerLines = (await fs.readFile(prepared.answersPath, 'utf8')).split('\n').slice(1, 6).join('\n');
    for (const file of (await listTree(prepared.publicDir)).filter((f) => f.endsWith('.csv') || f.endsWith('.md'))) {
      expect(await fs.readFile(path.join(prepared.publicDir, file), 'utf8')).not.toContain(answerLines);
    }
  });

  it('gives test, answers and sample submission the same unique ids, in the same order', () => {
    const { test, answers, sample } = get();
    expect(ids(answers)).toEqual(ids(test));
    expect(ids(sample)).toEqual(ids(test));
    expect(new Set(ids(test)).size).toBe(test.rows.length);
    expect(sample.header).toEqual(['id', target]);
  });

  it('has a sample submission that grades valid, with the trivial score, below the leaderboard median', async () => {
    const { dataDir, prepared } = get();
    const report = await gradeSubmission({ competitionId: id, submissionPath: prepared.sampleSubmissionPath, dataDir });
    expect(report).toMatchObject({ competition_id: id, valid_submission: true, any_medal: false, above_median: false });
    expect(report.score).toBeCloseTo(sampleScore(get()), 4);
    // The answers themselves, submitted as predictions, are perfect and take gold.
    const perfect = await gradeSubmission({ competitionId: id, submissionPath: prepared.answersPath, dataDir });
    expect(perfect).toMatchObject({ valid_submission: true, gold_medal: true });
  });

  it('has a leaderboard of varied reference solutions that the sample does not reach', async () => {
    const competition = await loadCompetition(id);
    const board = await readLeaderboard(competition.leaderboardPath);
    expect(board.scores.length).toBeGreaterThanOrEqual(50);
    const thresholds = medalThresholds(board.scores, board.isLowerBetter);
    const worse = (a: number, b: number) => (board.isLowerBetter ? a > b : a < b);
    expect(worse(sampleScore(get()), thresholds.median)).toBe(true);
    expect(new Set(board.scores).size).toBeGreaterThan(board.scores.length / 2);
  });
}

describe('spam-assassin', () => {
  let p: Prepared;
  beforeAll(async () => {
    p = await prepare('spam-assassin');
  });

  it('writes text with metadata, split by time (a fifth of 2002 to train, 2003 to test), in seconds', async () => {
    expect(await listTree(path.dirname(p.prepared.publicDir))).toEqual([
      'checksums.json',
      'private/answers.csv',
      'public/description.md',
      'public/sample_submission.csv',
      'public/submission_format.json',
      'public/test.csv',
      'public/train.csv',
    ]);
    expect(p.train.header).toEqual(['id', 'subject', 'text', 'content_type', 'attachments', 'spam']);
    // 5,900 distinct mails: 3,195 from the 2002 collections (a fifth of them train), 2,705 from 2003.
    expect(p.train.rows.length).toBe(Math.round(3195 * 0.2));
    expect(p.test.rows.length).toBe(2705);
    const share = (values: string[]) => values.filter((v) => v === '1').length / values.length;
    expect(share(col(p.train, 'spam'))).toBeGreaterThan(0.1);
    expect(share(col(p.train, 'spam'))).toBeLessThan(0.2);
    expect(share(col(p.answers, 'spam'))).toBeGreaterThan(0.4);
    expect(p.ms).toBeLessThan(20_000);
  });

  it('shows no transport headers, list footers, list tags or SpamAssassin markers', () => {
    const texts = [...col(p.train, 'text'), ...col(p.test, 'text')];
    const subjects = [...col(p.train, 'subject'), ...col(p.test, 'subject')];
    const header = /^(?:Received|Return-Path|X-Spam-[A-Za-z-]+|Delivered-To|Message-Id|X-Mailman-Version|List-Unsubscribe):/im;
    expect(texts.filter((t) => header.test(t.split('\n')[0]!))).toEqual([]);
    expect(texts.filter((t) => /DeathToSpam/i.test(t))).toEqual([]);
    expect(texts.filter((t) => /listinfo\S*\s*$/.test(t))).toEqual([]);
    expect(subjects.filter((s) => /^(?:re:\s*)*\[[^\]]{1,40}\]/i.test(s))).toEqual([]);
    expect(texts.every((t) => t.length <= 3000)).toBe(true);
    // No mail is in both train and test.
    const trainTexts = new Set(p.train.rows.map((r) => `${r[1]}\u0000${r[2]}`));
    expect(p.test.rows.filter((r) => trainTexts.has(`${r[1]}\u0000${r[2]}`))).toEqual([]);
  });

  // A constant ranks nothing: AUC 0.5.
  commonChecks(
    'spam-assassin',
    'spam',
    () => p,
    () => 0.5,
  );
});

describe('fashion-mnist-shirts', () => {
  let p: Prepared;
  beforeAll(async () => {
    p = await prepare('fashion-mnist-shirts');
  });

  it('writes one 28x28 grayscale PNG per id, and nothing else, in seconds', async () => {
    const pub = p.prepared.publicDir;
    expect(p.train.header).toEqual(['id', 'label']);
    expect(p.test.header).toEqual(['id']);
    expect([p.train.rows.length, p.test.rows.length]).toEqual([4000, 1000]);
    expect(await fs.readdir(path.join(pub, 'train'))).toEqual(
      ids(p.train)
        .map((i) => `${i}.png`)
        .sort(),
    );
    expect(await fs.readdir(path.join(pub, 'test'))).toEqual(
      ids(p.test)
        .map((i) => `${i}.png`)
        .sort(),
    );
    const files = await listTree(pub);
    expect(files.filter((f) => !/^(train|test)\/id\d{5}\.png$/.test(f))).toEqual([
      'description.md',
      'sample_submission.csv',
      'submission_format.json',
      'test.csv',
      'train.csv',
    ]);
    for (const file of [`train/${ids(p.train)[0]}.png`, `test/${ids(p.test)[999]}.png`]) {
      const png = PNG.sync.read(await fs.readFile(path.join(pub, file)));
      expect([png.width, png.height, png.colorType, png.depth]).toEqual([28, 28, 0, 8]);
      expect(png.data.some((v, i) => i % 4 === 0 && v > 0)).toBe(true);
    }
    expect(p.ms).toBeLessThan(30_000);
  });

  it('labels shirts 1 and T-shirts 0, about half each', () => {
    const labels = col(p.train, 'label');
    expect(new Set(labels)).toEqual(new Set(['0', '1']));
    const shirts = labels.filter((l) => l === '1').length;
    expect(shirts).toBeGreaterThan(1800);
    expect(shirts).toBeLessThan(2200);
    expect(new Set(col(p.answers, 'label'))).toEqual(new Set(['0', '1']));
  });

  it('says what to do when the Debian package cannot be had (no apt-get, nothing cached)', async () => {
    const step = getPrepareStep('fashion-mnist')!;
    const competition = await loadCompetition('fashion-mnist-shirts');
    const dir = await tmpDir();
    const saved = { home: process.env.MLEBENCH_HOME, path: process.env.PATH };
    process.env.MLEBENCH_HOME = dir;
    process.env.PATH = path.join(dir, 'no-bin');
    try {
      const err = await step
        .run({
          competitionId: 'fashion-mnist-shirts',
          seed: 1,
          options: competition.config.prepare.options,
          publicDir: dir,
          privateDir: dir,
        })
        .catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/dataset-fashion-mnist=.*apt-get is not installed.*cache/);
    } finally {
      // Assigning undefined to process.env stores the string "undefined": delete instead.
      if (saved.home === undefined) delete process.env.MLEBENCH_HOME;
      else process.env.MLEBENCH_HOME = saved.home;
      process.env.PATH = saved.path;
    }
  });

  // 0.5 everywhere: ln 2 per image.
  commonChecks(
    'fashion-mnist-shirts',
    'label',
    () => p,
    () => Math.log(2),
  );
});

describe('us-births', () => {
  let p: Prepared;
  beforeAll(async () => {
    p = await prepare('us-births');
  });

  it('splits by time: every day of 1969-1985 in train, of 1986-1988 in test', () => {
    expect(p.train.header).toEqual(['id', 'year', 'month', 'day', 'day_of_week', 'births']);
    const trainDays = ids(p.train);
    const testDays = ids(p.test);
    expect([trainDays[0], trainDays.at(-1), testDays[0], testDays.at(-1)]).toEqual([
      '1969-01-01',
      '1985-12-31',
      '1986-01-01',
      '1988-12-31',
    ]);
    expect(trainDays.length + testDays.length).toBe(7305);
    const all = [...trainDays, ...testDays].map((d) => Date.parse(`${d}T00:00:00Z`));
    expect(all.slice(1).every((t, i) => t - all[i]! === 86_400_000)).toBe(true);
    // The sample forecasts the training mean everywhere.
    const mean = col(p.train, 'births').reduce((s, v) => s + Number(v), 0) / trainDays.length;
    expect(new Set(col(p.sample, 'births'))).toEqual(new Set([String(Math.round(mean))]));
  });

  // A constant forecast: the RMSE of the training mean against the answers.
  commonChecks(
    'us-births',
    'births',
    () => p,
    ({ sample, answers }) => {
      const squares = answers.rows.map((r, i) => (Number(r[1]) - Number(sample.rows[i]![1])) ** 2);
      return Math.sqrt(squares.reduce((a, b) => a + b, 0) / squares.length);
    },
  );
});
