/**
 * Preparing a bundled competition's data: `<dataDir>/<id>/prepared/{public,private}` plus a checksum
 * manifest. Idempotent and cached; safe when several workers prepare the same competition at
 * once, because each builds in its own temp folder and renames it into place (a rename onto a
 * non-empty folder fails, so the first finished copy wins and the others are discarded).
 * Which source a competition comes from is decided in ./source.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic, readJsonIfExists } from '../artifacts/atomic';
import { log } from '../log';
import { buildManifest, combinedChecksum, MANIFEST_FILE, verifyManifest, type Manifest, type ManifestProblem } from './manifest';
import { getPrepareStep } from './steps';
import type { Competition, PreparedCompetition } from './types';
import { PermanentError } from '../errors';
import { exists } from '../fsx';
import { FORMAT_FILE, FORMAT_VERSION, writeSubmissionFormat } from '../grading/format';

/** Prepared files no longer match their manifest: someone edited them. Not retryable. */
export class PreparedDataChangedError extends PermanentError {
  override readonly name = 'PreparedDataChangedError';
  constructor(
    readonly competitionId: string,
    readonly preparedDir: string,
    readonly problems: ManifestProblem[],
  ) {
    super(
      `prepared data of "${competitionId}" in ${preparedDir} changed since it was prepared: ` +
        `${problems.map((p) => `${p.file} (${p.problem})`).join(', ')}; prepare it again with force to rebuild it`,
    );
  }
}

/** Leftover temp folders of a crashed prepare are removed once they are this old. */
const STALE_TEMP_MS = 60 * 60 * 1000;

function preparedDirOf(dataDir: string, id: string): string {
  return path.join(dataDir, id, 'prepared');
}

function toPrepared(competition: Competition, preparedDir: string, manifest: Manifest): PreparedCompetition {
  return {
    id: competition.id,
    publicDir: path.join(preparedDir, 'public'),
    privateDir: path.join(preparedDir, 'private'),
    sampleSubmissionPath: path.join(preparedDir, competition.config.dataset.sample_submission),
    answersPath: path.join(preparedDir, competition.config.dataset.answers),
    checksum: manifest.checksum,
  };
}

/**
 * What the data is built from. When it changes (new seed, options, description), the cached
 * data is outdated rather than tampered with, so it is rebuilt without asking for force.
 */
async function inputsFingerprint(competition: Competition): Promise<string> {
  const description = await fs.readFile(competition.descriptionPath);
  return createHash('sha256')
    .update(JSON.stringify({ prepare: competition.config.prepare, dataset: competition.config.dataset, format: FORMAT_VERSION }))
    .update(description)
    .digest('hex');
}

/** A bundled competition is prepared, intact and built from its current config. */
export async function isBundledPrepared(competition: Competition, dataDir: string): Promise<boolean> {
  const preparedDir = preparedDirOf(dataDir, competition.id);
  const manifest = await readJsonIfExists<Manifest>(path.join(preparedDir, MANIFEST_FILE));
  if (!manifest || manifest.inputs !== (await inputsFingerprint(competition))) return false;
  return (await verifyManifest(preparedDir, manifest)).length === 0;
}

/** Builds a bundled competition's data from its sources (core/competitions/steps), or returns the cached, verified copy. */
export async function prepareBundledCompetition(
  competition: Competition,
  options: { dataDir: string; force?: boolean },
): Promise<PreparedCompetition> {
  const { id } = competition;
  const { dataDir } = options;
  const preparedDir = preparedDirOf(dataDir, id);
  const inputs = await inputsFingerprint(competition);

  const existing = await readJsonIfExists<Manifest>(path.join(preparedDir, MANIFEST_FILE));
  if (!options.force && existing?.inputs === inputs) {
    const problems = await verifyManifest(preparedDir, existing);
    if (problems.length === 0) return toPrepared(competition, preparedDir, existing);
    throw new PreparedDataChangedError(id, preparedDir, problems);
  }
  if (!options.force && !existing && (await exists(preparedDir))) {
    // Our renames only ever install complete folders, so this one was made or edited by hand.
    throw new PreparedDataChangedError(id, preparedDir, [{ file: MANIFEST_FILE, problem: 'missing' }]);
  }
  if (existing && existing.inputs !== inputs) log.info({ competitionId: id }, 'competition config changed: preparing again');

  const started = Date.now();
  const manifest = await installPreparedFolder(path.join(dataDir, id), id, (dir) => build(competition, dir, inputs), {
    replace: existing !== undefined || !!options.force,
  });
  log.info({ competitionId: id, ms: Date.now() - started, checksum: manifest.checksum }, 'competition prepared');
  return toPrepared(competition, preparedDir, manifest);
}

