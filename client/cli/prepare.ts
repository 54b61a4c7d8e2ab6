/**
 * `mlebench prepare`: the data step, without Temporal. Bundled competitions are built from their
 * sources; Kaggle ones (MLE-bench's) are downloaded with the user's Kaggle credentials, extracted
 * into `<data-dir>/<id>/raw/` and prepared by MLE-bench's own prepare. Before anything starts:
 * the ids are checked, credentials are required only when a download is needed, and the disk the
 * whole batch needs is estimated against the free space.
 */
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { listCompetitionIds, prepareCompetition, UnknownCompetitionError } from '../../core/competitions';
import { harnessPaths, type HarnessPaths } from '../../core/config';
import { InvalidRunOptionsError } from '../../core/options';
import { resolveSplitOrLocalFile } from '../../core/runs/splits';
import {
  ensureRawData,
  estimateKaggleDisk,
  humanBytes,
  KaggleAuthError,
  KaggleCredentialsError,
  kaggleDataState,
  loadKaggleCredentials,
  PREPARED_EXPANSION,
  type DiskNeed,
  type DownloadEvent,
  type DownloadProgress,
  type ExtractProgress,
  type KaggleCredentials,
  type KaggleDataState,
} from '../../core/kaggle';
import { configuredCheckoutPath } from '../../core/mlebench/checkout';
import { freeDiskBytes } from '../../core/sandbox/disk';

interface PrepareFlags {
  competitions?: string;
  split?: string;
  lite?: boolean;
  force?: boolean;
}

export function prepareCommand(): Command {
  return new Command('prepare')
    .description(
      'prepare competitions into the data dir: bundled ones from their sources, Kaggle ones downloaded (resumable, verified) and prepared',
    )
    .option('-c, --competitions <ids>', 'comma-separated ids (default: all bundled competitions)')
    .option('--split <split>', 'a split (e.g. lite, splits/dev.txt, experiments/splits/low.txt) or a split file of yours, one id per line')
    .option('--lite', "MLE-bench Lite: the competitions of splits/lite.txt (Kaggle's, 22)")
    .option('--force', 're-prepare even when prepared, and go on when the disk estimate says the space is short')
    .action(async (flags: PrepareFlags) => {
      process.exitCode = await prepare(flags);
    });
}

/** A split's ids; its problem is said as the flag's. */
async function splitForFlag(flag: string, value: string, paths: HarnessPaths): Promise<string[]> {
  try {
    return (await resolveSplitOrLocalFile(value, paths)).ids;
  } catch (e) {
    if (e instanceof InvalidRunOptionsError) throw new Error(`${flag}: ${e.issues.map((i) => i.reason).join('; ')}`);
    throw e;
  }
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);
const ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

