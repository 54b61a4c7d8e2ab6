/**
 * Checking a zip before trusting it: its central directory must open and list every entry
 * (yauzl, which also refuses absolute and `..` names), and, when a checksum was recorded or
 * announced, the file's bytes must match it.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import yauzl from 'yauzl';
import { UnsafeZipError } from './errors';

export interface ZipInventory {
  entries: number;
  /** Sum of the entries' uncompressed sizes: what extracting it writes. */
  uncompressedBytes: number;
}

/** yauzl's refusals of a file name that is absolute, has `..` or backslashes: unsafe, not damaged. */
const UNSAFE_NAME = /^(absolute path|invalid relative path|invalid characters in fileName): /;

/** Iterates the central directory, turning yauzl's unsafe-name refusals into UnsafeZipError. */
export async function* zipEntries(zip: yauzl.ZipFile, label: string, competitionId?: string): AsyncGenerator<yauzl.Entry> {
  try {
    for await (const entry of zip.eachEntry()) yield entry;
  } catch (err) {
    if (UNSAFE_NAME.test((err as Error).message)) {
      throw new UnsafeZipError(
        `${label} has an entry that would be written outside its folder (${(err as Error).message}); refusing to extract it`,
        competitionId,
      );
    }
    throw err;
  }
}

/** Opens the zip and reads its whole central directory; throws with yauzl's reason when it is damaged. */
export async function inspectZip(file: string, competitionId?: string): Promise<ZipInventory> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true });
  try {
    let entries = 0;
    let uncompressedBytes = 0;
    for await (const entry of zipEntries(zip, competitionId ? `the zip of "${competitionId}"` : file, competitionId)) {
      entries++;
      uncompressedBytes += entry.uncompressedSize;
    }
    if (entries === 0) throw new Error('the zip has no entries');
    return { entries, uncompressedBytes };
  } finally {
    zip.close();
  }
}

export interface FileDigests {
  size: number;
  sha256: string;
  /** Base64, as Google Cloud Storage announces it in x-goog-hash. */
  md5: string;
  /** Base64 of the big-endian CRC-32C, as x-goog-hash gives it (the only hash of composite objects). */
  crc32c: string;
}

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven. */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32cUpdate(crc: number, buf: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < buf.length; i++) c = CRC32C_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

export function crc32cBase64(crc: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc >>> 0);
  return out.toString('base64');
}

/** One pass over the file for its size, SHA-256 (hex), MD5 and CRC-32C (base64). */
export async function digestFile(file: string): Promise<FileDigests> {
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let crc = 0;
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    const buf = chunk as Buffer;
    sha256.update(buf);
    md5.update(buf);
    crc = crc32cUpdate(crc, buf);
    size += buf.length;
  }
  return { size, sha256: sha256.digest('hex'), md5: md5.digest('base64'), crc32c: crc32cBase64(crc) };
}

export async function fileSize(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The hashes a storage server announced: GCS's `x-goog-hash: crc32c=…,md5=…` (of the whole object, ranged reads too), or Content-MD5. */
export function announcedHashes(res: Response): { md5?: string; crc32c?: string } {
  const out: { md5?: string; crc32c?: string } = {};
  for (const part of (res.headers.get('x-goog-hash') ?? '').split(',')) {
    const [k, ...v] = part.trim().split('=');
    if ((k === 'md5' || k === 'crc32c') && v.length) out[k] = v.join('=');
  }
  if (!out.md5 && res.status === 200) out.md5 = res.headers.get('content-md5') ?? undefined;
  return out;
}

/** Checks a zip we are about to trust; throws a plain Error with the reason when it is bad. */
export async function checkZip(
  file: string,
  expected: { bytes?: number; sha256?: string; md5?: string; crc32c?: string },
): Promise<{ sha256: string; md5: string; bytes: number; inventory: ZipInventory }> {
  const digests = await digestFile(file);
  if (expected.bytes !== undefined && digests.size !== expected.bytes)
    throw new Error(`${digests.size} bytes instead of ${expected.bytes}`);
  if (expected.md5 && digests.md5 !== expected.md5) throw new Error(`MD5 ${digests.md5} instead of the announced ${expected.md5}`);
  if (expected.crc32c && digests.crc32c !== expected.crc32c)
    throw new Error(`CRC-32C ${digests.crc32c} instead of the announced ${expected.crc32c}`);
  if (expected.sha256 && digests.sha256 !== expected.sha256)
    throw new Error(`SHA-256 ${digests.sha256} instead of the recorded ${expected.sha256}`);
  let inventory: ZipInventory;
  try {
    inventory = await inspectZip(file);
  } catch (err) {
    if (err instanceof UnsafeZipError) throw err;
    throw new Error(`not a readable zip: ${(err as Error).message}`, { cause: err });
  }
  return { sha256: digests.sha256, md5: digests.md5, bytes: digests.size, inventory };
}
