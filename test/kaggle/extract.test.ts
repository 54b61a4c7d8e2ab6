/**
 * The zip → raw/ step: files land byte for byte; entries that would escape the folder and links
 * are refused with nothing left behind; a zip whose data is damaged is removed to be downloaded
 * again; the data state and disk estimate read what is on disk.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  competitionZipPaths,
  ensureRawData,
  estimateKaggleDisk,
  extractZip,
  KaggleCorruptZipError,
  kaggleDataState,
  UnsafeZipError,
  whyKaggleState,
} from '../../core/kaggle';
import { competitionFiles, makeZip } from '../helpers/kaggleStub';

const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));
const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );

/** Puts `zip` where a download would have left it. */
async function placeZip(dataDir: string, id: string, zip: Buffer): Promise<string> {
  const { zip: file } = competitionZipPaths(dataDir, id);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, zip);
  return file;
}

describe('extracting a competition zip', () => {
  it('extracts every file byte for byte into raw/, nested folders included', async () => {
    const files = { ...competitionFiles(500), 'images/a/1.txt': 'one', 'images/b/2.txt': 'two' };
    const dataDir = tmp('kaggle-data-');
    const zipFile = await placeZip(dataDir, 'c1', await makeZip(files, { compress: true }));
    const progress: number[] = [];
    const out = await extractZip(zipFile, path.join(dataDir, 'c1', 'raw'), { onProgress: (p) => progress.push(p.extractedBytes) });
    expect(out.files).toBe(5);
    for (const [name, content] of Object.entries(files)) {
      expect(await fs.readFile(path.join(dataDir, 'c1', 'raw', name), 'utf8')).toBe(content);
    }
    expect(progress.at(-1)).toBe(Object.values(files).reduce((n, c) => n + Buffer.byteLength(c), 0));
    expect((await fs.readdir(path.join(dataDir, 'c1'))).sort()).toEqual(['c1.zip', 'raw']);
  });

  it('refuses a symbolic link entry, leaving nothing behind', async () => {
    const dataDir = tmp('kaggle-data-');
    const zipFile = await placeZip(
      dataDir,
      'c2',
      await makeZip({ 'train.csv': 'a\n1\n', 'link.csv': '/etc/passwd' }, { modes: { 'link.csv': 0o120777 } }),
    );
    const err = await extractZip(zipFile, path.join(dataDir, 'c2', 'raw'), { competitionId: 'c2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeZipError);
    expect((err as Error).message).toBe('the zip of "c2": entry "link.csv" is a symbolic link; refusing to extract it');
    expect(await fs.readdir(path.join(dataDir, 'c2'))).toEqual(['c2.zip']);
  });

  it('refuses an entry whose path leaves the folder', async () => {
    const dataDir = tmp('kaggle-data-');
    // yazl will not write "../", so name the entry "xx/evil.txt" and patch both headers' copies of the name.
    const good = await makeZip({ 'train.csv': 'a\n1\n', 'xx/evil.txt': 'pwned' });
    const evil = Buffer.from(good.toString('latin1').replaceAll('xx/evil.txt', '../evil.txt'), 'latin1');
    const zipFile = await placeZip(dataDir, 'c3', evil);
    const err = await extractZip(zipFile, path.join(dataDir, 'c3', 'raw'), { competitionId: 'c3' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeZipError);
    expect((err as Error).message).toMatch(
      /the zip of "c3" has an entry that would be written outside its folder \(invalid relative path: \.\.\/evil\.txt\)/,
    );
    expect(await exists(path.join(dataDir, 'evil.txt'))).toBe(false);
    expect(await exists(path.join(dataDir, 'c3', 'evil.txt'))).toBe(false);
    expect(await fs.readdir(path.join(dataDir, 'c3'))).toEqual(['c3.zip']);
  });

  it('removes a zip whose data is damaged (CRC) so that it is downloaded again', async () => {
    const dataDir = tmp('kaggle-data-');
    const zip = await makeZip(competitionFiles(500));
    zip[500] = zip[500]! ^ 0xff; // Stored data of the first file: the directory still reads.
    const zipFile = await placeZip(dataDir, 'c4', zip);
    const err = await ensureRawData(dataDir, 'c4', { credentials: () => Promise.reject(new Error('no download expected')) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KaggleCorruptZipError);
    expect((err as Error).message).toMatch(
      /the zip of "c4" is corrupt \(.*entry "train\.csv" is damaged \(CRC-32 [0-9a-f]+, expected [0-9a-f]+\)\); it was removed/,
    );
    expect(await exists(zipFile)).toBe(false);
    expect(await exists(path.join(dataDir, 'c4', 'raw'))).toBe(false);
  });

  it('reads the data state, explains it, and estimates the disk the rest needs', async () => {
    const dataDir = tmp('kaggle-data-');
    const creds = { found: true, detail: 'credentials found (test)' };
    let state = await kaggleDataState(dataDir, 'c5');
    expect(whyKaggleState(state, creds)).toBe('not prepared: needs a Kaggle download (credentials found (test))');

    const files = competitionFiles(500);
    const total = Object.values(files).reduce((n, c) => n + Buffer.byteLength(c), 0);
    await placeZip(dataDir, 'c5', await makeZip(files, { compress: true }));
    state = await kaggleDataState(dataDir, 'c5');
    expect(whyKaggleState(state, creds)).toMatch(/^downloaded \(.+ zip\), not extracted nor prepared yet: run mlebench prepare$/);
    expect(await estimateKaggleDisk(state)).toMatchObject({
      downloadBytes: 0,
      extractBytes: total,
      prepareBytes: total,
      totalBytes: 2 * total,
      basis: 'the zip on disk',
    });

    const raw = await ensureRawData(dataDir, 'c5', { credentials: () => Promise.reject(new Error('no download expected')) });
    expect(raw.download?.reused).toBe(true);
    state = await kaggleDataState(dataDir, 'c5');
    expect(whyKaggleState(state, creds)).toBe(
      `raw data present (${path.join(dataDir, 'c5', 'raw')}), not prepared yet: run mlebench prepare`,
    );
    expect(await estimateKaggleDisk(state)).toMatchObject({ downloadBytes: 0, extractBytes: 0, prepareBytes: total });
    expect((await ensureRawData(dataDir, 'c5')).download).toBeUndefined();

    mkdirSync(path.join(dataDir, 'c5', 'prepared', 'public'), { recursive: true });
    mkdirSync(path.join(dataDir, 'c5', 'prepared', 'private'), { recursive: true });
    state = await kaggleDataState(dataDir, 'c5');
    expect(whyKaggleState(state, creds)).toBe(`prepared (${path.join(dataDir, 'c5', 'prepared')})`);
    expect((await estimateKaggleDisk(state)).totalBytes).toBe(0);
    expect(
      createHash('sha256')
        .update(await fs.readFile(path.join(dataDir, 'c5', 'raw', 'train.csv')))
        .digest('hex'),
    ).toBe(createHash('sha256').update(files['train.csv']!).digest('hex'));
  });
});