/**
 * Builds `<root>/prepared` in a temp folder beside it and renames it into place, so readers only
 * ever see a complete folder. Shared by competitions and technique tasks (core/techniques).
 */
export async function installPreparedFolder(
  root: string,
  id: string,
  build: (dir: string) => Promise<Manifest>,
  { replace }: { replace: boolean },
): Promise<Manifest> {
  const preparedDir = path.join(root, 'prepared');
  await fs.mkdir(root, { recursive: true });
  await removeStaleTemps(root);

  const tmp = path.join(root, `.prepare-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const manifest = await build(tmp);
    if (replace) await moveAside(preparedDir, root);
    try {
      await fs.rename(tmp, preparedDir);
      return manifest;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      // Another worker installed its copy first; preparation is deterministic, so use theirs.
      const theirs = await readJsonIfExists<Manifest>(path.join(preparedDir, MANIFEST_FILE));
      if (!theirs) throw new PreparedDataChangedError(id, preparedDir, [{ file: MANIFEST_FILE, problem: 'missing' }]);
      return theirs;
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

async function build(competition: Competition, dir: string, inputs: string): Promise<Manifest> {
  const { config } = competition;
  const publicDir = path.join(dir, 'public');
  const privateDir = path.join(dir, 'private');
  await fs.mkdir(publicDir, { recursive: true });
  await fs.mkdir(privateDir, { recursive: true });

  const step = getPrepareStep(config.prepare.step)!;
  await step.run({ competitionId: competition.id, seed: config.prepare.seed, options: config.prepare.options, publicDir, privateDir });
  await fs.copyFile(competition.descriptionPath, path.join(publicDir, 'description.md'));

  for (const field of ['answers', 'sample_submission'] as const) {
    const file = path.join(dir, config.dataset[field]);
    if (!(await exists(file))) {
      throw new Error(
        `${competition.id}: prepare step "${config.prepare.step}" wrote no ${config.dataset[field]} (config.yaml dataset.${field})`,
      );
    }
  }

  await writeSubmissionFormat(competition, dir);

  // The checksum covers the data, not the format spec derived from it (the manifest's files list
  // covers the spec too, so an edit to it is still caught): config.yaml checksums stay the data's.
  const manifest = await buildManifest(dir, competition.id, inputs);
  const dataFiles = Object.fromEntries(Object.entries(manifest.files).filter(([file]) => file !== `public/${FORMAT_FILE}`));
  manifest.checksum = combinedChecksum(dataFiles);
  const expected = config.prepare.checksum;
  if (expected && expected !== manifest.checksum) {
    throw new Error(
      `${competition.id}: prepared data has checksum ${manifest.checksum} but config.yaml prepare.checksum is ${expected}; ` +
        'if only description.md changed, put the new checksum in config.yaml; if the data changed (source package, ' +
        'prepare step, seed, options), the leaderboard no longer matches it: rebuild the leaderboard too',
    );
  }
  await writeJsonAtomic(path.join(dir, MANIFEST_FILE), manifest);
  return manifest;
}

/** Renames the current prepared folder out of the way and deletes it (a rename is atomic; a recursive delete is not). */
async function moveAside(preparedDir: string, root: string): Promise<void> {
  const aside = path.join(root, `.stale-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await fs.rename(preparedDir, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  await fs.rm(aside, { recursive: true, force: true });
}

async function removeStaleTemps(root: string): Promise<void> {
  const now = Date.now();
  for (const name of await fs.readdir(root)) {
    if (!name.startsWith('.prepare-') && !name.startsWith('.stale-')) continue;
    const p = path.join(root, name);
    try {
      if (now - (await fs.stat(p)).mtimeMs > STALE_TEMP_MS) await fs.rm(p, { recursive: true, force: true });
    } catch {
      // Removed by another worker meanwhile.
    }
  }
}
