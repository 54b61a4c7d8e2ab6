/**
 * An MLE-bench checkout as a registry: the fixture (test/fixtures/mle-bench, a checkout in
 * MLE-bench's layout with one competition of ours) is listed with its config, description,
 * leaderboard, checksums and Lite membership; broken checkouts are refused with the file, the
 * field and the reason; run requests accept its ids when MLEBENCH_REPO points at it.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, unlinkSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, harnessPaths } from '../../core/config';
import {
  configuredCheckoutPath,
  findMleBenchCompetition,
  InvalidMleBenchCheckoutError,
  listCheckoutCompetitions,
  listMleBenchCompetitions,
  loadCheckoutCompetition,
  openCheckout,
} from '../../core/mlebench';
import { parseRunOptions } from '../../core/options';
import { resolveRunRequest } from '../../core/runs/plan';
import { InvalidRunOptionsError } from '../../core/options';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'mle-bench');
const ID = 'telco-churn-mini';
const scratch: string[] = [];

/** A writable copy of the fixture checkout, to break. */
function copyFixture(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlebench-checkout-'));
  scratch.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

async function issuesOf(promise: Promise<unknown>): Promise<{ file: string; field: string; reason: string }[]> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidMleBenchCheckoutError);
  return (err as InvalidMleBenchCheckoutError).issues;
}

afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('MLE-bench checkout', () => {
  it('lists the fixture competition with its config, files, checksums and Lite membership', async () => {
    const checkout = await openCheckout(FIXTURE);
    expect(checkout.splits).toEqual({ dev: [ID], low: [ID], split75: [ID] });
    const [c, ...rest] = await listCheckoutCompetitions(checkout);
    expect(rest).toEqual([]);
    expect(c).toMatchObject({
      id: ID,
      name: 'Telco Churn (mini)',
      source: 'mlebench',
      checkoutRoot: FIXTURE,
      competitionType: 'simple',
      awardsMedals: false,
      answers: `${ID}/prepared/private/test.csv`,
      sampleSubmission: `${ID}/prepared/public/sample_submission.csv`,
      graderName: 'normalized-gini',
      gradeFn: `mlebench.competitions.${ID}.grade:grade`,
      preparer: `mlebench.competitions.${ID}.prepare:prepare`,
      lite: true,
      splits: ['dev', 'low', 'split75'],
      descriptionPath: path.join(FIXTURE, 'mlebench', 'competitions', ID, 'description.md'),
      leaderboardPath: path.join(FIXTURE, 'mlebench', 'competitions', ID, 'leaderboard.csv'),
    });
    expect(c!.checksums?.private).toEqual({ 'test.csv': 'ccd6bc6c0705e6b9e00dcc2ae54d4bbc' });
    expect(Object.keys(c!.checksums!.public).sort()).toEqual(['sample_submission.csv', 'test.csv', 'train.csv']);
  });

  it('is chosen by an explicit path, else MLEBENCH_REPO, else there is none', async () => {
    expect(configuredCheckoutPath(undefined, {})).toBeUndefined();
    expect(configuredCheckoutPath(undefined, { MLEBENCH_REPO: FIXTURE })).toBe(FIXTURE);
    expect(configuredCheckoutPath('/elsewhere', { MLEBENCH_REPO: FIXTURE })).toBe('/elsewhere');
    expect(await listMleBenchCompetitions({ env: {} })).toEqual([]);
    expect((await listMleBenchCompetitions({ env: { MLEBENCH_REPO: FIXTURE } })).map((c) => c.id)).toEqual([ID]);
    expect(await findMleBenchCompetition('../telco-churn-mini', { checkout: FIXTURE })).toBeUndefined();
    expect(await findMleBenchCompetition('nothing-here', { checkout: FIXTURE })).toBeUndefined();
  });

  it('refuses a folder that is not an MLE-bench checkout, naming what is missing', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'mlebench-checkout-'));
    scratch.push(empty);
    const issues = await issuesOf(openCheckout(empty));
    expect(issues.map((i) => path.relative(empty, i.file)).sort()).toEqual(
      ['experiments/splits', 'mlebench/__init__.py', 'mlebench/competitions', 'mlebench/competitions/__init__.py'].sort(),
    );
    expect(issues.find((i) => i.file.endsWith('competitions'))!.reason).toMatch(/not an MLE-bench checkout/);
    const nowhere = await issuesOf(openCheckout(path.join(empty, 'missing')));
    expect(nowhere[0]!.reason).toMatch(/not a folder.*MLEBENCH_REPO/);
  });

  it('refuses a checkout without the Lite split', async () => {
    const dir = copyFixture();
    unlinkSync(path.join(dir, 'experiments', 'splits', 'low.txt'));
    const issues = await issuesOf(openCheckout(dir));
    expect(issues).toEqual([
      { file: path.join(dir, 'experiments', 'splits', 'low.txt'), field: '', reason: expect.stringMatching(/Lite/) as unknown },
    ]);
  });

  it('refuses a competition config with a bad field, with the file, field and reason', async () => {
    const dir = copyFixture();
    const config = path.join(dir, 'mlebench', 'competitions', ID, 'config.yaml');
    writeFileSync(
      config,
      [
        'id: telco-churn-other',
        'name: Telco Churn (mini)',
        'competition_type: simple',
        'awards_medals: "no"',
        'description: mlebench/competitions/telco-churn-mini/missing.md',
        'dataset:',
        '  answers: telco-churn-mini/prepared/public/test.csv',
        '  sample_submission: telco-churn-mini/prepared/public/sample_submission.csv',
        'grader:',
        '  name: normalized-gini',
        '  grade_fn: mlebench.competitions.telco-churn-mini.grade',
        'preparer: mlebench.competitions.telco-churn-mini.nowhere:prepare',
        '',
      ].join('\n'),
    );
    const schemaIssues = await issuesOf(listCheckoutCompetitions(await openCheckout(dir)));
    expect(schemaIssues.map((i) => [path.relative(dir, i.file), i.field])).toEqual([
      [`mlebench/competitions/${ID}/config.yaml`, 'awards_medals'],
      [`mlebench/competitions/${ID}/config.yaml`, 'grader.grade_fn'],
    ]);
    expect(schemaIssues[1]!.reason).toMatch(/module\.path:function/);

    // Past the schema: each field checked against the checkout.
    writeFileSync(config, readFileSync(config, 'utf8').replace('"no"', 'false').replace('.grade\n', '.grade:grade\n'));
    const issues = await issuesOf(listCheckoutCompetitions(await openCheckout(dir)));
    expect(Object.fromEntries(issues.map((i) => [i.field, i.reason]))).toEqual({
      id: `must equal the folder name "${ID}"`,
      'dataset.answers': `must be a path under ${ID}/prepared/private/`,
      description: `file not found: ${path.join(dir, 'mlebench', 'competitions', ID, 'missing.md')}`,
      preparer: `module not found: ${path.join(dir, 'mlebench', 'competitions', ID, 'nowhere.py')}`,
    });
  });

  it('refuses a leaderboard that is a Git LFS pointer or has no score, and malformed checksums', async () => {
    const dir = copyFixture();
    const folder = path.join(dir, 'mlebench', 'competitions', ID);
    writeFileSync(path.join(folder, 'leaderboard.csv'), 'version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 12\n');
    writeFileSync(path.join(folder, 'checksums.yaml'), 'public:\n  train.csv: not-an-md5\n');
    const issues = await issuesOf(listCheckoutCompetitions(await openCheckout(dir)));
    expect(issues).toEqual([
      { file: path.join(folder, 'leaderboard.csv'), field: '', reason: expect.stringMatching(/Git LFS pointer.*git lfs pull/) as unknown },
      { file: path.join(folder, 'checksums.yaml'), field: 'public.train.csv', reason: 'must be an md5 hex digest' },
    ]);
    writeFileSync(path.join(folder, 'leaderboard.csv'), 'teamId,points\n1,0.5\n');
    rmSync(path.join(folder, 'checksums.yaml'));
    const noScore = await issuesOf(listCheckoutCompetitions(await openCheckout(dir)));
    expect(noScore).toEqual([{ file: path.join(folder, 'leaderboard.csv'), field: 'score', reason: 'the header has no "score" column' }]);
  });

  it("accepts MLE-bench's own variants: a sample submission under private/, a module name starting with a digit", async () => {
    const dir = copyFixture();
    const other = '3d-telco-churn';
    const folder = path.join(dir, 'mlebench', 'competitions', other);
    cpSync(path.join(dir, 'mlebench', 'competitions', ID), folder, { recursive: true });
    const config = path.join(folder, 'config.yaml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8')
        .replaceAll(ID, other)
        .replace(`${other}/prepared/public/sample_submission.csv`, `${other}/prepared/private/sample_submission.csv`),
    );
    const c = await loadCheckoutCompetition(await openCheckout(dir), other);
    expect(c).toMatchObject({
      id: other,
      sampleSubmission: `${other}/prepared/private/sample_submission.csv`,
      gradeFn: `mlebench.competitions.${other}.grade:grade`,
      lite: false,
      splits: [],
    });
  });

  it('shows the first few of many problems in its message', () => {
    const issues = Array.from({ length: 8 }, (_, i) => ({
      file: `/c/mlebench/competitions/c${i}/leaderboard.csv`,
      field: '',
      reason: 'missing',
    }));
    const err = new InvalidMleBenchCheckoutError('/c', issues);
    expect(err.issues).toHaveLength(8);
    expect(err.message).toBe(
      `MLE-bench checkout /c cannot be used: ${issues
        .slice(0, 5)
        .map((i) => `${i.file}: missing`)
        .join('; ')}; and 3 more problems`,
    );
  });

  it('a competition without checksums.yaml is listed without checksums', async () => {
    const dir = copyFixture();
    rmSync(path.join(dir, 'mlebench', 'competitions', ID, 'checksums.yaml'));
    mkdirSync(path.join(dir, 'mlebench', 'competitions', 'not-a-competition'));
    const [c, ...rest] = await listCheckoutCompetitions(await openCheckout(dir));
    expect(rest).toEqual([]);
    expect(c!.checksums).toBeUndefined();
    expect(c!.checksumsPath).toBeUndefined();
  });
});

