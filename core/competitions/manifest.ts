/**
 * The checksum manifest of a prepared competition (`prepared/checksums.json`): sha256 of every
 * file under public/ and private/, so a later run can tell intact data from data someone edited.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { reportPrepareProgress } from './prepareLock';

export const MANIFEST_FILE = 'checksums.json';
const HASHED_DIRS = ['public', 'private'];

export interface Manifest {
  competition_id: string;
  /** Hash of what the data was built from (prepare config, description); a change means rebuild. */
  inputs: string;
  /** sha256 per file, keyed by path relative to the prepared folder (`public/train.csv`). */
  files: Record<string, string>;
  /** sha256 over the sorted (path, hash) list: one value that names the whole data set. */
  checksum: string;
}

export interface ManifestProblem {
  file: string;
  problem: 'modified' | 'missing' | 'unexpected';
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function listFiles(root: string, rel: string): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const e of entries) {
    const child = `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await listFiles(root, child)));
    else out.push(child);
  }
  return out;
}

async function hashTree(root: string): Promise<Record<string, string>> {
  const files = (await Promise.all(HASHED_DIRS.map((d) => listFiles(root, d)))).flat().sort();
  const hashes: Record<string, string> = {};
  let bytes = 0;
  for (const [i, f] of files.entries()) {
    hashes[f] = await sha256File(path.join(root, f));
    bytes += (await fs.stat(path.join(root, f))).size;
    reportPrepareProgress({ step: 'checksums', files: i + 1, filesTotal: files.length, bytes });
  }
  return hashes;
}

export function combinedChecksum(files: Record<string, string>): string {
  const lines = Object.keys(files)
    .sort()
    .map((f) => `${files[f]}  ${f}\n`);
  return createHash('sha256').update(lines.join('')).digest('hex');
}

export async function buildManifest(root: string, competitionId: string, inputs: string): Promise<Manifest> {
  const files = await hashTree(root);
  return { competition_id: competitionId, inputs, files, checksum: combinedChecksum(files) };
}

/** What differs between the folder and its manifest; empty when intact. */
export async function verifyManifest(root: string, manifest: Manifest): Promise<ManifestProblem[]> {
  const actual = await hashTree(root);
  const problems: ManifestProblem[] = [];
  for (const [file, hash] of Object.entries(manifest.files)) {
    if (actual[file] === undefined) problems.push({ file, problem: 'missing' });
    else if (actual[file] !== hash) problems.push({ file, problem: 'modified' });
  }
  // A file added under public/ would be shown to agents, so it counts as a change too.
  for (const file of Object.keys(actual)) {
    if (manifest.files[file] === undefined) problems.push({ file, problem: 'unexpected' });
  }
  return problems;
}
