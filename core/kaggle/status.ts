/**
 * Where a Kaggle competition's data stands on disk (zip, partial download, raw/, prepared/), why
 * it is or is not prepared, getting it as far as raw/ (download, extract), and how much disk the
 * rest will take.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { listCompetitionFiles, kaggleApiUrl } from './api';
import type { KaggleCredentials } from './credentials';
import { competitionZipPaths, downloadCompetitionZip, type DownloadOptions, type DownloadResult } from './download';
import { KaggleCorruptZipError, UnsafeZipError } from './errors';
import { extractZip, type ExtractProgress, type ExtractResult } from './extract';
import { fileSize, inspectZip } from './zip';
import { humanBytes } from '../bytes';
import { isDirectory, isNonEmptyDirectory } from '../fsx';

export { humanBytes };

/**
 * MLE-bench's prepare writes about as much as the raw data again (it splits the training set into
 * public and private parts and copies the rest), so prepared/ is estimated at raw/ × this.
 */
export const PREPARED_EXPANSION = 1.0;

export interface KaggleDataState {
  competitionId: string;
  dir: string;
  zip: string;
  /** Size of a complete zip, when there is one. */
  zipBytes?: number;
  /** Bytes of an interrupted download waiting to be resumed. */
  partBytes?: number;
  rawDir: string;
  /** raw/ exists and is not empty. */
  rawPresent: boolean;
  preparedDir: string;
  /** prepared/public and prepared/private both exist (MLE-bench's layout). */
  preparedPresent: boolean;
}

export async function kaggleDataState(dataDir: string, competitionId: string): Promise<KaggleDataState> {
  const paths = competitionZipPaths(dataDir, competitionId);
  const rawDir = path.join(paths.dir, 'raw');
  const preparedDir = path.join(paths.dir, 'prepared');
  const [zipBytes, partBytes, rawPresent, pub, priv] = await Promise.all([
    fileSize(paths.zip),
    fileSize(paths.part),
    isNonEmptyDirectory(rawDir),
    isDirectory(path.join(preparedDir, 'public')),
    isDirectory(path.join(preparedDir, 'private')),
  ]);
  return {
    competitionId,
    dir: paths.dir,
    zip: paths.zip,
    zipBytes,
    partBytes,
    rawDir,
    rawPresent,
    preparedDir,
    preparedPresent: pub && priv,
  };
}

/**
 * Why a Kaggle competition is not prepared (or "prepared"), for `mlebench list`: what is on disk
 * and what `mlebench prepare` would do next. `credentials` is describeKaggleCredentials()'s detail.
 */
export function whyKaggleState(state: KaggleDataState, credentials: { found: boolean; detail: string }): string {
  if (state.preparedPresent) return `prepared (${state.preparedDir})`;
  if (state.rawPresent) return `raw data present (${state.rawDir}), not prepared yet: run mlebench prepare`;
  if (state.zipBytes !== undefined)
    return `downloaded (${humanBytes(state.zipBytes)} zip), not extracted nor prepared yet: run mlebench prepare`;
  const partly = state.partBytes ? `; ${humanBytes(state.partBytes)} partly downloaded, resumed by mlebench prepare` : '';
  return `not prepared: needs a Kaggle download (${credentials.detail})${partly}`;
}

export interface DiskNeed {
  competitionId: string;
  /** Still to download. */
  downloadBytes: number;
  /** Written by extracting the zip into raw/. */
  extractBytes: number;
  /** Written by MLE-bench's prepare (estimate: raw × PREPARED_EXPANSION). */
  prepareBytes: number;
  totalBytes: number;
  /** Where the figures come from. */
  basis: string;
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await dirBytes(p);
    else if (entry.isFile()) total += (await fs.stat(p)).size;
  }
  return total;
}

/**
 * Disk the rest of the preparation will take. When nothing is downloaded yet, the sizes come from
 * Kaggle's file list (`listFiles`, which needs credentials); the download-all zip is at most about
 * their sum, and raw/ is their sum.
 */
export async function estimateKaggleDisk(
  state: KaggleDataState,
  opts: { credentials?: () => Promise<KaggleCredentials>; apiUrl?: string } = {},
): Promise<DiskNeed> {
  const need = (downloadBytes: number, extractBytes: number, prepareBytes: number, basis: string): DiskNeed => ({
    competitionId: state.competitionId,
    downloadBytes,
    extractBytes,
    prepareBytes,
    totalBytes: downloadBytes + extractBytes + prepareBytes,
    basis,
  });
  if (state.preparedPresent) return need(0, 0, 0, 'already prepared');
  if (state.rawPresent) {
    const raw = await dirBytes(state.rawDir);
    return need(0, 0, Math.round(raw * PREPARED_EXPANSION), 'the raw data on disk');
  }
  if (state.zipBytes !== undefined) {
    try {
      const { uncompressedBytes } = await inspectZip(state.zip);
      return need(0, uncompressedBytes, Math.round(uncompressedBytes * PREPARED_EXPANSION), 'the zip on disk');
    } catch {
      // A damaged zip will be downloaded again: estimate from Kaggle's list below.
    }
  }
  if (!opts.credentials) throw new Error(`estimating "${state.competitionId}" needs Kaggle's file list, and so credentials`);
  const files = await listCompetitionFiles(state.competitionId, {
    apiUrl: opts.apiUrl ?? kaggleApiUrl(),
    credentials: await opts.credentials(),
  });
  const listed = files.reduce((sum, f) => sum + f.totalBytes, 0);
  return need(
    Math.max(0, listed - (state.partBytes ?? 0)),
    listed,
    Math.round(listed * PREPARED_EXPANSION),
    `Kaggle's file list (${files.length} file${files.length === 1 ? '' : 's'})`,
  );
}

export interface EnsureRawOptions extends Omit<DownloadOptions, 'competitionId' | 'dataDir'> {
  onExtractProgress?: (p: ExtractProgress) => void;
}

export interface EnsureRawResult {
  rawDir: string;
  /** Undefined when raw/ was already there. */
  download?: DownloadResult;
  extract?: ExtractResult;
}

/**
 * Gets `<data-dir>/<id>/raw/` filled: reuses it when there, else the zip (downloaded from Kaggle
 * when needed) extracted into it. A zip whose entries turn out damaged is deleted
 * (KaggleCorruptZipError) so the next run downloads it again.
 */
export async function ensureRawData(dataDir: string, competitionId: string, opts: EnsureRawOptions = {}): Promise<EnsureRawResult> {
  const state = await kaggleDataState(dataDir, competitionId);
  if (state.rawPresent) return { rawDir: state.rawDir };
  const download = await downloadCompetitionZip({ ...opts, competitionId, dataDir });
  // An empty raw/ left by hand would block the rename.
  await fs.rmdir(state.rawDir).catch(() => undefined);
  try {
    const extract = await extractZip(download.zipPath, state.rawDir, { competitionId, onProgress: opts.onExtractProgress });
    return { rawDir: state.rawDir, download, extract };
  } catch (err) {
    if (err instanceof UnsafeZipError) throw err;
    if ((err as NodeJS.ErrnoException).code) throw err; // Our disk, not the zip (full, permissions).
    const paths = competitionZipPaths(dataDir, competitionId);
    await fs.rm(paths.zip, { force: true });
    await fs.rm(paths.meta, { force: true });
    throw new KaggleCorruptZipError(competitionId, paths.zip, (err as Error).message);
  }
}
