/**
 * Preparing a batch of competitions, the Kaggle way where needed: bundled ones are built from their
 * sources; every other one is downloaded from Kaggle (resumable, verified), extracted into
 * `<data-dir>/<id>/raw/` and prepared by MLE-bench's own prepare. Before anything starts, the
 * credentials are required only when a download is needed, and the disk the whole batch needs is
 * estimated against the free space. What happens is reported as events (`onEvent`); a caller shows
 * them (the CLI's `mlebench prepare` prints them as progress lines).
 */
import { bundledCompetitionIds, prepareCompetition, UnknownCompetitionError, type RegistryOptions } from '../competitions';
import { configuredCheckoutPath } from '../mlebench/checkout';
import { freeDiskBytes } from '../sandbox/disk';
import { humanBytes } from '../bytes';
import { loadKaggleCredentials, type KaggleCredentials } from './credentials';
import type { DownloadEvent, DownloadProgress } from './download';
import { KaggleAuthError, KaggleCredentialsError, KaggleError } from './errors';
import type { ExtractProgress } from './extract';
import { ensureRawData, estimateKaggleDisk, kaggleDataState, type DiskNeed, type KaggleDataState } from './status';

export interface PrepareBatchOptions extends RegistryOptions {
  dataDir: string;
  /** Re-prepare even when prepared, and go on when the disk estimate says the space is short. */
  force?: boolean;
  /** The MLE-bench checkout; defaults to the configured one. Without one, Kaggle data is downloaded but not prepared. */
  checkout?: string;
  /** Kaggle's API (default: kaggleApiUrl(), MLEBENCH_KAGGLE_API_URL or Kaggle's). */
  apiUrl?: string;
  /** Where credentials come from (default: loadKaggleCredentials, from the environment or kaggle.json). */
  loadCredentials?: () => Promise<KaggleCredentials>;
  /** Free bytes of the data folder's disk (default: freeDiskBytes). */
  freeBytes?: (dir: string) => Promise<number>;
  onEvent?: (event: PrepareEvent) => void;
}

/** What a batch's preparation reports, in the order it happens. */
export type PrepareEvent =
  | { type: 'credentials-warning'; warning: string }
  /** Not found on Kaggle, rules not accepted: skipped, the others go on. */
  | { type: 'undownloadable'; competitionId: string; message: string }
  | {
      type: 'disk';
      dataDir: string;
      neededBytes: number;
      freeBytes: number;
      needs: DiskNeed[];
      unknown: { competitionId: string; reason: string }[];
    }
  /** Only with `force`; without it the shortage is thrown. */
  | { type: 'disk-short'; message: string }
  /** No checkout: these will be downloaded and extracted but not prepared. */
  | { type: 'no-checkout'; competitionIds: string[] }
  | { type: 'download'; competitionId: string; event: DownloadEvent }
  | { type: 'download-progress'; progress: DownloadProgress }
  | { type: 'extract-progress'; competitionId: string; progress: ExtractProgress }
  | { type: 'extracted'; competitionId: string; files: number; bytes: number; rawDir: string }
  | { type: 'prepared'; competitionId: string; ms: number; publicDir: string }
  | { type: 'already-prepared'; competitionId: string; preparedDir: string }
  | { type: 'failed'; competitionId: string; message: string };

export interface PrepareBatchResult {
  prepared: number;
  total: number;
  /** Each competition not prepared, and why (also reported as an event). */
  failures: { competitionId: string; message: string }[];
}

/**
 * Prepares `ids` in their order. A competition that fails is reported and the others go on;
 * what would fail every one (missing or wrong credentials, too little disk without `force`) throws.
 */
