/**
 * Downloading a competition's zip from Kaggle to `<data-dir>/<id>/<id>.zip` (MLE-bench's layout).
 *
 * - An existing zip that opens and matches its recorded checksum is reused without any API call.
 * - Bytes stream into `<id>.zip.part`; a transfer that breaks resumes from there with `Range`
 *   (guarded by `If-Range` on the server's ETag), in the same call's next attempt or the next run.
 * - Server errors (5xx), rate limits (429, honouring Retry-After), dropped or refused connections
 *   and stalls are retried with exponential backoff; wrong credentials (401), unaccepted rules
 *   (403) and unknown competitions (404) are not, and say what to do.
 * - The finished file is checked (its size, the MD5 and CRC-32C the storage server announced, the zip's
 *   central directory) before it is renamed into place; its SHA-256 is recorded in
 *   `<id>.zip.json` so later reuse detects a zip damaged on disk. A corrupt zip is deleted.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { writeJsonAtomic, readJsonIfExists } from '../artifacts/atomic';
import { downloadAllUrl, kaggleApiUrl, kaggleGet, RetryableError } from './api';
import { loadKaggleCredentials, type KaggleCredentials } from './credentials';
import { KaggleCorruptZipError, KaggleDownloadError, UnsafeZipError } from './errors';
import { humanBytes } from '../bytes';
import { withDownloadLock } from './lock';
import { announcedHashes, checkZip, fileSize, type ZipInventory } from './zip';

export interface CompetitionZipPaths {
  dir: string;
  zip: string;
  part: string;
  /** What the server said about the transfer in progress (ETag, size, MD5), for resuming. */
  partMeta: string;
  /** The finished zip's size and checksums. */
  meta: string;
  lock: string;
}

export function competitionZipPaths(dataDir: string, competitionId: string): CompetitionZipPaths {
  const dir = path.join(dataDir, competitionId);
  const zip = path.join(dir, `${competitionId}.zip`);
  return { dir, zip, part: `${zip}.part`, partMeta: `${zip}.part.json`, meta: `${zip}.json`, lock: `${zip}.lock` };
}

export interface DownloadProgress {
  competitionId: string;
  /** Bytes in the .part file so far (including those resumed from). */
  receivedBytes: number;
  /** The zip's size, when the server said. */
  totalBytes?: number;
  /** Bytes that were already there when this transfer started. */
  resumedFrom: number;
  attempt: number;
}

export type DownloadEvent =
  | { type: 'reused'; zip: string; bytes: number }
  | { type: 'corrupt-removed'; zip: string; reason: string }
  | { type: 'start'; attempt: number; resumeFrom: number }
  | { type: 'redirect'; origin: string; credentialsSent: boolean }
  | { type: 'restart'; reason: string }
  | { type: 'retry'; attempt: number; delayMs: number; reason: string }
  | { type: 'verified'; zip: string; bytes: number; sha256: string };

export interface RetryPolicy {
  /** Tries in all (default 6). */
  attempts: number;
  /** First backoff (default 1 s), doubling each time... */
  initialDelayMs: number;
  /** ...up to this (default 60 s). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, initialDelayMs: 1000, maxDelayMs: 60_000 };

export interface DownloadOptions {
  competitionId: string;
  dataDir: string;
  /** The credentials, or how to get them; read only when a download is needed. Default: loadKaggleCredentials(). */
  credentials?: KaggleCredentials | (() => Promise<KaggleCredentials>);
  /** Default: kaggleApiUrl() (MLEBENCH_KAGGLE_API_URL or Kaggle's). */
  apiUrl?: string;
  retry?: Partial<RetryPolicy>;
  /** A transfer that receives nothing for this long is abandoned and retried (default 60 s). */
  stallTimeoutMs?: number;
  onProgress?: (p: DownloadProgress) => void;
  onEvent?: (e: DownloadEvent) => void;
  signal?: AbortSignal;
}

export interface DownloadResult {
  zipPath: string;
  /** True when an existing zip was used and Kaggle was not asked. */
  reused: boolean;
  bytes: number;
  sha256: string;
  inventory: ZipInventory;
}

interface PartMeta {
  etag?: string;
  totalBytes?: number;
  /** Base64 MD5 announced by the storage server (x-goog-hash or Content-MD5). */
  md5?: string;
  /** Base64 CRC-32C announced in x-goog-hash. */
  crc32c?: string;
}

interface ZipMeta {
  competitionId: string;
  bytes: number;
  sha256: string;
  md5?: string;
  recordedAt: string;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    });
  });
}

/**
 * Makes sure `<data-dir>/<id>/<id>.zip` is there and sound, downloading it from Kaggle when it is
 * not. Throws the errors of ./errors (KaggleCredentialsError before any request when no credentials
 * are found and a download is needed).
 */
