/**
 * `mlebench prepare`: the data step, without Temporal. Which competitions (flags, splits) is
 * decided here; preparing them (bundled ones from their sources, Kaggle ones downloaded, verified,
 * extracted and prepared by MLE-bench's own prepare) is core/kaggle/prepare.ts's, whose events
 * this command shows as lines: results on stdout, warnings, failures and progress on stderr.
 */
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { listCompetitionIds } from '../../core/competitions';
import { harnessPaths, type HarnessPaths } from '../../core/config';
import { InvalidRunOptionsError } from '../../core/options';
import { resolveSplitOrLocalFile } from '../../core/runs/splits';
import {
  humanBytes,
  prepareCompetitionBatch,
  PREPARED_EXPANSION,
  type DownloadEvent,
  type DownloadProgress,
  type ExtractProgress,
  type PrepareBatchResult,
  type PrepareEvent,
} from '../../core/kaggle';

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
  if (!flags.competitions && !flags.split && !flags.lite) ids = await listCompetitionIds();
  ids = [...new Set(ids)];
  const bad = ids.filter((id) => !ID_PATTERN.test(id));
  if (bad.length > 0) throw new Error(`not competition ids: ${bad.join(', ')} (lowercase letters, digits and dashes)`);

  const view = new ProgressView();
  let result: PrepareBatchResult;
  try {
    result = await prepareCompetitionBatch(ids, { dataDir, force: flags.force, onEvent: (e) => view.show(e) });
  } finally {
    view.end();
  }
  if (result.failures.length === 0) {
    out(`${result.prepared} of ${result.total} prepared`);
    return 0;
  }
  err(
    `${result.prepared} of ${result.total} prepared; not prepared (reasons above): ${result.failures.map((f) => f.competitionId).join(', ')}`,
  );
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

  private download(p: DownloadProgress) {
    const key = `download:${p.competitionId}:${p.attempt}`;
    if (key !== this.key) this.begin(key, p.totalBytes ?? 0, p.receivedBytes, `${p.competitionId}: downloading`);
    this.update(`${p.competitionId}: downloading`, p.receivedBytes, p.totalBytes);
  }

  private extract(id: string, p: ExtractProgress) {
    const key = `extract:${id}`;
    if (key !== this.key) this.begin(key, p.totalBytes, p.extractedBytes, `${id}: extracting`);
    this.update(`${id}: extracting`, p.extractedBytes, p.totalBytes);
  }

  /** One event of the batch, as lines: results on stdout, warnings, failures and progress on stderr. */
  show(e: PrepareEvent) {
    switch (e.type) {
      case 'download':
        return this.event(e.competitionId, e.event);
      case 'download-progress':
        return this.download(e.progress);
      case 'extract-progress':
        return this.extract(e.competitionId, e.progress);
    }
    this.end();
    switch (e.type) {
      case 'credentials-warning':
        return err(`warning: ${e.warning}`);
      case 'undownloadable':
        return err(`${e.competitionId}: cannot be downloaded: ${e.message}`);
      case 'disk':
        out(`disk space: about ${humanBytes(e.neededBytes)} needed in ${e.dataDir}, ${humanBytes(e.freeBytes)} free`);
        for (const d of e.needs) {
          out(
            `  ${d.competitionId}: download ${humanBytes(d.downloadBytes)}, extract ${humanBytes(d.extractBytes)}, ` +
              `prepare ~${humanBytes(d.prepareBytes)} (from ${d.basis}; prepared ≈ raw × ${PREPARED_EXPANSION})`,
          );
        }
        for (const u of e.unknown) out(`  ${u.competitionId} (${u.reason}): size unknown`);
        return;
      case 'disk-short':
        return err(`warning: ${e.message}`);
      case 'no-checkout':
        return err(
          `note: MLEBENCH_REPO is not set, so ${e.competitionIds.join(', ')} will be downloaded and extracted into raw/ but not prepared: ` +
            "preparing needs MLE-bench's own prepare, from a checkout of MLE-bench (with its Git LFS files)",
        );
      case 'extracted':
        return out(`${e.competitionId}: extracted ${e.files} files (${humanBytes(e.bytes)}) into ${e.rawDir}`);
      case 'prepared':
        return out(`${e.competitionId}: prepared in ${secs(e.ms)} → ${e.publicDir}`);
      case 'already-prepared':
        return out(`${e.competitionId}: already prepared (${e.preparedDir})`);
      case 'failed':
        return err(`${e.competitionId}: failed: ${e.message}`);
    }
  }

  private event(id: string, e: DownloadEvent) {
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