async function prepare(flags: PrepareFlags): Promise<number> {
  const paths = harnessPaths();
  const { dataDir } = paths;
  const bundled = await listCompetitionIds();

  // Which competitions, in the order given, once each.
  let ids: string[] = [];
  if (flags.competitions)
    ids.push(
      ...flags.competitions
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  if (flags.split) ids.push(...(await splitForFlag('--split', flags.split, paths)));
  if (flags.lite) ids.push(...(await splitForFlag('--lite', 'splits/lite', paths)));
  if (!flags.competitions && !flags.split && !flags.lite) ids = bundled;
  ids = [...new Set(ids)];
  const bad = ids.filter((id) => !ID_PATTERN.test(id));
  if (bad.length > 0) throw new Error(`not competition ids: ${bad.join(', ')} (lowercase letters, digits and dashes)`);

  // Kaggle competitions: every id that is not bundled. Where does each stand?
  const kaggleIds = ids.filter((id) => !bundled.includes(id));
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
      credentials = await loadKaggleCredentials();
    } catch (e) {
      if (!(e instanceof KaggleCredentialsError)) throw e;
      const which = needsDownload.length === 1 ? `"${needsDownload[0]}" is` : `${needsDownload.join(', ')} are`;
      throw new Error(`${which} not bundled with the harness and must be downloaded from Kaggle, but ${e.message}`);
    }
    for (const warning of credentials.warnings) err(`warning: ${warning}`);
  }
  const getCredentials = () => (credentials ? Promise.resolve(credentials) : loadKaggleCredentials());

  // The disk the Kaggle part needs, against what is free.
  const failures: { id: string; message: string }[] = [];
  const skip = new Set<string>();
  if (needsData.length > 0) {
    const needs: DiskNeed[] = [];
    const unknown: string[] = [];
    for (const id of needsData) {
      try {
        needs.push(await estimateKaggleDisk(states.get(id)!, { credentials: getCredentials }));
      } catch (e) {
        if (e instanceof KaggleAuthError) throw e;
        if (e instanceof Error && e.name.startsWith('Kaggle')) {
          // Not found, rules not accepted: this one cannot be downloaded; say so now, go on with the others.
          failures.push({ id, message: e.message });
          skip.add(id);
          err(`${id}: cannot be downloaded: ${e.message}`);
        } else {
          unknown.push(`${id} (${(e as Error).message})`);
        }
      }
    }
    const free = await freeDiskBytes(dataDir);
    const total = needs.reduce((n, d) => n + d.totalBytes, 0);
    out(`disk space: about ${humanBytes(total)} needed in ${dataDir}, ${humanBytes(free)} free`);
    for (const d of needs) {
      out(
        `  ${d.competitionId}: download ${humanBytes(d.downloadBytes)}, extract ${humanBytes(d.extractBytes)}, ` +
          `prepare ~${humanBytes(d.prepareBytes)} (from ${d.basis}; prepared ≈ raw × ${PREPARED_EXPANSION})`,
      );
    }
    for (const u of unknown) out(`  ${u}: size unknown`);
    if (total > free) {
      const message =
        `not enough disk space in ${dataDir}: about ${humanBytes(total)} needed, ${humanBytes(free)} free. ` +
        'Free some space, point MLEBENCH_DATA_DIR at a larger disk, prepare fewer competitions at a time, or pass --force to try anyway';
      if (!flags.force) throw new Error(message);
      err(`warning: ${message}`);
    }
  }

  // Without a checkout, MLE-bench's prepare cannot run: say so now rather than after the downloads.
  const toPrepare = kaggleIds.filter((id) => !skip.has(id) && (flags.force || !states.get(id)!.preparedPresent));
  if (toPrepare.length > 0 && !configuredCheckoutPath()) {
    err(
      `note: MLEBENCH_REPO is not set, so ${toPrepare.join(', ')} will be downloaded and extracted into raw/ but not prepared: ` +
        "preparing needs MLE-bench's own prepare, from a checkout of MLE-bench (with its Git LFS files)",
    );
  }

  const view = new ProgressView();
  let done = 0;
  for (const id of ids) {
    if (skip.has(id)) continue;
    const started = Date.now();
    try {
      if (bundled.includes(id)) {
        const prepared = await prepareCompetition(id, { dataDir, force: flags.force });
        out(`${id}: prepared in ${secs(Date.now() - started)} → ${prepared.publicDir}`);
        done++;
        continue;
      }
      const state = states.get(id)!;
      if (!state.preparedPresent || flags.force) {
        const raw = await ensureRawData(dataDir, id, {
          credentials: getCredentials,
          onEvent: (e) => view.event(id, e),
          onProgress: (p) => view.download(p),
          onExtractProgress: (p) => view.extract(id, p),
        });
        view.end();
        if (raw.extract) out(`${id}: extracted ${raw.extract.files} files (${humanBytes(raw.extract.bytes)}) into ${raw.rawDir}`);
      }
      try {
        const prepared = await prepareCompetition(id, { dataDir, force: flags.force });
        out(`${id}: prepared in ${secs(Date.now() - started)} → ${prepared.publicDir}`);
      } catch (e) {
        if (!(e instanceof UnknownCompetitionError)) throw e;
        if (state.preparedPresent && !flags.force) {
          out(`${id}: already prepared (${state.preparedDir})`);
        } else {
          throw new Error(
            `its raw data is in ${state.rawDir}, but preparing it needs MLE-bench's own prepare for "${id}", and no MLE-bench checkout lists it: ` +
              'set MLEBENCH_REPO to a checkout of MLE-bench (with its Git LFS files) and run the same command again',
          );
        }
      }
      done++;
    } catch (e) {
      view.end();
      if (e instanceof KaggleAuthError || e instanceof KaggleCredentialsError) throw e; // Every other download would fail the same way.
      failures.push({ id, message: (e as Error).message });
      err(`${id}: failed: ${(e as Error).message}`);
    }
  }

  if (failures.length === 0) {
    out(`${done} of ${ids.length} prepared`);
    return 0;
  }
  err(`${done} of ${ids.length} prepared; not prepared (reasons above): ${failures.map((f) => f.id).join(', ')}`);
  return 1;
}

