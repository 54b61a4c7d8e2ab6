/**
 * The data of an MLE-bench competition, in MLE-bench's layout: `<dataDir>/<id>/raw/` (the
 * competition's Kaggle files, extracted) and `<dataDir>/<id>/prepared/{public,private}`.
 *
 * - Prepared by MLE-bench itself (public/ and private/ there, no manifest of ours): used as it is,
 *   after checking it against the competition's checksums.yaml when there is one.
 * - Prepared by us: our sha256 manifest (prepared/checksums.json), verified on every use, as for
 *   the bundled competitions.
 * - Not prepared: the checkout's own `prepare(raw, public, private)` runs in a Python container
 *   (python.ts) into a temp folder, description.md is added as MLE-bench adds it, the result is
 *   checked against checksums.yaml, and the folder is renamed into place.
 */
import { createHash } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { readJsonIfExists } from '../artifacts/atomic';
import { CompetitionDataMissingError } from '../competitions/kaggle';
import { buildManifest, combinedChecksum, MANIFEST_FILE, verifyManifest, type Manifest } from '../competitions/manifest';
import { installPreparedFolder, PreparedDataChangedError } from '../competitions/prepare';
import type { PreparedCompetition } from '../competitions/types';
import { log } from '../log';
import type { MleBenchCompetition } from './checkout';
import { containerOwner, runCheckoutPrepare } from './python';
import { assertPlainTree, copyChecked, readChecked } from './untrusted';
import { PermanentError } from '../errors';
import { exists, isNonEmptyDirectory } from '../fsx';

/** Extensions MLE-bench checksums: files directly under public/ and private/ with these. */
const CHECKSUMMED_EXTS = ['csv', 'json', 'jsonl', 'parquet', 'bson'];

export interface MleBenchPrepareOptions {
  dataDir: string;
  /** Rebuild from raw/ even when prepared data is there. */
  force?: boolean;
}

/** Prepared data that does not match the checkout's checksums.yaml. */
export class MleBenchChecksumMismatchError extends PermanentError {
  override readonly name = 'MleBenchChecksumMismatchError';
  constructor(
    readonly competitionId: string,
    readonly checksumsPath: string,
    readonly problems: { file: string; problem: 'modified' | 'missing' | 'unexpected' }[],
    context: string,
  ) {
    super(
      `${context} of "${competitionId}" does not match ${checksumsPath}: ` +
        problems.map((p) => `${p.file} (${p.problem})`).join(', ') +
        '. The raw data or the Python packages differ from what MLE-bench prepared with, so its leaderboard would not apply',
    );
  }
}

export function mleBenchPaths(c: MleBenchCompetition, dataDir: string) {
  const root = path.join(dataDir, c.id);
  return {
    root,
    rawDir: path.join(root, 'raw'),
    preparedDir: path.join(root, 'prepared'),
    publicDir: path.join(root, 'prepared', 'public'),
    privateDir: path.join(root, 'prepared', 'private'),
    answersPath: path.join(dataDir, c.answers),
    sampleSubmissionPath: path.join(dataDir, c.sampleSubmission),
  };
}

async function md5File(file: string): Promise<string> {
  const hash = createHash('md5');
  // Never through a symlink: the tree is the checkout's work (assertPlainTree has walked it).
  const handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  await pipeline(handle.createReadStream(), hash);
  return hash.digest('hex');
}

/** md5 of the files MLE-bench checksums, directly under `dir`. */
async function md5Listing(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const ext = e.name.includes('.') ? e.name.slice(e.name.lastIndexOf('.') + 1) : '';
    if (e.isFile() && CHECKSUMMED_EXTS.includes(ext)) out[e.name] = await md5File(path.join(dir, e.name));
  }
  return out;
}

/**
 * Compares `preparedDir`'s public/ and private/ with checksums.yaml (the `zip` entry is the
 * download's, checked there). Returns the md5s found, for a combined checksum.
 */
