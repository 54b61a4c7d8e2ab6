/**
 * An MLE-bench competition prepared and graded by its checkout's own Python, in the harness's
 * base image (real Docker): the fixture's prepare.py from raw/, the checksums.yaml check (and a
 * mismatch), data prepared by MLE-bench itself used in place, and its grade.py (a normalized Gini
 * that no TypeScript metric of ours computes) with InvalidSubmissionError as an invalid submission.
 */
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  mkdirSync,
  appendFileSync,
  chmodSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../core/config';
import { isPrepared, prepareCompetition } from '../../core/competitions';
import { CompetitionDataMissingError } from '../../core/competitions/kaggle';
import { gradeSubmission, ungradedReport } from '../../core/grading';
import { MleBenchChecksumMismatchError, MleBenchPythonError, PYTHON_LABEL } from '../../core/mlebench';
import { PYTHON_PID_LABEL, removeStalePythonContainers } from '../../core/mlebench/python';
import { baseImageTag } from '../../core/sandbox/imageTags';
import { buildBaseImage } from '../../core/sandbox/images';
import { dockerClient } from '../../core/sandbox/docker';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'mle-bench');
const ID = 'telco-churn-mini';
const saved = process.env.MLEBENCH_REPO;
const scratch: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** A data dir whose raw/ holds the fixture's raw data (what the Kaggle download leaves). */
function dataDirWithRaw(): string {
  const dataDir = tempDir('mlebench-data-');
  cpSync(path.join(FIXTURE, 'raw', ID), path.join(dataDir, ID, 'raw'), { recursive: true });
  return dataDir;
}

const md5 = (file: string) => createHash('md5').update(readFileSync(file)).digest('hex');

let prepared: { dataDir: string; answers: string; sample: string };

beforeAll(async () => {
  await buildBaseImage();
  process.env.MLEBENCH_REPO = FIXTURE;
  const dataDir = dataDirWithRaw();
  const p = await prepareCompetition(ID, { dataDir });
  prepared = { dataDir, answers: p.answersPath, sample: p.sampleSubmissionPath };
});

afterAll(() => {
  if (saved === undefined) delete process.env.MLEBENCH_REPO;
  else process.env.MLEBENCH_REPO = saved;
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  // The harness's Python containers are removed once read (this process's: other tests may be running).
  const left = await dockerClient().listContainers({ all: true, filters: { label: [`${PYTHON_PID_LABEL}=${process.pid}`] } });
  expect(left).toEqual([]);
});

