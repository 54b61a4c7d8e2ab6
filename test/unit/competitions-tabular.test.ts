/**
 * The four tabular competitions built from Debian's R data packages: each prepares
 * deterministically to its pinned checksum, keeps the answers out of public/, gives test,
 * answers and sample submission the same ids, and grades as the leaderboard was scored
 * (scikit-learn, through the tests' virtualenv).
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCompetition, prepareCompetition, type PreparedCompetition } from '../../core/competitions';
import { readCsvFile, toCsv, type CsvTable } from '../../core/csv';
import { gradeSubmission } from '../../core/grading';
import { testPython } from '../helpers/python';

interface Case {
  id: string;
  rows: number;
  testRows: number;
  features: number;
  target: string;
  /** The sample submission's value columns. */
  predict: string[];
  /** The leaderboard entry that is the sample submission's prediction. */
  naiveTeam: string;
  perfect: number;
  /** A deterministic, non-trivial prediction from a test row (header-indexed). */
  reference: (row: Record<string, string>, columns: string[]) => string[];
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');

const CASES: Case[] = [
  {
    id: 'spambase',
    rows: 4601,
    testRows: 1150,
    features: 57,
    target: 'spam',
    predict: ['spam'],
    naiveTeam: 'naive class prior',
    perfect: 1,
    reference: (r) => [String(Number(r.charExclamation) + Number(r.charDollar) - Number(r.hp))],
  },
  {
    id: 'letter-recognition',
    rows: 20000,
    testRows: 4000,
    features: 16,
    target: 'letter',
    predict: LETTERS,
    naiveTeam: 'naive uniform',
    perfect: 0,
    // Most weight on the letter the box width picks, a little on every other.
    reference: (r) => LETTERS.map((_, k) => (k === (Number(r.width) + Number(r.onpix)) % 26 ? '0.5' : '0.02')),
  },
  {
    id: 'ames-housing',
    rows: 2930,
    testRows: 733,
    features: 73,
    target: 'Sale_Price',
    predict: ['Sale_Price'],
    naiveTeam: 'naive training median',
    perfect: 0,
    reference: (r) => [String(20000 + 110 * Number(r.Gr_Liv_Area))],
  },
  {
    id: 'hpc-job-class',
    rows: 4331,
    testRows: 1083,
    features: 7,
    target: 'class',
    predict: ['class'],
    naiveTeam: 'naive majority class',
    perfect: 1,
    reference: (r) => [String(Math.min(3, Math.floor(Math.log10(Number(r.compounds) + 1))))],
  },
];

const tmpDirs: string[] = [];
let dataDir: string;
const prepared = new Map<string, PreparedCompetition>();
let prepareMs = 0;

async function tmpDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  tmpDirs.push(dir);
  return dir;
}

beforeAll(async () => {
  dataDir = await tmpDir('mlebench-tabular-');
  const started = Date.now();
  for (const c of CASES) prepared.set(c.id, await prepareCompetition(c.id, { dataDir }));
  prepareMs = Date.now() - started;
});

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

async function tables(p: PreparedCompetition): Promise<Record<'train' | 'test' | 'sample' | 'answers', CsvTable>> {
  return {
    train: await readCsvFile(path.join(p.publicDir, 'train.csv')),
    test: await readCsvFile(path.join(p.publicDir, 'test.csv')),
    sample: await readCsvFile(p.sampleSubmissionPath),
    answers: await readCsvFile(p.answersPath),
  };
}

/** The metric as scikit-learn computes it (as make_leaderboard.py scores), on the same files. */
function sklearnScore(metric: string, answersPath: string, target: string, submissionPath: string): number {
  const script = `
import csv, json, sys
import numpy as np
from sklearn.metrics import cohen_kappa_score, log_loss, roc_auc_score
metric, answers, target, submission = sys.argv[1:5]
truth = {r["id"]: r[target] for r in csv.DictReader(open(answers))}
rows = list(csv.DictReader(open(submission)))
y = [truth[r["id"]] for r in rows]
if metric == "roc-auc":
    v = roc_auc_score([int(t) for t in y], [float(r[target]) for r in rows])
elif metric == "multiclass-log-loss":
    cols = sorted(k for k in rows[0] if k != "id")
    p = np.array([[float(r[c]) for c in cols] for r in rows])
    v = log_loss(y, p / p.sum(axis=1, keepdims=True), labels=cols)
elif metric == "rmsle":
    v = np.sqrt(np.mean((np.log1p([float(r[target]) for r in rows]) - np.log1p([float(t) for t in y])) ** 2))
else:
    v = cohen_kappa_score([int(t) for t in y], [int(r[target]) for r in rows], weights="quadratic")
print(json.dumps(float(v)))
`;
  return JSON.parse(
    execFileSync(testPython(), ['-c', script, metric, answersPath, target, submissionPath], { encoding: 'utf8' }),
  ) as number;
}

