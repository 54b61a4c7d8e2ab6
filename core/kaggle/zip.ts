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
      throw new UnsafeZipError(`${label} has an entry that would be written outside its folder (${(err as Error).message}); refusing to extract it`, competitionId);
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