export async function verifyMleBenchChecksums(
  c: MleBenchCompetition,
  preparedDir: string,
  context: string,
): Promise<Record<string, string>> {
  const actual: Record<string, string> = {};
  const problems: MleBenchChecksumMismatchError['problems'] = [];
  for (const part of ['public', 'private'] as const) {
    const found = await md5Listing(path.join(preparedDir, part));
    for (const [f, h] of Object.entries(found)) actual[`${part}/${f}`] = h;
    if (!c.checksums) continue;
    const expected = c.checksums[part];
    for (const [f, h] of Object.entries(expected)) {
      if (found[f] === undefined) problems.push({ file: `${part}/${f}`, problem: 'missing' });
      else if (found[f] !== h) problems.push({ file: `${part}/${f}`, problem: 'modified' });
    }
    for (const f of Object.keys(found)) if (expected[f] === undefined) problems.push({ file: `${part}/${f}`, problem: 'unexpected' });
  }
  if (problems.length > 0) throw new MleBenchChecksumMismatchError(c.id, c.checksumsPath!, problems, context);
  return actual;
}

/** lchown of a folder and everything under it (never following a symlink). */
async function chownTree(dir: string, owner: { uid: number; gid: number }): Promise<void> {
  await fs.lchown(dir, owner.uid, owner.gid);
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const child = path.join(dir, e.name);
    if (e.isDirectory()) await chownTree(child, owner);
    else await fs.lchown(child, owner.uid, owner.gid);
  }
}

/** What our prepared copy is built from: a change means preparing again. */
async function inputsFingerprint(c: MleBenchCompetition): Promise<string> {
  return createHash('sha256')
    .update(
      JSON.stringify({
        source: 'mlebench',
        preparer: c.preparer,
        answers: c.answers,
        sample: c.sampleSubmission,
        checksums: c.checksums ?? null,
      }),
    )
    .update(await readChecked(c.descriptionPath, { what: `the description of MLE-bench competition "${c.id}"`, within: c.checkoutRoot }))
    .digest('hex');
}

/** The checkout's description.md, as agents read it: a regular file of the checkout, copied to a new file. */
async function copyDescription(c: MleBenchCompetition, dest: string): Promise<void> {
  await copyChecked(c.descriptionPath, dest, { what: `the description of MLE-bench competition "${c.id}"`, within: c.checkoutRoot });
}

function toPrepared(c: MleBenchCompetition, dataDir: string, checksum: string): PreparedCompetition {
  const p = mleBenchPaths(c, dataDir);
  return {
    id: c.id,
    publicDir: p.publicDir,
    privateDir: p.privateDir,
    sampleSubmissionPath: p.sampleSubmissionPath,
    answersPath: p.answersPath,
    checksum,
  };
}

/** How to fill raw/: what a missing raw folder's error says. */
export function rawDataMissingMessage(c: MleBenchCompetition, dataDir: string): string {
  const p = mleBenchPaths(c, dataDir);
  return (
    `the data of MLE-bench competition "${c.id}" is not here: ${p.preparedDir}/public and /private are missing, and so is its raw data, ` +
    `${p.rawDir}/ (missing or empty). Fill ${p.rawDir}/ with the competition's files from Kaggle (accept its rules on ` +
    `https://www.kaggle.com/c/${c.id}/rules, download its zip and extract it there, or let "mlebench prepare --competitions ${c.id}" ` +
    `download it), or prepare it with MLE-bench itself ("mlebench prepare -c ${c.id} --data-dir ${dataDir}" in the checkout)`
  );
}

/** Why the competition cannot be prepared here, or undefined when its data is prepared or raw/ is filled. */
export async function mleBenchDataProblem(c: MleBenchCompetition, dataDir: string): Promise<CompetitionDataMissingError | undefined> {
  const p = mleBenchPaths(c, dataDir);
  if ((await exists(p.publicDir)) && (await exists(p.privateDir))) return undefined;
  if (await isNonEmptyDirectory(p.rawDir)) return undefined;
  return new CompetitionDataMissingError(c.id, rawDataMissingMessage(c, dataDir));
}

/** Prepared, and intact (our manifest, or checksums.yaml for MLE-bench's own preparation). */
export async function isMleBenchPrepared(c: MleBenchCompetition, dataDir: string): Promise<boolean> {
  const p = mleBenchPaths(c, dataDir);
  const manifest = await readJsonIfExists<Manifest>(path.join(p.preparedDir, MANIFEST_FILE));
  if (manifest) return manifest.inputs === (await inputsFingerprint(c)) && (await verifyManifest(p.preparedDir, manifest)).length === 0;
  if (!(await exists(p.publicDir)) || !(await exists(p.privateDir)) || !(await exists(p.answersPath))) return false;
  return verifyMleBenchChecksums(c, p.preparedDir, 'prepared data').then(
    () => true,
    () => false,
  );
}