describe('run requests with a checkout', () => {
  const saved = process.env.MLEBENCH_REPO;
  afterEach(() => {
    if (saved === undefined) delete process.env.MLEBENCH_REPO;
    else process.env.MLEBENCH_REPO = saved;
  });

  function dataDirWith(folder: 'raw' | 'prepared' | null): string {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mlebench-data-'));
    scratch.push(dataDir);
    if (folder === 'raw') cpSync(path.join(FIXTURE, 'raw', ID), path.join(dataDir, ID, 'raw'), { recursive: true });
    if (folder === 'prepared') {
      mkdirSync(path.join(dataDir, ID, 'prepared', 'public'), { recursive: true });
      mkdirSync(path.join(dataDir, ID, 'prepared', 'private'), { recursive: true });
    }
    return dataDir;
  }

  it('accepts a checkout competition whose raw data or prepared data is there, and keeps it with --lite', async () => {
    process.env.MLEBENCH_REPO = FIXTURE;
    for (const folder of ['raw', 'prepared'] as const) {
      const paths = { ...harnessPaths(), dataDir: dataDirWith(folder) };
      const resolved = await resolveRunRequest(parseRunOptions({ agentId: 'dummy', competitions: ['sotu-authorship', ID] }), paths);
      expect(resolved.competitionIds).toEqual(['sotu-authorship', ID]);
      expect(resolved.competitions.map((c) => c.id)).toEqual(['sotu-authorship']);
      expect(resolved.mlebench.map((c) => c.id)).toEqual([ID]);
      const lite = await resolveRunRequest(parseRunOptions({ agentId: 'dummy', competitions: [ID], lite: true }), paths);
      expect(lite.competitionIds).toEqual([ID]);
    }
  });

  it('refuses it before anything starts when neither is there, saying which folder to fill and how', async () => {
    process.env.MLEBENCH_REPO = FIXTURE;
    const dataDir = dataDirWith(null);
    const err = await resolveRunRequest(parseRunOptions({ agentId: 'dummy', competitions: [ID] }), { ...harnessPaths(), dataDir }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidRunOptionsError);
    const reason = (err as InvalidRunOptionsError).issues[0]!.reason;
    expect(reason).toContain(path.join(dataDir, ID, 'raw'));
    expect(reason).toMatch(/kaggle\.com\/c\/telco-churn-mini\/rules/);
    expect(reason).toMatch(/mlebench prepare --competitions telco-churn-mini/);
  });

  it('refuses technique tasks on a checkout competition', async () => {
    process.env.MLEBENCH_REPO = FIXTURE;
    const paths = { ...harnessPaths(), dataDir: dataDirWith('raw') };
    const err = await resolveRunRequest(
      parseRunOptions({ agentId: 'technique-reference', competitions: [ID], techniqueTasks: true }),
      paths,
    ).catch((e: unknown) => e);
    expect((err as InvalidRunOptionsError).issues[0]!.reason).toMatch(/technique tasks run on the bundled competitions only/);
  });

  it('without a checkout the id is unknown, and a broken checkout is reported with its file', async () => {
    delete process.env.MLEBENCH_REPO;
    const paths = { ...harnessPaths(), dataDir: dataDirWith('raw') };
    const unknown = await resolveRunRequest(parseRunOptions({ agentId: 'dummy', competitions: [ID] }), paths).catch((e: unknown) => e);
    expect((unknown as InvalidRunOptionsError).issues[0]!.reason).toMatch(/unknown competition "telco-churn-mini"/);

    const broken = copyFixture();
    rmSync(path.join(broken, 'mlebench', 'competitions', ID, 'leaderboard.csv'));
    process.env.MLEBENCH_REPO = broken;
    const err = await resolveRunRequest(parseRunOptions({ agentId: 'dummy', competitions: [ID] }), paths).catch((e: unknown) => e);
    expect((err as InvalidRunOptionsError).issues[0]!.reason).toContain(
      `${path.join(broken, 'mlebench', 'competitions', ID, 'leaderboard.csv')}: missing`,
    );
  });
});
