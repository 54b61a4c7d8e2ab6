/**
 * A competition's zip → `<data-dir>/<id>/raw/`, safely: every entry must land inside the folder
 * (no absolute paths, no `..`), links and device files are refused, each file's CRC-32 is checked,
 * and the folder appears only when complete (extracted beside it, then renamed into place).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { UnsafeZipError } from './errors';
import { zipEntries } from './zip';

export interface ExtractProgress {
  extractedBytes: number;
  totalBytes: number;
  files: number;
}

export interface ExtractOptions {
  /** For messages. */
  competitionId?: string;
  onProgress?: (p: ExtractProgress) => void;
}

export interface ExtractResult {
  dir: string;
  files: number;
  bytes: number;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
/** "Version made by" host systems whose external attributes carry Unix mode bits. */
const UNIX_HOSTS = new Set([3, 19]);

/** Why an entry may not be extracted, or undefined when it may. */
function entryProblem(entry: yauzl.Entry): string | undefined {
  if (entry.isEncrypted()) return 'is encrypted';
  if (!entry.canDecodeFileData()) return `uses an unsupported compression method (${entry.compressionMethod})`;
  if (UNIX_HOSTS.has(entry.versionMadeBy >> 8)) {
    const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
    if (type === S_IFLNK) return 'is a symbolic link';
    if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) return `is a special file (mode ${type.toString(8)})`;
  }
  return undefined;
}

/** Counts bytes and computes the CRC-32 of what passes through. */
class Crc32Meter extends Transform {
  crc = 0;
  bytes = 0;
  constructor(private readonly onBytes: (n: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.crc = zlib.crc32(chunk, this.crc);
    this.bytes += chunk.length;
    this.onBytes(chunk.length);
    done(null, chunk);
  }
}

/**
 * Extracts `zipFile` into `destDir`, which must not exist yet. Throws UnsafeZipError (nothing left
 * behind) for an entry that would escape the folder or is a link, and an Error naming the entry
 * when its data does not match its CRC.
 */
export async function extractZip(zipFile: string, destDir: string, opts: ExtractOptions = {}): Promise<ExtractResult> {
  const label = opts.competitionId ? `the zip of "${opts.competitionId}"` : zipFile;
  const parent = path.dirname(destDir);
  await fs.mkdir(parent, { recursive: true });
  const tmp = path.join(parent, `.${path.basename(destDir)}-extract-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(tmp);

  const zip = await yauzl.openPromise(zipFile, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true });
  try {
    // First pass over the central directory: refuse the whole zip before writing anything.
    const entries: yauzl.Entry[] = [];
    let totalBytes = 0;
    for await (const entry of zipEntries(zip, label, opts.competitionId)) {
      const name = entry.fileName;
      const problem = entryProblem(entry);
      if (problem) throw new UnsafeZipError(`${label}: entry "${name}" ${problem}; refusing to extract it`, opts.competitionId);
      const target = path.resolve(tmp, name);
      if (target !== tmp && !target.startsWith(tmp + path.sep)) {
        throw new UnsafeZipError(
          `${label}: entry "${name}" would be written outside ${destDir}; refusing to extract it`,
          opts.competitionId,
        );
      }
      entries.push(entry);
      totalBytes += entry.uncompressedSize;
    }

    const progress: ExtractProgress = { extractedBytes: 0, totalBytes, files: 0 };
    opts.onProgress?.({ ...progress });
    for (const entry of entries) {
      const target = path.resolve(tmp, entry.fileName);
      if (entry.fileName.endsWith('/')) {
        await fs.mkdir(target, { recursive: true, mode: 0o755 });
        continue;
      }
      await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
      const meter = new Crc32Meter((n) => {
        progress.extractedBytes += n;
        opts.onProgress?.({ ...progress });
      });
      let out: FileHandle;
      try {
        // 'wx': a second entry of the same name is refused rather than silently overwriting the first.
        out = await fs.open(target, 'wx', 0o644);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST')
          throw new UnsafeZipError(`${label}: entry "${entry.fileName}" appears twice`, opts.competitionId);
        throw err;
      }
      try {
        await pipeline(await zip.openReadStreamPromise(entry), meter, out.createWriteStream());
      } catch (err) {
        throw new Error(`${label}: entry "${entry.fileName}" cannot be read: ${(err as Error).message}`, { cause: err });
      } finally {
        await out.close().catch(() => undefined);
      }
      if (meter.crc >>> 0 !== entry.crc32 >>> 0) {
        throw new Error(
          `${label}: entry "${entry.fileName}" is damaged (CRC-32 ${(meter.crc >>> 0).toString(16)}, expected ${(entry.crc32 >>> 0).toString(16)})`,
        );
      }
      progress.files++;
      opts.onProgress?.({ ...progress });
    }
    await fs.rename(tmp, destDir);
    return { dir: destDir, files: progress.files, bytes: progress.extractedBytes };
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    zip.close();
  }
}