export async function prepareMleBenchCompetition(c: MleBenchCompetition, opts: MleBenchPrepareOptions): Promise<PreparedCompetition> {
  const { dataDir } = opts;
  const p = mleBenchPaths(c, dataDir);
  const inputs = await inputsFingerprint(c);
  const existing = await readJsonIfExists<Manifest>(path.join(p.preparedDir, MANIFEST_FILE));

  if (!opts.force && existing?.inputs === inputs) {
    const problems = await verifyManifest(p.preparedDir, existing);
    if (problems.length === 0) return toPrepared(c, dataDir, existing.checksum);
    throw new PreparedDataChangedError(c.id, p.preparedDir, problems);
  }
  if (!opts.force && !existing && (await exists(p.publicDir)) && (await exists(p.privateDir))) {
    // Prepared by MLE-bench itself: used in place, as MLE-bench would, once its checksums agree.
    for (const d of [p.publicDir, p.privateDir]) await assertPlainTree(d, `the prepared data of MLE-bench competition "${c.id}"`);
    const md5s = await verifyMleBenchChecksums(c, p.preparedDir, 'prepared data');
    for (const file of [p.answersPath, p.sampleSubmissionPath]) {
      if (!(await exists(file)))
        throw new PreparedDataChangedError(c.id, p.preparedDir, [{ file: path.relative(p.preparedDir, file), problem: 'missing' }]);
    }
    const description = path.join(p.publicDir, 'description.md');
    if (!(await exists(description))) await copyDescription(c, description);
    return toPrepared(c, dataDir, combinedChecksum(md5s));
  }
  if (!opts.force && !existing && (await exists(p.preparedDir))) {
    throw new PreparedDataChangedError(c.id, p.preparedDir, [{ file: 'public/ or private/', problem: 'missing' }]);
  }
  if (!(await isNonEmptyDirectory(p.rawDir))) {
    if (existing && existing.inputs !== inputs) {
      throw new CompetitionDataMissingError(
        c.id,
        `the prepared data of MLE-bench competition "${c.id}" in ${p.preparedDir} was built from another version of its checkout ` +
          `(its prepare function, dataset paths, checksums.yaml or description changed), and preparing it again needs its raw data in ${p.rawDir}/, which is missing or empty`,
      );
    }
    throw new CompetitionDataMissingError(c.id, rawDataMissingMessage(c, dataDir));
  }

  const started = Date.now();
  const manifest = await installPreparedFolder(
    p.root,
    c.id,
    async (dir) => {
      const publicDir = path.join(dir, 'public');
      const privateDir = path.join(dir, 'private');
      await fs.mkdir(publicDir, { recursive: true });
      await fs.mkdir(privateDir, { recursive: true });
      const owner = containerOwner();
      if (owner) {
        for (const d of [publicDir, privateDir]) await fs.chown(d, owner.uid, owner.gid);
        // raw/ is the harness's download; the container's user may extract archives into it, as MLE-bench's prepare functions do.
        await chownTree(p.rawDir, owner);
      }
      await runCheckoutPrepare(c, { rawDir: p.rawDir, publicDir, privateDir });
      // Before anything reads it: only regular files and folders, or nothing is installed.
      await assertPlainTree(dir, `the data the prepare function of MLE-bench competition "${c.id}" produced`);
      for (const [field, rel] of [
        ['dataset.answers', c.answers],
        ['dataset.sample_submission', c.sampleSubmission],
      ] as const) {
        const file = path.join(dir, path.relative(path.join(c.id, 'prepared'), rel));
        if (!(await exists(file))) throw new Error(`${c.id}: ${c.preparer} wrote no ${path.basename(rel)} (config.yaml ${field}: ${rel})`);
      }
      await verifyMleBenchChecksums(c, dir, 'the data its prepare function produced');
      await fs.rm(path.join(publicDir, 'description.md'), { force: true }); // a regular file, if any: the tree was walked
      await copyDescription(c, path.join(publicDir, 'description.md'));
      const built = await buildManifest(dir, c.id, inputs);
      await fs.writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(built, null, 2), { flag: 'wx' });
      return built;
    },
    { replace: existing !== undefined || !!opts.force },
  );
  log.info(
    { competitionId: c.id, ms: Date.now() - started, checksum: manifest.checksum },
    'MLE-bench competition prepared by its own prepare function',
  );
  return toPrepared(c, dataDir, manifest.checksum);
}