function secs(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * Progress of downloads and extractions on stderr: a bar with bytes, rate and ETA on a terminal;
 * otherwise a line at every tenth of the way and one at the end.
 */
class ProgressView {
  private readonly tty = process.stderr.isTTY === true;
  private bar?: cliProgress.SingleBar;
  private startedAt = 0;
  private startBytes = 0;
  private lastTenth = -1;
  private key = '';

  private begin(key: string, total: number, value: number, label: string) {
    this.end();
    this.key = key;
    this.startedAt = Date.now();
    this.startBytes = value;
    this.lastTenth = -1;
    if (this.tty) {
      this.bar = new cliProgress.SingleBar(
        {
          format: `${label} [{bar}] {percentage}% | {done} of {size} | {rate} | ETA {left}`,
          hideCursor: true,
          stream: process.stderr,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(Math.max(total, 1), value, { done: humanBytes(value), size: humanBytes(total), rate: '—', left: '—' });
    }
  }

  private update(label: string, value: number, total: number | undefined) {
    const elapsed = (Date.now() - this.startedAt) / 1000;
    const rate = elapsed > 0 ? (value - this.startBytes) / elapsed : 0;
    const left = total !== undefined && rate > 0 ? Math.max(0, (total - value) / rate) : undefined;
    const rateText = rate > 0 ? `${humanBytes(rate)}/s` : '—';
    const leftText = left === undefined ? '—' : secs(left * 1000);
    if (this.bar) {
      this.bar.update(value, {
        done: humanBytes(value),
        size: total === undefined ? '?' : humanBytes(total),
        rate: rateText,
        left: leftText,
      });
      return;
    }
    if (!total) return;
    const tenth = Math.floor((value / total) * 10);
    // A line at each tenth of the way (not at the start, where there is no rate yet; the end has its own line).
    if (tenth === this.lastTenth || tenth >= 10 || value === this.startBytes) return;
    this.lastTenth = tenth;
    err(`${label}: ${humanBytes(value)} of ${humanBytes(total)} (${Math.floor((value / total) * 100)}%), ${rateText}, ETA ${leftText}`);
  }

  download(p: DownloadProgress) {
    const key = `download:${p.competitionId}:${p.attempt}`;
    if (key !== this.key) this.begin(key, p.totalBytes ?? 0, p.receivedBytes, `${p.competitionId}: downloading`);
    this.update(`${p.competitionId}: downloading`, p.receivedBytes, p.totalBytes);
  }

  extract(id: string, p: ExtractProgress) {
    const key = `extract:${id}`;
    if (key !== this.key) this.begin(key, p.totalBytes, p.extractedBytes, `${id}: extracting`);
    this.update(`${id}: extracting`, p.extractedBytes, p.totalBytes);
  }

  event(id: string, e: DownloadEvent) {
    switch (e.type) {
      case 'reused':
        return this.say(`${id}: using the zip already downloaded (${humanBytes(e.bytes)}, checksum verified): ${e.zip}`);
      case 'corrupt-removed':
        return this.say(`${id}: the zip on disk was corrupt (${e.reason}); removed, downloading it again`);
      case 'start':
        return e.resumeFrom > 0
          ? this.say(`${id}: resuming the download from ${humanBytes(e.resumeFrom)}`)
          : e.attempt === 1
            ? this.say(`${id}: downloading from Kaggle`)
            : undefined;
      case 'restart':
        return this.say(`${id}: starting the download over: ${e.reason}`);
      case 'retry':
        return this.say(`${id}: attempt ${e.attempt} failed (${e.reason}); retrying in ${secs(e.delayMs)}`);
      case 'verified': {
        const elapsed = Date.now() - this.startedAt;
        const got = e.bytes - this.startBytes;
        this.end();
        return this.say(
          `${id}: downloaded ${humanBytes(e.bytes)} in ${secs(elapsed)} (${humanBytes(elapsed > 0 ? (got * 1000) / elapsed : got)}/s), checksum verified`,
        );
      }
      case 'redirect':
        return undefined;
    }
  }

  private say(line: string) {
    if (this.bar) {
      this.bar.stop();
      this.bar = undefined;
      this.key = '';
    }
    err(line);
  }

  end() {
    this.bar?.stop();
    this.bar = undefined;
    this.key = '';
  }
}