it('prepares all four from the package cache in seconds', () => {
  expect([...prepared.keys()]).toEqual(CASES.map((c) => c.id));
  expect(prepareMs).toBeLessThan(30_000);
});

describe.each(CASES)('$id', (c) => {
  it('writes train, test, sample submission and answers with the documented shapes', async () => {
    const p = prepared.get(c.id)!;
    expect(await listTree(path.dirname(p.publicDir))).toEqual([
      'checksums.json',
      'private/answers.csv',
      'public/description.md',
      'public/sample_submission.csv',
      'public/submission_format.json',
      'public/test.csv',
      'public/train.csv',
    ]);
    const { train, test, sample, answers } = await tables(p);
    expect(train.rows.length + test.rows.length).toBe(c.rows);
    expect(test.rows.length).toBe(c.testRows);
    expect(train.header).toEqual(['id', ...test.header.slice(1), c.target]);
    expect(test.header).toHaveLength(1 + c.features);
    expect(sample.header).toEqual(['id', ...c.predict]);
    expect(answers.header).toEqual(['id', c.target]);
    let bytes = 0;
    for (const f of await listTree(p.publicDir)) bytes += (await fs.stat(path.join(p.publicDir, f))).size;
    expect(bytes).toBeLessThan(10 * 1024 * 1024);
  });

  it('keeps the answers out of public/: no target in test.csv, one constant row in the sample', async () => {
    const { test, sample } = await tables(prepared.get(c.id)!);
    expect(test.header).not.toContain(c.target);
    expect(new Set(sample.rows.map((r) => r.slice(1).join(','))).size).toBe(1);
  });

  it('gives test, answers and sample the same ids in the same order, disjoint from train', async () => {
    const { train, test, sample, answers } = await tables(prepared.get(c.id)!);
    const testIds = test.rows.map((r) => r[0]);
    expect(answers.rows.map((r) => r[0])).toEqual(testIds);
    expect(sample.rows.map((r) => r[0])).toEqual(testIds);
    expect(new Set(testIds).size).toBe(testIds.length);
    const trainIds = new Set(train.rows.map((r) => r[0]));
    expect(trainIds.size).toBe(train.rows.length);
    expect(testIds.filter((id) => trainIds.has(id))).toEqual([]);
  });

  it('is deterministic and matches the checksum pinned in config.yaml', async () => {
    const p = prepared.get(c.id)!;
    const again = await prepareCompetition(c.id, { dataDir: await tmpDir('mlebench-tabular-again-') });
    expect(again.checksum).toBe(p.checksum);
    expect(p.checksum).toBe((await loadCompetition(c.id)).config.prepare.checksum);
  });

  it('grades the sample submission as valid, with the naive leaderboard entry its score', async () => {
    const report = await gradeSubmission({ competitionId: c.id, submissionPath: prepared.get(c.id)!.sampleSubmissionPath, dataDir });
    expect(report).toMatchObject({ valid_submission: true, any_medal: false, above_median: false });
    const board = await readCsvFile((await loadCompetition(c.id)).leaderboardPath);
    const naive = board.rows.find((r) => r[6] === c.naiveTeam);
    expect(naive, `leaderboard entry "${c.naiveTeam}"`).toBeDefined();
    expect(report.score).toBe(Number(naive![4]));
  });

  it('scores the true answers perfectly, and a reference prediction as scikit-learn does', async () => {
    const p = prepared.get(c.id)!;
    const { test, answers } = await tables(p);
    const dir = await tmpDir(`mlebench-${c.id}-`);
    const truth = answers.rows.map(([id, label]) => [
      id!,
      ...(c.predict.length > 1 ? c.predict.map((l) => (l === label ? '1' : '0')) : [label!]),
    ]);
    const perfectPath = path.join(dir, 'perfect.csv');
    await fs.writeFile(perfectPath, toCsv(['id', ...c.predict], truth));
    const perfect = await gradeSubmission({ competitionId: c.id, submissionPath: perfectPath, dataDir });
    expect(perfect).toMatchObject({ valid_submission: true, score: c.perfect, gold_medal: true });

    const rows = test.rows.map((r) => [r[0]!, ...c.reference(Object.fromEntries(test.header.map((h, i) => [h, r[i]!])), test.header)]);
    const referencePath = path.join(dir, 'reference.csv');
    await fs.writeFile(referencePath, toCsv(['id', ...c.predict], rows));
    const report = await gradeSubmission({ competitionId: c.id, submissionPath: referencePath, dataDir });
    expect(report.valid_submission).toBe(true);
    const metric = (await loadCompetition(c.id)).metric;
    expect(report.score).toBeCloseTo(sklearnScore(metric, p.answersPath, c.target, referencePath), 5);
    expect(report.score).not.toBe(perfect.score);
  });
});