describe("preparing with the checkout's prepare function", () => {
  it('builds prepared/{public,private} from raw/, matching checksums.yaml, with description.md', async () => {
    const dir = path.join(prepared.dataDir, ID, 'prepared');
    expect(prepared.answers).toBe(path.join(dir, 'private', 'test.csv'));
    expect(prepared.sample).toBe(path.join(dir, 'public', 'sample_submission.csv'));
    // checksums.yaml's md5s (the fixture's, written when it was made).
    expect(md5(path.join(dir, 'private', 'test.csv'))).toBe('ccd6bc6c0705e6b9e00dcc2ae54d4bbc');
    expect(md5(path.join(dir, 'public', 'train.csv'))).toBe('ec50edb9657fcbe28a16857f7108ce1e');
    expect(readFileSync(path.join(dir, 'public', 'description.md'), 'utf8')).toBe(
      readFileSync(path.join(FIXTURE, 'mlebench', 'competitions', ID, 'description.md'), 'utf8'),
    );
    expect(existsSync(path.join(dir, 'public', 'test.csv'))).toBe(true);
    expect(readFileSync(path.join(dir, 'public', 'test.csv'), 'utf8').split('\n')[0]).not.toContain('churned');
    expect(readFileSync(prepared.answers, 'utf8').trim().split('\n')).toHaveLength(201);
    expect(await isPrepared(ID, { dataDir: prepared.dataDir })).toBe(true);
    // Cached: the same data, verified by our manifest.
    const again = await prepareCompetition(ID, { dataDir: prepared.dataDir });
    expect(again.answersPath).toBe(prepared.answers);
  });

  it("lets the prepare function extract a nested archive into raw/, as MLE-bench's do", async () => {
    const dataDir = tempDir('mlebench-data-');
    const raw = path.join(dataDir, ID, 'raw');
    mkdirSync(raw, { recursive: true });
    execFileSync('python3', [
      '-c',
      'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "w").write(sys.argv[2], "train.csv")',
      path.join(raw, 'train.csv.zip'),
      path.join(FIXTURE, 'raw', ID, 'train.csv'),
    ]);
    const p = await prepareCompetition(ID, { dataDir });
    expect(md5(p.answersPath)).toBe('ccd6bc6c0705e6b9e00dcc2ae54d4bbc');
    expect(readFileSync(path.join(raw, 'train.csv'))).toEqual(readFileSync(path.join(FIXTURE, 'raw', ID, 'train.csv')));
  });

  it("prepares again from raw/ when the checkout's competition changed, and says so when raw/ is gone", async () => {
    const checkout = tempDir('mlebench-checkout-');
    cpSync(FIXTURE, checkout, { recursive: true });
    chmodSync(checkout, 0o755);
    appendFileSync(path.join(checkout, 'mlebench', 'competitions', ID, 'description.md'), '\nA new paragraph.\n');
    const dataDir = tempDir('mlebench-data-');
    cpSync(path.join(prepared.dataDir, ID, 'prepared'), path.join(dataDir, ID, 'prepared'), { recursive: true });
    process.env.MLEBENCH_REPO = checkout;
    try {
      expect(await isPrepared(ID, { dataDir })).toBe(false);
      const err = await prepareCompetition(ID, { dataDir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CompetitionDataMissingError);
      expect((err as Error).message).toMatch(/built from another version of its checkout.*raw data in .*raw\/, which is missing or empty/);
      cpSync(path.join(FIXTURE, 'raw', ID), path.join(dataDir, ID, 'raw'), { recursive: true });
      const p = await prepareCompetition(ID, { dataDir });
      expect(readFileSync(path.join(p.publicDir, 'description.md'), 'utf8')).toMatch(/A new paragraph\.\n$/);
      expect(await isPrepared(ID, { dataDir })).toBe(true);
    } finally {
      process.env.MLEBENCH_REPO = FIXTURE;
    }
  });

  it('says which folder to fill, and how, when raw/ is missing', async () => {
    const dataDir = tempDir('mlebench-data-');
    const err = await prepareCompetition(ID, { dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CompetitionDataMissingError);
    expect((err as Error).message).toContain(`${path.join(dataDir, ID, 'raw')}/ (missing or empty)`);
    expect((err as Error).message).toMatch(/mlebench prepare --competitions telco-churn-mini/);
    expect(await isPrepared(ID, { dataDir })).toBe(false);
  });

  it('detects prepared data that does not match checksums.yaml and installs nothing', async () => {
    const dataDir = dataDirWithRaw();
    appendFileSync(path.join(dataDir, ID, 'raw', 'train.csv'), 'C199999,12,50.0,1,basic,no,1\n');
    const err = await prepareCompetition(ID, { dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MleBenchChecksumMismatchError);
    expect((err as MleBenchChecksumMismatchError).problems.map((p) => p.problem)).toContain('modified');
    expect((err as Error).message).toContain(path.join(FIXTURE, 'mlebench', 'competitions', ID, 'checksums.yaml'));
    expect(existsSync(path.join(dataDir, ID, 'prepared'))).toBe(false);
  });

  it('uses data prepared by MLE-bench itself in place, once its checksums agree', async () => {
    const dataDir = tempDir('mlebench-data-');
    for (const part of ['public', 'private']) {
      cpSync(path.join(prepared.dataDir, ID, 'prepared', part), path.join(dataDir, ID, 'prepared', part), { recursive: true });
    }
    rmSync(path.join(dataDir, ID, 'prepared', 'public', 'description.md'));
    const p = await prepareCompetition(ID, { dataDir });
    expect(p.answersPath).toBe(path.join(dataDir, ID, 'prepared', 'private', 'test.csv'));
    expect(existsSync(path.join(dataDir, ID, 'prepared', 'checksums.json'))).toBe(false);
    expect(existsSync(path.join(dataDir, ID, 'prepared', 'public', 'description.md'))).toBe(true);

    appendFileSync(path.join(dataDir, ID, 'prepared', 'private', 'test.csv'), 'C199999,1\n');
    const err = await prepareCompetition(ID, { dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MleBenchChecksumMismatchError);
    expect((err as MleBenchChecksumMismatchError).problems).toEqual([{ file: 'private/test.csv', problem: 'modified' }]);
    expect(await isPrepared(ID, { dataDir })).toBe(false);
  });
});

describe("the harness's Python containers", () => {
  it('one left by a crashed worker is removed ten minutes after it ended, not before', async () => {
    const docker = dockerClient();
    // Only this container is swept here: other processes' may be running.
    const purpose = `left behind by ${process.pid}`;
    const label = `${PYTHON_LABEL}=${purpose}`;
    const container = await docker.createContainer({
      Image: baseImageTag(),
      Cmd: ['true'],
      Labels: { [PYTHON_LABEL]: purpose },
      HostConfig: { NetworkMode: 'none' },
    });
    try {
      await container.start();
      await container.wait();
      expect(await removeStalePythonContainers(docker, { label })).toBe(0);
      expect(await removeStalePythonContainers(docker, { label, now: Date.now() + 11 * 60 * 1000 })).toBe(1);
      expect(
        await container.inspect().then(
          () => 'present',
          () => 'gone',
        ),
      ).toBe('gone');
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  });
});

describe("grading with the checkout's grade function", () => {
  function submission(content: string): string {
    const file = path.join(tempDir('mlebench-sub-'), 'submission.csv');
    writeFileSync(file, content);
    return file;
  }
  const answerRows = () =>
    readFileSync(prepared.answers, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));

  it('scores with its own metric and places the score on its leaderboard', async () => {
    // Constant predictions: AUC 0.5, so a normalized Gini of 0 (our roc-auc would say 0.5).
    const sample = await gradeSubmission({ competitionId: ID, submissionPath: prepared.sample, dataDir: prepared.dataDir });
    expect(sample).toMatchObject({
      competition_id: ID,
      score: 0,
      valid_submission: true,
      submission_exists: true,
      is_lower_better: false,
      // 40 teams: gold at rank 4, silver at 8, bronze at 16; the median of ranks 20 and 21.
      gold_threshold: 0.865,
      silver_threshold: 0.8402,
      bronze_threshold: 0.7881,
      median_threshold: (0.7453 + 0.7301) / 2,
      any_medal: false,
      above_median: false,
    });
    expect(sample.error).toBeUndefined();

    // The answers themselves as predictions: a Gini of 1, gold.
    const perfect = submission(['customer_id,churned', ...answerRows().map(([id, y]) => `${id},${y}`)].join('\n') + '\n');
    expect(await gradeSubmission({ competitionId: ID, submissionPath: perfect, dataDir: prepared.dataDir })).toMatchObject({
      score: 1,
      gold_medal: true,
      any_medal: true,
      above_median: true,
    });
  });

  it('reports InvalidSubmissionError as an invalid submission with its message', async () => {
    const rows = answerRows();
    const short = submission(['customer_id,churned', ...rows.slice(0, 10).map(([id]) => `${id},0.3`)].join('\n') + '\n');
    const report = await gradeSubmission({ competitionId: ID, submissionPath: short, dataDir: prepared.dataDir });
    expect(report).toMatchObject({ score: null, valid_submission: false, submission_exists: true, any_medal: false });
    expect(report.error).toBe('invalid submission: submission has 10 rows, expected 200');

    const words = submission(['customer_id,churned', ...rows.map(([id]) => `${id},maybe`)].join('\n') + '\n');
    const wordsReport = await gradeSubmission({ competitionId: ID, submissionPath: words, dataDir: prepared.dataDir });
    expect(wordsReport.error).toBe('invalid submission: churned must hold numbers');
  });

  it('never runs the grader on a missing submission or through a symlink', async () => {
    const dir = tempDir('mlebench-sub-');
    const missing = await gradeSubmission({
      competitionId: ID,
      submissionPath: path.join(dir, 'submission.csv'),
      dataDir: prepared.dataDir,
    });
    expect(missing).toMatchObject({ score: null, submission_exists: false, valid_submission: false });
    expect(missing.error).toMatch(/does not exist/);

    const link = path.join(dir, 'link', 'submission.csv');
    mkdirSync(path.dirname(link));
    symlinkSync(prepared.answers, link);
    const linked = await gradeSubmission({ competitionId: ID, submissionPath: link, dataDir: prepared.dataDir });
    expect(linked).toMatchObject({ score: null, valid_submission: false });
    expect(linked.error).toMatch(/is a symlink/);
  });

  it("an ungraded run gets the leaderboard's thresholds", async () => {
    const report = await ungradedReport(ID, 'not graded: infra_error');
    expect(report).toMatchObject({
      competition_id: ID,
      score: null,
      gold_threshold: 0.865,
      valid_submission: false,
      error: 'not graded: infra_error',
    });
  });

  it("a grade function that cannot be imported is the harness's error, not an invalid submission", async () => {
    const checkout = tempDir('mlebench-checkout-');
    cpSync(FIXTURE, checkout, { recursive: true });
    chmodSync(checkout, 0o755); // the container's user reads it
    writeFileSync(
      path.join(checkout, 'mlebench', 'competitions', ID, 'grade.py'),
      'import tensorflow_that_is_not_here\n\ndef grade(s, a):\n    return 0.0\n',
    );
    process.env.MLEBENCH_REPO = checkout;
    try {
      const err = await gradeSubmission({ competitionId: ID, submissionPath: prepared.sample, dataDir: prepared.dataDir }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(MleBenchPythonError);
      expect((err as Error).message).toMatch(
        /cannot import mlebench\.competitions\.telco-churn-mini\.grade:grade: ModuleNotFoundError.*tensorflow_that_is_not_here/,
      );
    } finally {
      process.env.MLEBENCH_REPO = FIXTURE;
    }
  });

  it("gives graders scikit-learn >= 1.4's root_mean_squared_error on the image's older scikit-learn", async () => {
    // MLE-bench's new-york-city-taxi-fare-prediction and denoising-dirty-documents (Lite) import it.
    const checkout = tempDir('mlebench-checkout-');
    cpSync(FIXTURE, checkout, { recursive: true });
    chmodSync(checkout, 0o755);
    writeFileSync(
      path.join(checkout, 'mlebench', 'competitions', ID, 'grade.py'),
      [
        'from sklearn.metrics import root_mean_squared_error',
        '',
        'def grade(submission, answers):',
        '    merged = answers.merge(submission, on="customer_id")',
        '    return root_mean_squared_error(merged["churned_x"], merged["churned_y"])',
        '',
      ].join('\n'),
    );
    const rows = answerRows();
    const sub = submission(['customer_id,churned', ...rows.map(([id]) => `${id},0.25`)].join('\n') + '\n');
    const expected = Math.sqrt(rows.reduce((sum, [, y]) => sum + (Number(y) - 0.25) ** 2, 0) / rows.length);
    process.env.MLEBENCH_REPO = checkout;
    try {
      const report = await gradeSubmission({ competitionId: ID, submissionPath: sub, dataDir: prepared.dataDir });
      expect(report.score).toBe(Number(expected.toFixed(5)));
    } finally {
      process.env.MLEBENCH_REPO = FIXTURE;
    }
  });

  it('runs the grader without network, as an unprivileged user, with nothing writable but /tmp', async () => {
    const checkout = tempDir('mlebench-checkout-');
    cpSync(FIXTURE, checkout, { recursive: true });
    chmodSync(checkout, 0o755);
    writeFileSync(
      path.join(checkout, 'mlebench', 'competitions', ID, 'grade.py'),
      [
        'import os, socket',
        '',
        'def grade(submission, answers):',
        '    found = []',
        '    try:',
        '        socket.create_connection(("1.1.1.1", 53), timeout=2)',
        '        found.append("network")',
        '    except OSError:',
        '        pass',
        '    for target in ["/mlebench-repo/x", "/grade/answers.csv", "/grade/submission.csv", "/usr/x", "/x"]:',
        '        try:',
        '            open(target, "a").close()',
        '            found.append(target)',
        '        except OSError:',
        '            pass',
        '    with open("/proc/self/status") as f:',
        '        caps = [l.split()[1] for l in f if l.startswith("CapEff")][0]',
        '    if int(caps, 16) != 0:',
        '        found.append("capabilities " + caps)',
        '    open("/tmp/scratch", "w").close()',
        '    if found:',
        '        raise RuntimeError("reachable: " + ", ".join(found))',
        '    return float(os.getuid())',
        '',
      ].join('\n'),
    );
    process.env.MLEBENCH_REPO = checkout;
    try {
      const report = await gradeSubmission({ competitionId: ID, submissionPath: prepared.sample, dataDir: prepared.dataDir });
      expect(report.error).toBeUndefined();
      expect(report.score).toBe(process.getuid?.() === 0 ? 1000 : process.getuid?.());
    } finally {
      process.env.MLEBENCH_REPO = FIXTURE;
    }
  });

  it('says the checkout must be readable when the container cannot import it', async () => {
    const checkout = tempDir('mlebench-checkout-'); // 0700, root's
    cpSync(FIXTURE, checkout, { recursive: true });
    process.env.MLEBENCH_REPO = checkout;
    try {
      const err = await gradeSubmission({ competitionId: ID, submissionPath: prepared.sample, dataDir: prepared.dataDir }).catch(
        (e: unknown) => e,
      );
      expect((err as Error).message).toMatch(
        /No module named 'mlebench' \(the checkout must be readable by the container's user, uid \d+\)/,
      );
    } finally {
      process.env.MLEBENCH_REPO = FIXTURE;
    }
  });
});
