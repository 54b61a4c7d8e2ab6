/**
 * `mlebench prepare` and `mlebench list` for Kaggle competitions, run as a user would (a separate
 * process) against a local stand-in for Kaggle's API (test/helpers/kaggleStub.ts) serving the zip
 * of the test MLE-bench checkout's competition (test/fixtures/mle-bench, telco-churn-mini): the
 * split is checked for credentials and disk space before anything starts, downloaded with progress,
 * extracted, prepared by the checkout's own prepare (real Docker), and listed as prepared; refusals
 * (no credentials, not enough disk, wrong credentials, rules not accepted, no checkout) are clear.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../core/config';
import { buildBaseImage } from '../../core/sandbox/images';
import { cliEnv, MLEBENCH_BIN } from '../helpers/cli';
import { makeZip, RULES_MESSAGE, startKaggleStub, type KaggleStub } from '../helpers/kaggleStub';

const exec = promisify(execFile);
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'mle-bench');
const ID = 'telco-churn-mini';
const KEY = 'k-alice-cli';

let stub: KaggleStub;
let zip: Buffer;

interface Listed {
  competitions: { id: string; source: string; lite: boolean; prepared: boolean; why: string }[];
}

beforeAll(async () => {
  await buildBaseImage();
  // What Kaggle's download-all gives for it: its raw files (train.csv) and a data description.
  const notes = Array.from({ length: 12_000 }, (_, i) => `column note ${i}: customer churn fields, tenure and charges`).join('\n');
  zip = await makeZip({ 'train.csv': readFileSync(path.join(FIXTURE, 'raw', ID, 'train.csv')), 'data_description.txt': notes });
  const files = [
    { name: 'train.csv', totalBytes: 24_441 },
    { name: 'data_description.txt', totalBytes: Buffer.byteLength(notes) },
  ];
  stub = await startKaggleStub({
    users: { alice: KEY },
    competitions: {
      [ID]: { zip, files },
      'plain-comp': { zip, files },
      'rules-comp': { zip, rulesAccepted: false },
      'huge-comp': { zip, files: [{ name: 'train.csv', totalBytes: 2 ** 53 }] },
    },
  });
});

afterAll(async () => {
  await stub?.close();
});

/** A harness home, Kaggle credentials (or none), the stub's URL, and a competitions dir that knows the test ids. */
function setup(opts: { credentials?: 'good' | 'wrong' | 'none'; checkout?: boolean } = {}) {
  const competitionsDir = mkdtempSync(path.join(os.tmpdir(), 'mlebench-competitions-'));
  writeFileSync(
    path.join(competitionsDir, 'kaggle.yaml'),
    'competitions:\n  - { id: plain-comp, lite: true }\n  - { id: rules-comp }\n  - { id: hand-prepared }\n',
  );
  const kaggleDir = mkdtempSync(path.join(os.tmpdir(), 'kaggle-config-'));
  const credentials = opts.credentials ?? 'good';
  if (credentials !== 'none') {
    writeFileSync(path.join(kaggleDir, 'kaggle.json'), JSON.stringify({ username: 'alice', key: credentials === 'good' ? KEY : 'nope' }), {
      mode: 0o600,
    });
  }
  const { home, env } = cliEnv({
    MLEBENCH_COMPETITIONS_DIR: competitionsDir,
    MLEBENCH_KAGGLE_API_URL: stub.apiUrl,
    KAGGLE_CONFIG_DIR: kaggleDir,
    ...(opts.checkout ? { MLEBENCH_REPO: FIXTURE } : {}),
  });
  delete env.KAGGLE_USERNAME;
  delete env.KAGGLE_KEY;
  if (!opts.checkout) delete env.MLEBENCH_REPO;
  const dataDir = path.join(home, 'data');
  const run = (...args: string[]) =>
    exec(process.execPath, [MLEBENCH_BIN, ...args], { env, timeout: 300_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  const list = async () => {
    const r = await run('list', 'competitions', '--json');
    expect(r.code).toBe(0);
    return (JSON.parse(r.stdout) as Listed).competitions;
  };
  return { home, env, dataDir, kaggleJson: path.join(kaggleDir, 'kaggle.json'), run, list };
}

describe('mlebench prepare and list with Kaggle competitions', () => {
  it('prepares a split: disk estimate, download progress, extraction, MLE-bench prepare; list marks it prepared', async () => {
    const { dataDir, kaggleJson, run, list } = setup({ checkout: true });
    const before = (await list()).find((c) => c.id === ID);
    expect(before).toMatchObject({
      source: 'mlebench',
      prepared: false,
      why: `not prepared: needs a Kaggle download (credentials found (${kaggleJson}))`,
    });

    const split = path.join(mkdtempSync(path.join(os.tmpdir(), 'split-')), 'mini.txt');
    writeFileSync(split, `# one competition\n${ID}\n`);
    const requestsBefore = stub.requests.length;
    const r = await run('prepare', '--split', split);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('MLEBENCH_REPO is not set');

    // Before anything starts: the estimate, from Kaggle's file list, against the free space.
    expect(r.stdout).toMatch(new RegExp(`^disk space: about .+ needed in ${dataDir}, .+ free$`, 'm'));
    expect(r.stdout).toMatch(
      new RegExp(
        `^  ${ID}: download .+ KiB, extract .+ KiB, prepare ~.+ KiB \\(from Kaggle's file list \\(2 files\\); prepared ≈ raw × 1\\)$`,
        'm',
      ),
    );
    // Progress: bytes, percentage, rate and ETA along the way, then the total and the check.
    expect(r.stderr).toContain(`${ID}: downloading from Kaggle`);
    expect(r.stderr).toMatch(new RegExp(`^${ID}: downloading: .+ of .+ KiB \\(\\d+%\\), .+, ETA .+$`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`^${ID}: downloaded .+ KiB in .+ s \\(.+/s\\), checksum verified$`, 'm'));
    expect(r.stdout).toContain(`${ID}: extracted 2 files`);
    expect(r.stdout).toMatch(new RegExp(`^${ID}: prepared in .+ → ${path.join(dataDir, ID, 'prepared', 'public')}$`, 'm'));
    expect(r.stdout).toMatch(/^1 of 1 prepared$/m);

    const made = stub.requests.slice(requestsBefore);
    expect(made.map((q) => `${q.server} ${q.path.split('?')[0]} ${q.status}`)).toEqual([
      `api /api/v1/competitions/data/list/${ID} 200`,
      `api /api/v1/competitions/data/download-all/${ID} 302`,
      `storage /storage/${ID}.zip 200`,
    ]);
    expect(made[2]!.authorization).toBeUndefined();
    expect(readFileSync(path.join(dataDir, ID, `${ID}.zip`)).equals(zip)).toBe(true);
    expect(readdirSync(path.join(dataDir, ID, 'raw')).sort()).toEqual(['data_description.txt', 'train.csv']);
    expect(existsSync(path.join(dataDir, ID, 'prepared', 'private', 'test.csv'))).toBe(true);

    expect((await list()).find((c) => c.id === ID)).toMatchObject({ prepared: true, why: 'prepared' });

    // Again: nothing to download, nothing asked of Kaggle.
    const again = await run('prepare', '--split', split);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('disk space');
    expect(stub.requests.length).toBe(requestsBefore + 3);
  });

  it('refuses before anything starts when credentials are missing, and list says so', async () => {
    const { dataDir, kaggleJson, run, list } = setup({ credentials: 'none' });
    const requestsBefore = stub.requests.length;
    const r = await run('prepare', '--competitions', 'plain-comp,rules-comp');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `mlebench: plain-comp, rules-comp are not bundled with the harness and must be downloaded from Kaggle, but no Kaggle credentials: ` +
        `KAGGLE_USERNAME and KAGGLE_KEY are not set and ${kaggleJson} does not exist.`,
    );
    expect(r.stderr).toContain('https://www.kaggle.com/settings');
    expect(stub.requests.length).toBe(requestsBefore);
    expect(existsSync(path.join(dataDir, 'plain-comp'))).toBe(false);
    expect((await list()).find((c) => c.id === 'plain-comp')).toMatchObject({
      source: 'kaggle',
      lite: true,
      prepared: false,
      why: `not prepared: needs a Kaggle download (credentials missing: no ${kaggleJson} nor KAGGLE_USERNAME/KAGGLE_KEY)`,
    });
  });

  it('--lite is MLE-bench Lite: its 22 Kaggle competitions, each needing a download here', async () => {
    const { run } = setup({ credentials: 'none' });
    const requestsBefore = stub.requests.length;
    const r = await run('prepare', '--lite');
    expect(r.code).toBe(1);
    const lite = readFileSync(path.join(REPO_ROOT, 'splits', 'lite.txt'), 'utf8')
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean);
    expect(lite).toHaveLength(22);
    expect(r.stderr).toContain(
      `mlebench: ${lite.join(', ')} are not bundled with the harness and must be downloaded from Kaggle, but no Kaggle credentials`,
    );
    expect(stub.requests.length).toBe(requestsBefore);

    const missing = await run('prepare', '--split', 'splits/no-such-split.txt');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^mlebench: --split: no split "no-such-split" in splits\/; the splits are the harness's: dev, lite, offline, offline-dev/m,
    );
    const notAFile = await run('prepare', '--split', '/no/such/file');
    expect(notAFile.code).toBe(1);
    expect(notAFile.stderr).toMatch(/^mlebench: --split: no split file \/no\/such\/file, and "\/no\/such\/file" is no split name$/m);
  });

  it('refuses when the disk estimate exceeds the free space, before downloading', async () => {
    const { dataDir, run } = setup();
    const requestsBefore = stub.requests.length;
    const r = await run('prepare', '--competitions', 'huge-comp');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}huge-comp: download 8192\.0 TiB, extract 8192\.0 TiB, prepare ~8192\.0 TiB/m);
    expect(r.stderr).toMatch(
      new RegExp(`mlebench: not enough disk space in ${dataDir}: about 24576\\.0 TiB needed, .+ free\\. .+ or pass --force to try anyway`),
    );
    expect(stub.requests.slice(requestsBefore).map((q) => q.path)).toEqual(['/api/v1/competitions/data/list/huge-comp']);
  });

  it('stops at wrong credentials, with whose and how to fix them', async () => {
    const { kaggleJson, run } = setup({ credentials: 'wrong' });
    const r = await run('prepare', '--competitions', 'plain-comp');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `mlebench: Kaggle rejected the credentials of "alice" from ${kaggleJson} (401 Unauthorized: Unauthenticated)`,
    );
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('explains unaccepted rules with the link, goes on with the others, and reports a missing MLE-bench checkout cleanly', async () => {
    const { dataDir, run, list } = setup();
    const r = await run('prepare', '--competitions', 'rules-comp,plain-comp');
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).toContain(
      `rules-comp: failed: Kaggle refused to give "rules-comp"'s data to the account "alice" (403 Forbidden: ${RULES_MESSAGE.replace(/\.$/, '')})`,
    );
    expect(r.stderr).toContain('open https://www.kaggle.com/competitions/rules-comp/rules signed in as "alice"');
    expect(r.stderr).toContain(
      'note: MLEBENCH_REPO is not set, so rules-comp, plain-comp will be downloaded and extracted into raw/ but not prepared',
    );
    expect(r.stdout).toContain('plain-comp: extracted 2 files');
    expect(r.stderr).toContain(
      `plain-comp: failed: its raw data is in ${path.join(dataDir, 'plain-comp', 'raw')}, but preparing it needs MLE-bench's own prepare for "plain-comp", and no MLE-bench checkout lists it: set MLEBENCH_REPO`,
    );
    expect(r.stderr).toMatch(/^0 of 2 prepared; not prepared \(reasons above\): rules-comp, plain-comp$/m);

    mkdirSync(path.join(dataDir, 'hand-prepared', 'prepared', 'public'), { recursive: true });
    mkdirSync(path.join(dataDir, 'hand-prepared', 'prepared', 'private'), { recursive: true });
    const listed = await list();
    expect(listed.find((c) => c.id === 'plain-comp')).toMatchObject({
      prepared: false,
      why: `raw data present (${path.join(dataDir, 'plain-comp', 'raw')}), not prepared yet: run mlebench prepare`,
    });
    expect(listed.find((c) => c.id === 'rules-comp')?.why).toMatch(/^not prepared: needs a Kaggle download \(credentials found/);
    expect(listed.find((c) => c.id === 'hand-prepared')).toMatchObject({ prepared: true });

    // The human table has the same column.
    const table = await run('list', 'competitions');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^competitions \(1 prepared, \d+ not\); Kaggle: credentials found \(.+kaggle\.json\)$/m);
    expect(table.stdout).toMatch(/\bwhy\b/);
    expect(table.stdout).toContain('raw data present');
    expect(table.stdout).toMatch(/not prepared: needs a Kaggle download\s/);
  });

  it("lists the splits a run may name: the harness's, and the checkout's with MLEBENCH_REPO", async () => {
    const named = async (checkout: boolean) => {
      const r = await setup({ checkout }).run('list', 'splits', '--json');
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { splits: { name: string; folder: string }[] }).splits.map(
        (s) => `${s.folder.split(' ')[0]}${s.name}`,
      );
    };
    expect(await named(false)).toEqual(['splits/dev', 'splits/lite', 'splits/offline', 'splits/offline-dev']);
    expect(await named(true)).toEqual([
      'splits/dev',
      'splits/lite',
      'splits/offline',
      'splits/offline-dev',
      'experiments/splits/dev',
      'experiments/splits/low',
      'experiments/splits/split75',
    ]);
  });
});
