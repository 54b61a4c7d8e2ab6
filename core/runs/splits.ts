/**
 * Split files: named lists of competitions. A run names a split, never a file: the name is looked
 * up in the folders this harness knows — its own `splits/` and, with an MLE-bench checkout,
 * the checkout's `experiments/splits/` — so nothing a caller sends (a REST body, a workflow's
 * input) makes the server read a file of its choosing or echo one back.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { HarnessPaths } from '../config';
import { configuredCheckoutPath } from '../mlebench/checkout';
import { InvalidRunOptionsError, SPLIT_REFERENCE, SPLIT_REFERENCE_HINT } from '../options';
import { PlainFileError } from '../plainFile';
import { readSplitText, splitEntries } from '../competitions/splits';
import { formatZodError, readYamlFile } from '../validation';

/** Which folder a split comes from: the harness's `splits/` or MLE-bench's `experiments/splits/`. */
export type SplitSource = 'harness' | 'mlebench';

const FOLDER_OF: Record<SplitSource, string> = { harness: 'splits', mlebench: 'experiments/splits' };

const MAX_NAME = 100;
/** What a competition id in a split file may look like (MLE-bench's include capitals: AI4Code). */
const SPLIT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export interface SplitReference {
  name: string;
  /** Given by the reference's folder; otherwise the harness's split of that name wins, then MLE-bench's. */
  source?: SplitSource;
}

export function parseSplitReference(ref: string): SplitReference | undefined {
  const m = SPLIT_REFERENCE.exec(ref);
  if (!m || m[2]!.length > MAX_NAME) return undefined;
  return { name: m[2]!, source: m[1] === 'splits' ? 'harness' : m[1] ? 'mlebench' : undefined };
}

/** The ids of a split file's text: one a line, `#` starts a comment; a line that is no id is named by its number. */
export function splitIds(text: string, label: string): string[] {
  const ids: string[] = [];
  const bad: number[] = [];
  for (const { id, line } of splitEntries(text)) {
    if (SPLIT_ID.test(id)) ids.push(id);
    else bad.push(line);
  }
  if (bad.length > 0) {
    throw new InvalidRunOptionsError([{ field: 'competitionSet', reason: `${label}: line ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? '…' : ''} is not a competition id` }]);
  }
  if (ids.length === 0) throw new InvalidRunOptionsError([{ field: 'competitionSet', reason: `${label} lists no competition` }]);
  return ids;
}

/** A split file's text: a regular file (never through a symlink) of bounded size; undefined when absent. */
async function readSplitFile(file: string): Promise<string | undefined> {
  try {
    return await readSplitText(file);
  } catch (err) {
    if (err instanceof PlainFileError) throw new InvalidRunOptionsError([{ field: 'competitionSet', reason: `split file ${err.message}` }]);
    throw err;
  }
}

async function listNames(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names.filter((f) => f.endsWith('.txt') && parseSplitReference(f) !== undefined).map((f) => f.slice(0, -4)).sort();
}

/** The MLE-bench checkout's split folder, when a checkout is configured. */
function mleBenchSplitsDir(): string | undefined {
  const root = configuredCheckoutPath();
  return root ? path.join(root, FOLDER_OF.mlebench) : undefined;
}

/** What each split file is, beside them: `splits/descriptions.yaml`, so the split files stay plain id lists. */
export const SPLIT_DESCRIPTIONS_FILE = 'descriptions.yaml';

const descriptionsSchema = z.record(z.string().regex(/^[A-Za-z0-9._-]+$/, 'a split name'), z.string().min(1));

/** The harness's split descriptions by name; an absent file is none, a broken one an error naming it. */
export async function splitDescriptions(paths: Pick<HarnessPaths, 'splitsDir'>): Promise<Record<string, string>> {
  const file = path.join(paths.splitsDir, SPLIT_DESCRIPTIONS_FILE);
  const fail = (message: string) => new Error(message);
  if (!(await fs.stat(file).catch(() => null))) return {};
  const parsed = descriptionsSchema.safeParse((await readYamlFile(file, fail)) ?? {});
  if (!parsed.success) throw fail(`${file}: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

/** Every split a run may name, by folder. */
export async function listSplits(paths: Pick<HarnessPaths, 'splitsDir'>): Promise<Record<SplitSource, string[]>> {
  const mlebench = mleBenchSplitsDir();
  return { harness: await listNames(paths.splitsDir), mlebench: mlebench ? await listNames(mlebench) : [] };
}

/** A split's competition ids; an unknown name is refused with the names there are. */
export async function resolveSplit(ref: string, paths: Pick<HarnessPaths, 'splitsDir'>): Promise<{ name: string; source: SplitSource; ids: string[] }> {
  const parsed = parseSplitReference(ref);
  if (!parsed) throw new InvalidRunOptionsError([{ field: 'competitionSet', reason: SPLIT_REFERENCE_HINT }]);
  const folders: [SplitSource, string | undefined][] = [
    ['harness', paths.splitsDir],
    ['mlebench', mleBenchSplitsDir()],
  ];
  for (const [source, dir] of folders) {
    if (!dir || (parsed.source && parsed.source !== source)) continue;
    const text = await readSplitFile(path.join(dir, `${parsed.name}.txt`));
    if (text !== undefined) return { name: parsed.name, source, ids: splitIds(text, `split "${FOLDER_OF[source]}/${parsed.name}.txt"`) };
  }
  const known = await listSplits(paths);
  const where = [
    `the harness's: ${known.harness.join(', ') || '(none)'}`,
    mleBenchSplitsDir() ? `MLE-bench's (experiments/splits/): ${known.mlebench.join(', ') || '(none)'}` : 'MLE-bench\'s when MLEBENCH_REPO names a checkout',
  ];
  throw new InvalidRunOptionsError([{ field: 'competitionSet', reason: `no split "${parsed.name}"${parsed.source ? ` in ${FOLDER_OF[parsed.source]}/` : ''}; the splits are ${where.join('; ')}` }]);
}

/**
 * For a command run by the person on their own machine (`mlebench run --competition-set`,
 * `mlebench prepare --split`): a split name as above, or else a split file of theirs (a path
 * from the working folder). Never for a request that comes from elsewhere.
 */
export async function resolveSplitOrLocalFile(value: string, paths: Pick<HarnessPaths, 'splitsDir'>): Promise<{ ids: string[]; split?: string }> {
  const local = path.resolve(value);
  let notASplit: Error | undefined;
  if (parseSplitReference(value)) {
    try {
      return { ids: (await resolveSplit(value, paths)).ids, split: value };
    } catch (err) {
      notASplit = err as Error; // unless it is a file of theirs: `mysplit.txt` in the working folder
    }
  }
  const text = await readSplitFile(local);
  if (text !== undefined) return { ids: splitIds(text, local) };
  throw notASplit ?? new InvalidRunOptionsError([{ field: 'competitionSet', reason: `no split file ${local}, and "${value}" is no split name` }]);
}