export async function downloadCompetitionZip(opts: DownloadOptions): Promise<DownloadResult> {
  const id = opts.competitionId;
  const paths = competitionZipPaths(opts.dataDir, id);
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const emit = (e: DownloadEvent) => opts.onEvent?.(e);

  return withDownloadLock(paths, id, async () => {
    // An existing zip: reused when sound, without asking Kaggle anything.
    const existingSize = await fileSize(paths.zip);
    if (existingSize !== undefined) {
      const recorded = await readJsonIfExists<ZipMeta>(paths.meta);
      try {
        const checked = await checkZip(paths.zip, { bytes: recorded?.bytes, sha256: recorded?.sha256 });
        if (!recorded) await writeMeta(paths, id, checked);
        emit({ type: 'reused', zip: paths.zip, bytes: checked.bytes });
        return { zipPath: paths.zip, reused: true, bytes: checked.bytes, sha256: checked.sha256, inventory: checked.inventory };
      } catch (err) {
        // Unreadable (permissions, I/O) or unsafe, not corrupt: leave it be.
        if ((err as NodeJS.ErrnoException).code || err instanceof UnsafeZipError) throw err;
        await fs.rm(paths.zip, { force: true });
        await fs.rm(paths.meta, { force: true });
        emit({ type: 'corrupt-removed', zip: paths.zip, reason: (err as Error).message });
      }
    }

    const credentials =
      typeof opts.credentials === 'function' ? await opts.credentials() : (opts.credentials ?? (await loadKaggleCredentials()));
    const apiUrl = (opts.apiUrl ?? kaggleApiUrl()).replace(/\/+$/, '');

    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= retry.attempts; attempt++) {
      try {
        await transfer({ ...opts, credentials, apiUrl, paths, attempt });
        lastError = undefined;
        break;
      } catch (err) {
        if (!(err instanceof RetryableError)) throw err;
        lastError = err;
        if (attempt === retry.attempts) break;
        const backoff = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempt - 1));
        const delayMs = Math.min(retry.maxDelayMs, Math.max(backoff, err.retryAfterMs ?? 0));
        emit({ type: 'retry', attempt, delayMs, reason: err.message });
        await sleep(delayMs, opts.signal);
      }
    }
    if (lastError) {
      const kept = (await fileSize(paths.part)) ?? 0;
      throw new KaggleDownloadError(
        `downloading "${id}" from Kaggle failed after ${retry.attempts} attempts: ${lastError.message}. ` +
          (kept > 0
            ? `The ${humanBytes(kept)} received so far are kept in ${paths.part}; running the same command again resumes from there.`
            : 'Run the same command again later.'),
        id,
        { cause: lastError },
      );
    }

    const partMeta = (await readJsonIfExists<PartMeta>(paths.partMeta)) ?? {};
    let checked: Awaited<ReturnType<typeof checkZip>>;
    try {
      checked = await checkZip(paths.part, { bytes: partMeta.totalBytes, md5: partMeta.md5, crc32c: partMeta.crc32c });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code || err instanceof UnsafeZipError) throw err;
      await fs.rm(paths.part, { force: true });
      await fs.rm(paths.partMeta, { force: true });
      throw new KaggleCorruptZipError(id, paths.zip, (err as Error).message);
    }
    await fs.rename(paths.part, paths.zip);
    await writeMeta(paths, id, checked, partMeta.md5);
    await fs.rm(paths.partMeta, { force: true });
    emit({ type: 'verified', zip: paths.zip, bytes: checked.bytes, sha256: checked.sha256 });
    return { zipPath: paths.zip, reused: false, bytes: checked.bytes, sha256: checked.sha256, inventory: checked.inventory };
  });
}

async function writeMeta(
  paths: CompetitionZipPaths,
  competitionId: string,
  c: { bytes: number; sha256: string },
  md5?: string,
): Promise<void> {
  const meta: ZipMeta = { competitionId, bytes: c.bytes, sha256: c.sha256, ...(md5 ? { md5 } : {}), recordedAt: new Date().toISOString() };
  await writeJsonAtomic(paths.meta, meta);
}

interface TransferContext extends DownloadOptions {
  credentials: KaggleCredentials;
  apiUrl: string;
  paths: CompetitionZipPaths;
  attempt: number;
}