export async function prepareCompetitionBatch(ids: readonly string[], options: PrepareBatchOptions): Promise<PrepareBatchResult> {
  const { dataDir, force } = options;
  // Bundled ones are built from their sources; every other one is a Kaggle (MLE-bench) competition.
  const bundled = await bundledCompetitionIds(ids, options);
  const emit = options.onEvent ?? (() => undefined);
  const load = options.loadCredentials ?? (() => loadKaggleCredentials());

  // Kaggle competitions: every id that is not bundled. Where does each stand?
  const kaggleIds = ids.filter((id) => !bundled.has(id));
  const states = new Map<string, KaggleDataState>();
  for (const id of kaggleIds) states.set(id, await kaggleDataState(dataDir, id));
  const needsData = kaggleIds.filter((id) => {
    const s = states.get(id)!;
    return !s.preparedPresent && !s.rawPresent;
  });
  const needsDownload = needsData.filter((id) => states.get(id)!.zipBytes === undefined);

  // Credentials: only when something must be downloaded, and before anything starts.
  let credentials: KaggleCredentials | undefined;
  if (needsDownload.length > 0) {
    try {
      credentials = await load();
    } catch (e) {
      if (!(e instanceof KaggleCredentialsError)) throw e;
      const which = needsDownload.length === 1 ? `"${needsDownload[0]}" is` : `${needsDownload.join(', ')} are`;
      throw new Error(`${which} not bundled with the harness and must be downloaded from Kaggle, but ${e.message}`);
    }
    for (const warning of credentials.warnings) emit({ type: 'credentials-warning', warning });
  }
  const getCredentials = () => (credentials ? Promise.resolve(credentials) : load());

  const failures: PrepareBatchResult['failures'] = [];
  const skip = new Set<string>();
  if (needsData.length > 0) {
    const disk = await checkDisk(needsData, states, { ...options, getCredentials, emit });
    for (const f of disk.undownloadable) {
      failures.push(f);
      skip.add(f.competitionId);
    }
  }

  // Without a checkout, MLE-bench's prepare cannot run: say so now rather than after the downloads.
  const toPrepare = kaggleIds.filter((id) => !skip.has(id) && (force || !states.get(id)!.preparedPresent));
  if (toPrepare.length > 0 && !configuredCheckoutPath(options.checkout)) emit({ type: 'no-checkout', competitionIds: toPrepare });

  let prepared = 0;
  for (const id of ids) {
    if (skip.has(id)) continue;
    const started = Date.now();
    const preparedEvent = (publicDir: string): PrepareEvent => ({
      type: 'prepared',
      competitionId: id,
      ms: Date.now() - started,
      publicDir,
    });
    try {
      if (bundled.has(id)) {
        emit(preparedEvent((await prepareCompetition(id, { dataDir, force })).publicDir));
        prepared++;
        continue;
      }
      const state = states.get(id)!;
      if (!state.preparedPresent || force) {
        const raw = await ensureRawData(dataDir, id, {
          credentials: getCredentials,
          apiUrl: options.apiUrl,
          onEvent: (event) => emit({ type: 'download', competitionId: id, event }),
          onProgress: (progress) => emit({ type: 'download-progress', progress }),
          onExtractProgress: (progress) => emit({ type: 'extract-progress', competitionId: id, progress }),
        });
        if (raw.extract)
          emit({ type: 'extracted', competitionId: id, files: raw.extract.files, bytes: raw.extract.bytes, rawDir: raw.rawDir });
      }
      try {
        emit(preparedEvent((await prepareCompetition(id, { dataDir, force, checkout: options.checkout })).publicDir));
      } catch (e) {
        if (!(e instanceof UnknownCompetitionError)) throw e;
        if (!state.preparedPresent || force) {
          throw new Error(
            `its raw data is in ${state.rawDir}, but preparing it needs MLE-bench's own prepare for "${id}", and no MLE-bench checkout lists it: ` +
              'set MLEBENCH_REPO to a checkout of MLE-bench (with its Git LFS files) and run the same command again',
          );
        }
        emit({ type: 'already-prepared', competitionId: id, preparedDir: state.preparedDir });
      }
      prepared++;
    } catch (e) {
      if (e instanceof KaggleAuthError || e instanceof KaggleCredentialsError) throw e; // Every other download would fail the same way.
      failures.push({ competitionId: id, message: (e as Error).message });
      emit({ type: 'failed', competitionId: id, message: (e as Error).message });
    }
  }
  return { prepared, total: ids.length, failures };
}

/**
 * The disk the Kaggle part needs, against what is free: reported, and thrown when short (unless
 * `force`). A competition Kaggle will not give (not found, rules not accepted) is returned to skip.
 */
async function checkDisk(
  needsData: string[],
  states: Map<string, KaggleDataState>,
  options: PrepareBatchOptions & { getCredentials: () => Promise<KaggleCredentials>; emit: (event: PrepareEvent) => void },
): Promise<{ undownloadable: { competitionId: string; message: string }[] }> {
  const { dataDir, emit } = options;
  const needs: DiskNeed[] = [];
  const unknown: { competitionId: string; reason: string }[] = [];
  const undownloadable: { competitionId: string; message: string }[] = [];
  for (const id of needsData) {
    try {
      needs.push(await estimateKaggleDisk(states.get(id)!, { credentials: options.getCredentials, apiUrl: options.apiUrl }));
    } catch (e) {
      if (e instanceof KaggleAuthError) throw e;
      if (e instanceof KaggleError) {
        undownloadable.push({ competitionId: id, message: e.message });
        emit({ type: 'undownloadable', competitionId: id, message: e.message });
      } else {
        unknown.push({ competitionId: id, reason: (e as Error).message });
      }
    }
  }
  const free = await (options.freeBytes ?? freeDiskBytes)(dataDir);
  const total = needs.reduce((n, d) => n + d.totalBytes, 0);
  emit({ type: 'disk', dataDir, neededBytes: total, freeBytes: free, needs, unknown });
  if (total > free) {
    const message =
      `not enough disk space in ${dataDir}: about ${humanBytes(total)} needed, ${humanBytes(free)} free. ` +
      'Free some space, point MLEBENCH_DATA_DIR at a larger disk, prepare fewer competitions at a time, or pass --force to try anyway';
    if (!options.force) throw new Error(message);
    emit({ type: 'disk-short', message });
  }
  return { undownloadable };
}
