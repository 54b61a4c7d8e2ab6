/**
 * A batch's preparation from Kaggle (core/kaggle/prepare.ts) as a domain function, without the CLI,
 * against the local stand-in for Kaggle's API (test/helpers/kaggleStub.ts): what it does is said
 * in its events and its result; a competition Kaggle does not have or refuses fails while the others go on;
 * missing credentials and a short disk stop the batch before any download.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KaggleCredentialsError,
  prepareCompetitionBatch,
  type KaggleCredentials,
  type PrepareBatchOptions,
  type PrepareEvent,
} from '../../core/kaggle';
import { makeZip, startKaggleStub, type KaggleStub } from '../helpers/kaggleStub';

const ID = 'churn-mini';
const GOOD: KaggleCredentials = { username: 'alice', key: 'k-alice-prep', source: 'test', warnings: ['kaggle.json is readable by others'] };
const TRAIN = 'id,tenure,churn\n1,3,yes\n2,40,no\n';

let stub: KaggleStub;

beforeAll(async () => {
  // Without a checkout, Kaggle data is downloaded and extracted but cannot be prepared.
  delete process.env.MLEBENCH_REPO;
  const zip = await makeZip({ 'train.csv': TRAIN });
  const files = [{ name: 'train.csv', totalBytes: TRAIN.length }];
  stub = await startKaggleStub({
    users: { alice: GOOD.key },
    competitions: { [ID]: { zip, files }, 'rules-comp': { zip, files, rulesAccepted: false } },
  });
});

afterAll(async () => {
  await stub?.close();
});

function batch(ids: string[], extra: Partial<PrepareBatchOptions> = {}) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kaggle-batch-'));
  const events: PrepareEvent[] = [];
  const options: PrepareBatchOptions = {
    dataDir,
    apiUrl: stub.apiUrl,
    loadCredentials: () => Promise.resolve(GOOD),
    freeBytes: () => Promise.resolve(2 ** 40),
    onEvent: (e) => events.push(e),
    ...extra,
  };
  return { dataDir, events, run: () => prepareCompetitionBatch(ids, options) };
}

const types = (events: PrepareEvent[]) => [...new Set(events.map((e) => e.type))];

describe('prepareCompetitionBatch', () => {
  it('downloads, verifies and extracts a Kaggle competition, reporting each step, and says why it cannot prepare it without a checkout', async () => {
    const { dataDir, events, run } = batch([ID]);
    const result = await run();

    expect(readFileSync(path.join(dataDir, ID, 'raw', 'train.csv'), 'utf8')).toBe(TRAIN);
    expect(types(events)).toEqual([
      'credentials-warning',
      'disk',
      'no-checkout',
      'download',
      'download-progress',
      'extract-progress',
      'extracted',
      'failed',
    ]);
    const disk = events.find((e) => e.type === 'disk')!;
    expect(disk).toMatchObject({ dataDir, freeBytes: 2 ** 40, needs: [{ competitionId: ID, basis: "Kaggle's file list (1 file)" }] });
    const downloads = events.flatMap((e) => (e.type === 'download' ? [e.event.type] : []));
    expect(downloads).toContain('verified');
    expect(events.find((e) => e.type === 'extracted')).toMatchObject({
      competitionId: ID,
      files: 1,
      rawDir: path.join(dataDir, ID, 'raw'),
    });
    expect(result.prepared).toBe(0);
    expect(result.total).toBe(1);
    expect(result.failures).toEqual([
      { competitionId: ID, message: expect.stringContaining(`its raw data is in ${path.join(dataDir, ID, 'raw')}`) as unknown },
    ]);
  });

  it('skips a competition Kaggle does not have before any download, fails one whose rules are not accepted, and goes on with the others', async () => {
    const { dataDir, events, run } = batch(['no-such-comp', 'rules-comp', ID]);
    const result = await run();

    const missing = events.findIndex((e) => e.type === 'undownloadable');
    expect(events[missing]).toMatchObject({
      competitionId: 'no-such-comp',
      message: expect.stringContaining('Kaggle has no competition "no-such-comp"') as unknown,
    });
    expect(missing).toBeLessThan(events.findIndex((e) => e.type === 'download'));
    expect(events).toContainEqual({
      type: 'failed',
      competitionId: 'rules-comp',
      message: expect.stringContaining("You must accept the competition's rules first") as unknown,
    });
    expect(existsSync(path.join(dataDir, 'rules-comp', 'raw'))).toBe(false);
    expect(existsSync(path.join(dataDir, ID, 'raw', 'train.csv'))).toBe(true);
    expect(result.failures.map((f) => f.competitionId)).toEqual(['no-such-comp', 'rules-comp', ID]);
  });

  it('stops before any download when a download is needed and there are no credentials', async () => {
    const before = stub.requests.length;
    const { events, run } = batch([ID], {
      loadCredentials: () => Promise.reject(new KaggleCredentialsError('no kaggle.json in /nowhere')),
    });
    await expect(run()).rejects.toThrow(
      `"${ID}" is not bundled with the harness and must be downloaded from Kaggle, but no kaggle.json in /nowhere`,
    );
    expect(events).toEqual([]);
    expect(stub.requests.length).toBe(before);
  });

  it('stops when the disk is short, and with force warns and goes on', async () => {
    const short = batch([ID], { freeBytes: () => Promise.resolve(10) });
    await expect(short.run()).rejects.toThrow(/^not enough disk space in .*: about .* needed, 10 B free/);
    expect(existsSync(path.join(short.dataDir, ID))).toBe(false);

    const forced = batch([ID], { freeBytes: () => Promise.resolve(10), force: true });
    await forced.run();
    expect(types(forced.events)).toContain('disk-short');
    expect(existsSync(path.join(forced.dataDir, ID, 'raw', 'train.csv'))).toBe(true);
  });

  it('counts a competition prepared by hand as prepared, without asking Kaggle or for credentials', async () => {
    const before = stub.requests.length;
    const { dataDir, events, run } = batch(['hand-prepared'], { loadCredentials: () => Promise.reject(new Error('not to be asked')) });
    for (const side of ['public', 'private']) mkdirSync(path.join(dataDir, 'hand-prepared', 'prepared', side), { recursive: true });
    const result = await run();
    expect(events).toEqual([
      { type: 'already-prepared', competitionId: 'hand-prepared', preparedDir: path.join(dataDir, 'hand-prepared', 'prepared') },
    ]);
    expect(result).toEqual({ prepared: 1, total: 1, failures: [] });
    expect(stub.requests.length).toBe(before);
  });
});
