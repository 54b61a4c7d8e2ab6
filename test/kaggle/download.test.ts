/**
 * The Kaggle download against a local server that speaks the part of Kaggle's API v1 we use
 * (test/helpers/kaggleStub.ts): a good download through a redirect to another origin (which never
 * sees the credentials), reuse without any request, wrong credentials, unaccepted rules, an unknown
 * competition, a corrupt zip, a checksum mismatch, interrupted transfers resumed with Range,
 * server errors retried, and missing credentials refused before any request.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  competitionZipPaths,
  downloadCompetitionZip,
  KaggleAuthError,
  KaggleCompetitionNotFoundError,
  KaggleCorruptZipError,
  KaggleCredentialsError,
  KaggleDownloadError,
  KaggleRulesNotAcceptedError,
  loadKaggleCredentials,
  type DownloadEvent,
  type DownloadOptions,
  type KaggleCredentials,
} from '../../core/kaggle';
import { crc32cBase64, crc32cUpdate } from '../../core/kaggle/zip';
import { competitionFiles, makeZip, RULES_MESSAGE, startKaggleStub, type KaggleStub } from '../helpers/kaggleStub';

const ID = 'tiny-insults';
const GOOD: KaggleCredentials = { username: 'alice', key: 'k-alice-123', source: 'test', warnings: [] };
const FAST = { initialDelayMs: 0, maxDelayMs: 0 };

let zip: Buffer;
let stub: KaggleStub | undefined;

beforeAll(async () => {
  zip = await makeZip(competitionFiles());
  expect(zip.length).toBeGreaterThan(400_000);
});

afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function setup(competition: Partial<Parameters<typeof startKaggleStub>[0]['competitions'][string]> = {}) {
  stub = await startKaggleStub({ users: { alice: GOOD.key }, competitions: { [ID]: { zip, ...competition }, 'other-comp': { zip } } });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kaggle-data-'));
  const events: DownloadEvent[] = [];
  const opts = (extra: Partial<DownloadOptions> = {}): DownloadOptions => ({
    competitionId: ID,
    dataDir,
    apiUrl: stub!.apiUrl,
    credentials: GOOD,
    retry: FAST,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { stub, dataDir, events, opts, paths: competitionZipPaths(dataDir, ID) };
}

const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('Kaggle download', () => {
  it('downloads through the redirect to the storage host, which never gets the credentials, and records the checksum', async () => {
    const { stub, opts, paths, events } = await setup();
    const progress: number[] = [];
    const result = await downloadCompetitionZip(opts({ onProgress: (p) => progress.push(p.receivedBytes) }));

    expect(result).toMatchObject({ zipPath: paths.zip, reused: false, bytes: zip.length, sha256: sha256(zip), inventory: { entries: 3 } });
    expect(sha256(await fs.readFile(paths.zip))).toBe(sha256(zip));
    expect(await exists(paths.part)).toBe(false);
    expect(JSON.parse(await fs.readFile(paths.meta, 'utf8'))).toMatchObject({ competitionId: ID, bytes: zip.length, sha256: sha256(zip) });

    const [apiReq, storageReq, ...more] = stub.requests;
    expect(more).toEqual([]);
    expect(apiReq).toMatchObject({ server: 'api', path: `/api/v1/competitions/data/download-all/${ID}`, status: 302 });
    expect(apiReq!.authorization).toBe(`Basic ${Buffer.from('alice:k-alice-123').toString('base64')}`);
    expect(storageReq).toMatchObject({ server: 'storage', status: 200 });
    expect(storageReq!.authorization).toBeUndefined();
    expect(new URL(stub.storageOrigin).port).not.toBe(new URL(stub.apiUrl).port);
    expect(events).toContainEqual({ type: 'redirect', origin: stub.storageOrigin, credentialsSent: false });
    expect(progress.at(-1)).toBe(zip.length);
    expect(progress.length).toBeGreaterThan(2);
  });

  it('reuses an existing sound zip without any request, and without reading credentials', async () => {
    const { stub, opts, events } = await setup();
    await downloadCompetitionZip(opts());
    const before = stub.requests.length;
    const result = await downloadCompetitionZip(
      opts({
        credentials: () => Promise.reject(new Error('credentials must not be read for a reused zip')),
      }),
    );
    expect(result).toMatchObject({ reused: true, bytes: zip.length, sha256: sha256(zip) });
    expect(stub.requests.length).toBe(before);
    expect(events.at(-1)).toMatchObject({ type: 'reused' });
  });

  it('refuses wrong credentials (401) at once, saying whose and how to get a token', async () => {
    const { stub, opts, paths } = await setup();
    const err = await downloadCompetitionZip(
      opts({ credentials: { ...GOOD, key: 'wrong', source: '/home/alice/.kaggle/kaggle.json' } }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KaggleAuthError);
    expect((err as Error).message).toMatch(
      /Kaggle rejected the credentials of "alice" from \/home\/alice\/\.kaggle\/kaggle\.json \(401 Unauthorized: Unauthenticated\)/,
    );
    expect((err as Error).message).toContain('https://www.kaggle.com/settings');
    expect(stub.requests).toHaveLength(1);
    expect(await exists(paths.part)).toBe(false);
    expect(await exists(paths.zip)).toBe(false);
  });

  it("explains a 403 for unaccepted rules with the competition's rules link", async () => {
    const { stub, opts } = await setup({ rulesAccepted: false });
    const err = await downloadCompetitionZip(opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KaggleRulesNotAcceptedError);
    const message = (err as Error).message;
    expect(message).toContain(`https://www.kaggle.com/competitions/${ID}/rules`);
    expect(message).toContain(`(403 Forbidden: ${RULES_MESSAGE.replace(/\.$/, '')}). You must accept the competition's rules first`);
    expect(message).toMatch(/signed in as "alice"/);
    expect(message).toMatch(/then run the same command again/);
    expect(stub.requests.map((r) => r.status)).toEqual([403]);
  });

  it('says so when Kaggle has no such competition (404)', async () => {
    const { opts } = await setup();
    const err = await downloadCompetitionZip(opts({ competitionId: 'no-such-competition' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KaggleCompetitionNotFoundError);
    expect((err as Error).message).toMatch(/Kaggle has no competition "no-such-competition" \(404/);
  });

  it('detects a corrupt zip, removes it, says it will be downloaded again, and does', async () => {
    // A truncated zip whose announced MD5 matches the bytes served: only the zip check can tell.
    const corrupt = zip.subarray(0, zip.length - 200);
    const { stub, opts, paths } = await setup({ zip: corrupt });
    const err = await downloadCompetitionZip(opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KaggleCorruptZipError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `the zip of "${ID}" is corrupt \\(not a readable zip: .+\\); it was removed \\(.+${ID}\\.zip\\) and will be downloaded again`,
      ),
    );
    for (const p of [paths.zip, paths.part, paths.partMeta, paths.meta]) expect(await exists(p)).toBe(false);

    stub.competitions.get(ID)!.zip = zip;
    const again = await downloadCompetitionZip(opts());
    expect(again).toMatchObject({ reused: false, sha256: sha256(zip) });
  });

  it('detects bytes that do not match the MD5 the storage server announced', async () => {
    const damaged = Buffer.from(zip);
    damaged[1000] = damaged[1000]! ^ 0xff; // Inside train.csv's data: the zip's structure still reads.
    const { opts, paths } = await setup({ zip: damaged, announcedMd5: createHash('md5').update(zip).digest('base64') });
    const err = await downloadCompetitionZip(opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KaggleCorruptZipError);
    expect((err as Error).message).toMatch(/corrupt \(MD5 .+ instead of the announced .+\); it was removed/);
    expect(await exists(paths.zip)).toBe(false);
  });

  it('checks the CRC-32C when that is the only hash announced (composite objects)', async () => {
    const damaged = Buffer.from(zip);
    damaged[1000] = damaged[1000]! ^ 0xff;
    const { opts } = await setup({ zip: damaged, announcedMd5: null, announcedCrc32c: crc32cBase64(crc32cUpdate(0, zip)) });
    const err = await downloadCompetitionZip(opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KaggleCorruptZipError);
    expect((err as Error).message).toMatch(/corrupt \(CRC-32C .+ instead of the announced .+\); it was removed/);
  });

  it('computes CRC-32C as Google Cloud Storage does', () => {
    // The check value of CRC-32C for "123456789" is 0xE3069283 (RFC 3720, B.4).
    expect(crc32cUpdate(0, Buffer.from('123456789')).toString(16)).toBe('e3069283');
    expect(crc32cUpdate(crc32cUpdate(0, Buffer.from('12345')), Buffer.from('6789'))).toBe(0xe3069283);
    expect(crc32cBase64(0xe3069283)).toBe(Buffer.from([0xe3, 0x06, 0x92, 0x83]).toString('base64'));
  });

  it('replaces a zip damaged on disk since it was downloaded', async () => {
    const { stub, opts, paths, events } = await setup();
    await downloadCompetitionZip(opts());
    const onDisk = await fs.readFile(paths.zip);
    onDisk[2000] = onDisk[2000]! ^ 0xff;
    await fs.writeFile(paths.zip, onDisk);
    const before = stub.requests.length;
    const result = await downloadCompetitionZip(opts());
    expect(result.reused).toBe(false);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'corrupt-removed', reason: expect.stringMatching(/SHA-256 .+ instead of the recorded/) as unknown }),
    );
    expect(stub.requests.length).toBeGreaterThan(before);
    expect(sha256(await fs.readFile(paths.zip))).toBe(sha256(zip));
  });

  it('resumes a transfer cut mid-body with Range in the next attempt, byte-identical', async () => {
    const { stub, opts, paths, events } = await setup();
    stub.queueStorageFaults({ kind: 'cut', afterBytes: 150_000 });
    const result = await downloadCompetitionZip(opts());
    expect(result.reused).toBe(false);
    expect(sha256(await fs.readFile(paths.zip))).toBe(sha256(zip));

    const storage = stub.requests.filter((r) => r.server === 'storage');
    expect(storage).toHaveLength(2);
    expect(storage[0]!.range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(storage[1]!.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(150_000);
    expect(storage[1]!.ifRange).toMatch(/^"[0-9a-f]{40}"$/);
    expect(storage[1]!.status).toBe(206);
    expect(stub.requests.filter((r) => r.server === 'api').every((r) => r.authorization)).toBe(true);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'retry', attempt: 1, reason: expect.stringMatching(/the transfer broke after/) as unknown }),
    );
    expect(events).toContainEqual({ type: 'start', attempt: 2, resumeFrom: resumedAt });
  });

  it('keeps the partial download when every attempt fails, and the next run resumes it', async () => {
    const { stub, opts, paths } = await setup();
    stub.queueStorageFaults({ kind: 'cut', afterBytes: 200_000 });
    const err = await downloadCompetitionZip(opts({ retry: { ...FAST, attempts: 1 } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KaggleDownloadError);
    expect((err as Error).message).toMatch(
      /failed after 1 attempts: the transfer broke after .+; running the same command again resumes from there/,
    );
    const kept = (await fs.stat(paths.part)).size;
    expect(kept).toBeGreaterThan(0);
    expect(await exists(paths.zip)).toBe(false);

    const result = await downloadCompetitionZip(opts());
    expect(result.reused).toBe(false);
    const last = stub.requests.filter((r) => r.server === 'storage').at(-1)!;
    expect(last).toMatchObject({ range: `bytes=${kept}-`, status: 206 });
    expect(sha256(await fs.readFile(paths.zip))).toBe(sha256(zip));
  });

  it('retries server errors and rate limits, then gives up saying how many attempts', async () => {
    const { stub, opts, events } = await setup();
    stub.queueApiFaults({ kind: 'status', status: 503 }, { kind: 'status', status: 429, retryAfter: '0' });
    stub.queueStorageFaults({ kind: 'status', status: 500 });
    const result = await downloadCompetitionZip(opts());
    expect(result.sha256).toBe(sha256(zip));
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { reason: string }).reason)).toEqual([
      expect.stringMatching(/answered 503/),
      expect.stringMatching(/answered 429/),
      expect.stringContaining(`${stub.storageOrigin} answered 500`),
    ]);

    stub.queueApiFaults(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 502 })));
    const err = await downloadCompetitionZip(opts({ competitionId: 'other-comp', retry: { ...FAST, attempts: 3 } })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KaggleDownloadError);
    expect((err as Error).message).toMatch(
      /downloading "other-comp" from Kaggle failed after 3 attempts: .+ answered 502 Bad Gateway\. Run the same command again later/,
    );
  });

  it('asks the API again for a fresh link when the storage link is refused (expired)', async () => {
    const { stub, opts } = await setup();
    stub.queueStorageFaults({ kind: 'expired' });
    const result = await downloadCompetitionZip(opts());
    expect(result.sha256).toBe(sha256(zip));
    expect(stub.requests.map((r) => `${r.server} ${r.status}`)).toEqual(['api 302', 'storage 400', 'api 302', 'storage 200']);
  });

  it('abandons a transfer that stalls and resumes it', async () => {
    const { stub, opts, paths, events } = await setup();
    stub.queueStorageFaults({ kind: 'stall', afterBytes: 100_000 });
    const result = await downloadCompetitionZip(opts({ stallTimeoutMs: 300 }));
    expect(sha256(await fs.readFile(paths.zip))).toBe(result.sha256);
    expect(result.sha256).toBe(sha256(zip));
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'retry',
        reason: expect.stringMatching(/the transfer broke after .+: no data for 0\.3 s/) as unknown,
      }),
    );
    expect(stub.requests.filter((r) => r.server === 'storage').at(-1)).toMatchObject({ status: 206 });
  });

  it('takes the zip straight from the API when it answers without a redirect', async () => {
    stub = await startKaggleStub({ users: { alice: GOOD.key }, competitions: { [ID]: { zip } }, redirect: false });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kaggle-data-'));
    const result = await downloadCompetitionZip({ competitionId: ID, dataDir, apiUrl: stub.apiUrl, credentials: GOOD, retry: FAST });
    expect(result.sha256).toBe(sha256(zip));
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]).toMatchObject({ server: 'api', status: 200 });
  });

  it('retries a refused connection', async () => {
    const { opts } = await setup();
    const closed = await startKaggleStub({ users: {}, competitions: {} });
    const deadUrl = closed.apiUrl;
    await closed.close();
    const events: DownloadEvent[] = [];
    const err = await downloadCompetitionZip(
      opts({ apiUrl: deadUrl, retry: { ...FAST, attempts: 2 }, onEvent: (e) => events.push(e) }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KaggleDownloadError);
    expect((err as Error).message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+: fetch failed \(ECONNREFUSED\)/);
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(1);
  });

  it('refuses to download alongside another live process, and takes over the lock of a dead one', async () => {
    const { stub, opts, paths } = await setup();
    await fs.mkdir(path.dirname(paths.lock), { recursive: true });
    await fs.writeFile(paths.lock, String(process.ppid));
    const err = await downloadCompetitionZip(opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KaggleDownloadError);
    expect((err as Error).message).toBe(
      `another process (pid ${process.ppid}) is downloading "${ID}" into ${path.dirname(paths.zip)}; wait for it to finish`,
    );
    expect(stub.requests).toEqual([]);

    // A pid that cannot be alive (above Linux's pid_max ceiling): its lock is stale.
    await fs.writeFile(paths.lock, String(2 ** 22 + 1));
    expect((await downloadCompetitionZip(opts())).sha256).toBe(sha256(zip));
    expect(await exists(paths.lock)).toBe(false);
  });

  it('refuses before any request when a download is needed and no credentials are found', async () => {
    const { stub, opts } = await setup();
    const home = mkdtempSync(path.join(os.tmpdir(), 'kaggle-home-'));
    const err = await downloadCompetitionZip(opts({ credentials: () => loadKaggleCredentials({ HOME: home }) })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KaggleCredentialsError);
    expect((err as Error).message).toContain(`${home}/.kaggle/kaggle.json does not exist`);
    expect(stub.requests).toEqual([]);
  });
});