/** One request for the zip, appending to the .part file; throws RetryableError for what another attempt may fix. */
async function transfer(ctx: TransferContext): Promise<void> {
  const { paths, competitionId: id } = ctx;
  const emit = (e: DownloadEvent) => ctx.onEvent?.(e);
  let partMeta = (await readJsonIfExists<PartMeta>(paths.partMeta)) ?? {};
  let offset = (await fileSize(paths.part)) ?? 0;
  if (offset > 0 && partMeta.totalBytes !== undefined && offset >= partMeta.totalBytes) {
    if (offset === partMeta.totalBytes) return; // Complete already (a crash between the last byte and the rename).
    await fs.rm(paths.part, { force: true });
    offset = 0;
  }

  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (offset > 0) {
    headers.range = `bytes=${offset}-`;
    if (partMeta.etag && !partMeta.etag.startsWith('W/')) headers['if-range'] = partMeta.etag;
  }
  emit({ type: 'start', attempt: ctx.attempt, resumeFrom: offset });

  // Aborted when nothing arrives for stallTimeoutMs, or when the caller aborts.
  const stall = new AbortController();
  const stallMs = ctx.stallTimeoutMs ?? 60_000;
  let timer = setTimeout(() => stall.abort(new Error(`no data for ${stallMs / 1000} s`)), stallMs);
  const kick = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(new Error(`no data for ${stallMs / 1000} s`)), stallMs);
  };
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, stall.signal]) : stall.signal;

  try {
    let res: Response;
    try {
      ({ response: res } = await kaggleGet(downloadAllUrl(ctx.apiUrl, id), {
        apiUrl: ctx.apiUrl,
        credentials: ctx.credentials,
        competitionId: id,
        headers,
        signal,
        onRedirect: (to, credentialsSent) => emit({ type: 'redirect', origin: to.origin, credentialsSent }),
      }));
    } catch (err) {
      if (stall.signal.aborted && !ctx.signal?.aborted)
        throw new RetryableError(`the request stalled: ${(stall.signal.reason as Error).message}`);
      throw err;
    }
    kick();

    if (res.status === 416) {
      await res.body?.cancel();
      // The range is past the end: what we hold is stale or complete; start over rather than guess.
      await fs.rm(paths.part, { force: true });
      await fs.rm(paths.partMeta, { force: true });
      emit({ type: 'restart', reason: 'the server refused to resume (416)' });
      throw new RetryableError('the server could not resume the partial download; starting over');
    }

    let start = 0;
    let total: number | undefined;
    const length = Number(res.headers.get('content-length') ?? NaN);
    if (res.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
      if (!m || Number(m[1]) !== offset) {
        await res.body?.cancel();
        await fs.rm(paths.part, { force: true });
        emit({ type: 'restart', reason: `the server resumed at an unexpected place (${res.headers.get('content-range')})` });
        throw new RetryableError('the server answered a range that does not continue the partial download; starting over');
      }
      start = offset;
      total = m[3] === '*' ? undefined : Number(m[3]);
    } else {
      if (offset > 0) emit({ type: 'restart', reason: 'the server sent the whole file instead of resuming' });
      total = Number.isFinite(length) ? length : undefined;
    }

    const announced = announcedHashes(res);
    const md5 = announced.md5 ?? (start > 0 ? partMeta.md5 : undefined);
    const crc32c = announced.crc32c ?? (start > 0 ? partMeta.crc32c : undefined);
    const etag = res.headers.get('etag') ?? undefined;
    if (start > 0 && partMeta.totalBytes !== undefined && total !== undefined && total !== partMeta.totalBytes) {
      await res.body?.cancel();
      await fs.rm(paths.part, { force: true });
      throw new RetryableError(`the file changed on the server (${partMeta.totalBytes} → ${total} bytes); starting over`);
    }
    partMeta = { etag: etag ?? (start > 0 ? partMeta.etag : undefined), totalBytes: total, md5, crc32c };
    await writeJsonAtomic(paths.partMeta, partMeta);

    const file = await fs.open(paths.part, start > 0 ? 'a' : 'w');
    let received = start;
    const progress = () =>
      ctx.onProgress?.({ competitionId: id, receivedBytes: received, totalBytes: total, resumedFrom: start, attempt: ctx.attempt });
    try {
      progress();
      if (res.body) {
        for await (const chunk of Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>)) {
          const buf = chunk as Buffer;
          await file.write(buf);
          received += buf.length;
          kick();
          progress();
        }
      }
    } catch (err) {
      if (ctx.signal?.aborted) throw err;
      const why = stall.signal.aborted ? (stall.signal.reason as Error).message : describe(err);
      throw new RetryableError(
        `the transfer broke after ${humanBytes(received)}${total ? ` of ${humanBytes(total)}` : ''}: ${why}`,
        undefined,
        { cause: err },
      );
    } finally {
      await file.close();
    }
    const expected = res.status === 206 ? start + (Number.isFinite(length) ? length : 0) : total;
    if (expected !== undefined && expected > 0 && received < expected) {
      throw new RetryableError(`the connection closed after ${humanBytes(received)} of ${humanBytes(expected)}`);
    }
  } finally {
    clearTimeout(timer);
  }
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message} (${cause})` : e.message;
}
