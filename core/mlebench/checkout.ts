/**
 * A local checkout of MLE-bench (github.com/openai/mle-bench) as a source of competitions: its
 * `mlebench/competitions/<id>/` folders (config.yaml, description, leaderboard.csv,
 * checksums.yaml, prepare.py, grade.py) and its `experiments/splits/*.txt` (low.txt is Lite).
 * Which checkout: an explicit path, else `MLEBENCH_REPO`; none means no MLE-bench competitions.
 * Everything is validated when read, and a problem names the file, the field and the reason.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import YAML from 'yaml';
import { readPlainFile } from '../plainFile';
import { environment, type Env } from '../config';
import { PermanentError } from '../errors';
import { isDirectory, isFile } from '../fsx';
import { splitEntries } from '../competitions/splits';
import { zodFieldIssues } from '../validation';

export const MLEBENCH_REPO_ENV = 'MLEBENCH_REPO';
/** MLE-bench's Lite list: its low-complexity split. */
export const LITE_SPLIT = 'low';

/** A checkout without its Git LFS files has one problem per competition: the message shows the first few. */
const MAX_ISSUES_IN_MESSAGE = 5;

export interface CheckoutIssue {
  file: string;
  field: string;
  reason: string;
}

export class InvalidMleBenchCheckoutError extends PermanentError {
  override readonly name = 'InvalidMleBenchCheckoutError';
  constructor(
    readonly root: string,
    readonly issues: CheckoutIssue[],
  ) {
    const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((i) => `${i.file}${i.field ? `: ${i.field}` : ''}: ${i.reason}`);
    const more = issues.length - shown.length;
    super(
      `MLE-bench checkout ${root} cannot be used: ${shown.join('; ')}${more > 0 ? `; and ${more} more problem${more === 1 ? '' : 's'}` : ''}`,
    );
  }
}

/** checksums.yaml: md5 per file directly under public/ and private/, and of the downloaded zip. */
export interface MleBenchChecksums {
  zip?: string;
  public: Record<string, string>;
  private: Record<string, string>;
}

export interface MleBenchCompetition {
  id: string;
  name: string;
  /** Always 'mlebench': tells these from the bundled competitions in listings. */
  source: 'mlebench';
  checkoutRoot: string;
  /** `<checkout>/mlebench/competitions/<id>`. */
  dir: string;
  competitionType: string;
  awardsMedals: boolean;
  descriptionPath: string;
  leaderboardPath: string;
  /** Present when the competition has a checksums.yaml. */
  checksumsPath?: string;
  checksums?: MleBenchChecksums;
  /** Relative to the data dir, as MLE-bench spells them: `<id>/prepared/private/test.csv`. */
  answers: string;
  sampleSubmission: string;
  graderName: string;
  /** `mlebench.competitions.<id>.grade:grade` */
  gradeFn: string;
  /** `mlebench.competitions.<id>.prepare:prepare` */
  preparer: string;
  /** In MLE-bench Lite (experiments/splits/low.txt). */
  lite: boolean;
  /** The split files (without .txt) that list it. */
  splits: string[];
}

export interface MleBenchCheckout {
  root: string;
  competitionsDir: string;
  /** Split name (file name without .txt) → ids, from experiments/splits/. */
  splits: Record<string, string[]>;
}

/** The checkout to use: the explicit path, else MLEBENCH_REPO, else none. */
export function configuredCheckoutPath(explicit?: string, env: Env = environment()): string | undefined {
  const chosen = explicit ?? env[MLEBENCH_REPO_ENV];
  return chosen && chosen.trim() !== '' ? path.resolve(chosen) : undefined;
}

/** `module.path:function`; MLE-bench's module names are its folder names (`3d-object-detection-…`, `AI4Code`). */
const FN_SPEC = /^[\w-]+(\.[\w-]+)*:[A-Za-z_]\w*$/;

const configSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    competition_type: z.string().min(1),
    awards_medals: z.boolean(),
    prizes: z.unknown().optional(),
    description: z.string().min(1),
    dataset: z
      .object({
        answers: z.string().min(1),
        sample_submission: z.string().min(1),
      })
      .passthrough(),
    grader: z
      .object({
        name: z.string().min(1),
        grade_fn: z.string().regex(FN_SPEC, 'must be "module.path:function"'),
      })
      .passthrough(),
    preparer: z.string().regex(FN_SPEC, 'must be "module.path:function"'),
  })
  .passthrough();

const md5 = z.string().regex(/^[0-9a-f]{32}$/, 'must be an md5 hex digest');
/** A checkout's config, description, leaderboard, checksums or split: text files far below this. */
const MAX_CHECKOUT_FILE_BYTES = 64 * 1024 * 1024;

const checksumsSchema = z
  .object({
    zip: md5.optional(),
    public: z.record(z.string(), md5).default({}),
    private: z.record(z.string(), md5).default({}),
  })
  .passthrough();

/** A file's text, never through a symlink nor from a special file (core/plainFile.ts); undefined when missing. */
async function readText(file: string): Promise<string | undefined> {
  return readPlainFile(file, { maxBytes: MAX_CHECKOUT_FILE_BYTES });
}

/**
 * Why a file the harness reads from the checkout (config, description, leaderboard, checksums)
 * is refused: a symlink or anything but a regular file. The checkout is untrusted code: a
 * leaderboard linked to a host file must not be read (nor echoed in an error). Undefined when
 * fine or missing.
 */
async function notPlainFile(file: string): Promise<string | undefined> {
  let st;
  try {
    st = await fs.lstat(file);
  } catch {
    return undefined;
  }
  if (st.isSymbolicLink())
    return `a symbolic link (to ${await fs.readlink(file).catch(() => '?')}): only regular files of the checkout are read`;
  if (!st.isFile()) return 'not a regular file: only regular files of the checkout are read';
  return undefined;
}

/** MLE-bench keeps its leaderboards (and more) in Git LFS; a checkout without `git lfs pull` holds pointers. */
function isLfsPointer(text: string): boolean {
  return text.startsWith('version https://git-lfs.github.com/spec/');
}

const LFS_HINT = 'it is a Git LFS pointer, not the file: run "git lfs fetch --all && git lfs pull" in the checkout';

/** The file of a `module.path:function` spec inside the checkout (a module or a package). */
function moduleFiles(root: string, spec: string): string[] {
  const modulePath = spec.split(':')[0]!.split('.');
  return [path.join(root, ...modulePath) + '.py', path.join(root, ...modulePath, '__init__.py')];
}

/** Opens a checkout: its folders must be MLE-bench's. */
export async function openCheckout(root: string): Promise<MleBenchCheckout> {
  const resolved = path.resolve(root);
  const issues: CheckoutIssue[] = [];
  if (!(await isDirectory(resolved))) {
    throw new InvalidMleBenchCheckoutError(resolved, [
      { file: resolved, field: '', reason: `not a folder (set ${MLEBENCH_REPO_ENV} to a checkout of github.com/openai/mle-bench)` },
    ]);
  }
  const competitionsDir = path.join(resolved, 'mlebench', 'competitions');
  if (!(await isDirectory(competitionsDir)))
    issues.push({ file: competitionsDir, field: '', reason: 'missing: this is not an MLE-bench checkout' });
  for (const pkg of [path.join(resolved, 'mlebench', '__init__.py'), path.join(competitionsDir, '__init__.py')]) {
    if (!(await isFile(pkg))) issues.push({ file: pkg, field: '', reason: "missing: the competitions' modules could not be imported" });
  }
  const splitsDir = path.join(resolved, 'experiments', 'splits');
  const splits: Record<string, string[]> = {};
  let splitFiles: string[] = [];
  try {
    splitFiles = (await fs.readdir(splitsDir)).filter((f) => f.endsWith('.txt')).sort();
  } catch {
    issues.push({ file: splitsDir, field: '', reason: 'missing: MLE-bench lists its splits there' });
  }
  for (const f of splitFiles) {
    const text = (await readText(path.join(splitsDir, f))) ?? '';
    if (isLfsPointer(text)) issues.push({ file: path.join(splitsDir, f), field: '', reason: LFS_HINT });
    splits[f.slice(0, -4)] = splitEntries(text).map((e) => e.id);
  }
  if (splitFiles.length > 0 && !splits[LITE_SPLIT]) {
    issues.push({ file: path.join(splitsDir, `${LITE_SPLIT}.txt`), field: '', reason: 'missing: MLE-bench Lite is this split' });
  }
  if (issues.length > 0) throw new InvalidMleBenchCheckoutError(resolved, issues);
  return { root: resolved, competitionsDir, splits };
}

/** Ids of the checkout's competitions: the folders holding a config.yaml, sorted. */
export async function listCheckoutCompetitionIds(checkout: MleBenchCheckout): Promise<string[]> {
  const ids: string[] = [];
  for (const name of (await fs.readdir(checkout.competitionsDir)).sort()) {
    if (await isFile(path.join(checkout.competitionsDir, name, 'config.yaml'))) ids.push(name);
  }
  return ids;
}

/** One competition, validated; throws InvalidMleBenchCheckoutError with every problem found. */
export async function loadCheckoutCompetition(checkout: MleBenchCheckout, id: string): Promise<MleBenchCompetition> {
  const dir = path.join(checkout.competitionsDir, id);
  const configFile = path.join(dir, 'config.yaml');
  const issues: CheckoutIssue[] = [];
  const fail = (): never => {
    throw new InvalidMleBenchCheckoutError(checkout.root, issues);
  };
  const refused = new Set<string>();
  for (const file of [configFile, path.join(dir, 'leaderboard.csv'), path.join(dir, 'checksums.yaml')]) {
    const why = await notPlainFile(file);
    if (why) {
      issues.push({ file, field: '', reason: why });
      refused.add(file);
    }
  }
  if (refused.has(configFile)) fail();
  const text = await readText(configFile);
  if (text === undefined) {
    issues.push({ file: configFile, field: '', reason: 'missing' });
    fail();
  }
  const doc = YAML.parseDocument(text!);
  if (doc.errors.length > 0) {
    issues.push(...doc.errors.map((e) => ({ file: configFile, field: '(yaml)', reason: e.message })));
    fail();
  }
  const parsed = configSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    issues.push(...zodFieldIssues(parsed.error).map((i) => ({ file: configFile, ...i })));
    fail();
  }
  const config = parsed.data!;
  if (config.id !== id) issues.push({ file: configFile, field: 'id', reason: `must equal the folder name "${id}"` });
  // MLE-bench joins these onto its data dir; ours are the same layout, and answers are never public.
  // The sample submission is public for most, private for a few (billion-word-imputation...): either is MLE-bench's layout.
  const answersPrefix = `${id}/prepared/private/`;
  const samplePrefix = `${id}/prepared/`;
  const safe = (p: string) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes('..');
  if (!config.dataset.answers.startsWith(answersPrefix) || !safe(config.dataset.answers)) {
    issues.push({ file: configFile, field: 'dataset.answers', reason: `must be a path under ${answersPrefix}` });
  }
  if (!config.dataset.sample_submission.startsWith(samplePrefix) || !safe(config.dataset.sample_submission)) {
    issues.push({ file: configFile, field: 'dataset.sample_submission', reason: `must be a path under ${samplePrefix}` });
  }
  const descriptionPath = path.join(checkout.root, config.description);
  if (!safe(config.description)) issues.push({ file: configFile, field: 'description', reason: 'must be a path inside the checkout' });
  else {
    const why = await notPlainFile(descriptionPath);
    const description = why ? undefined : await readText(descriptionPath);
    if (why) issues.push({ file: descriptionPath, field: '', reason: why });
    else if (description === undefined)
      issues.push({ file: configFile, field: 'description', reason: `file not found: ${descriptionPath}` });
    else if (isLfsPointer(description)) issues.push({ file: descriptionPath, field: '', reason: LFS_HINT });
  }
  for (const [field, spec] of [
    ['grader.grade_fn', config.grader.grade_fn],
    ['preparer', config.preparer],
  ] as const) {
    const candidates = moduleFiles(checkout.root, spec);
    let found = false;
    for (const c of candidates) if (await isFile(c)) found = true;
    if (!found) issues.push({ file: configFile, field, reason: `module not found: ${candidates[0]}` });
  }

  const leaderboardPath = path.join(dir, 'leaderboard.csv');
  // A refused one is named above, never read.
  const leaderboard = refused.has(leaderboardPath) ? null : await readText(leaderboardPath);
  if (leaderboard === undefined) issues.push({ file: leaderboardPath, field: '', reason: 'missing: medals are ranked against it' });
  else if (leaderboard !== null && isLfsPointer(leaderboard)) issues.push({ file: leaderboardPath, field: '', reason: LFS_HINT });
  else if (
    leaderboard !== null &&
    !leaderboard
      .split(/\r?\n/, 1)[0]!
      .split(',')
      .map((c) => c.trim().replace(/^"|"$/g, ''))
      .includes('score')
  ) {
    issues.push({ file: leaderboardPath, field: 'score', reason: 'the header has no "score" column' });
  }

  const checksumsPath = path.join(dir, 'checksums.yaml');
  const checksumsText = refused.has(checksumsPath) ? undefined : await readText(checksumsPath);
  let checksums: MleBenchChecksums | undefined;
  if (checksumsText !== undefined) {
    if (isLfsPointer(checksumsText)) issues.push({ file: checksumsPath, field: '', reason: LFS_HINT });
    else {
      const parsedChecksums = checksumsSchema.safeParse(YAML.parse(checksumsText) ?? {});
      if (parsedChecksums.success) checksums = parsedChecksums.data;
      else issues.push(...zodFieldIssues(parsedChecksums.error).map((i) => ({ file: checksumsPath, ...i })));
    }
  }
  if (issues.length > 0) fail();

  const splits = Object.keys(checkout.splits).filter((s) => checkout.splits[s]!.includes(id));
  return {
    id,
    name: config.name,
    source: 'mlebench',
    checkoutRoot: checkout.root,
    dir,
    competitionType: config.competition_type,
    awardsMedals: config.awards_medals,
    descriptionPath,
    leaderboardPath,
    ...(checksums ? { checksumsPath, checksums } : {}),
    answers: config.dataset.answers,
    sampleSubmission: config.dataset.sample_submission,
    graderName: config.grader.name,
    gradeFn: config.grader.grade_fn,
    preparer: config.preparer,
    lite: splits.includes(LITE_SPLIT),
    splits,
  };
}

/** Every competition of the checkout; a broken one fails the listing with its file, field and reason. */
export async function listCheckoutCompetitions(checkout: MleBenchCheckout): Promise<MleBenchCompetition[]> {
  const ids = await listCheckoutCompetitionIds(checkout);
  const loaded = await Promise.all(ids.map((id) => loadCheckoutCompetition(checkout, id).catch((err: unknown) => err)));
  const issues = loaded.flatMap((l) => (l instanceof InvalidMleBenchCheckoutError ? l.issues : []));
  if (issues.length > 0) throw new InvalidMleBenchCheckoutError(checkout.root, issues);
  const other = loaded.find((l): l is Error => l instanceof Error);
  if (other) throw other;
  return loaded as MleBenchCompetition[];
}

/** The configured checkout's competitions (none when no checkout is configured). */
export async function listMleBenchCompetitions(opts: { checkout?: string; env?: NodeJS.ProcessEnv } = {}): Promise<MleBenchCompetition[]> {
  const root = configuredCheckoutPath(opts.checkout, opts.env);
  if (!root) return [];
  return listCheckoutCompetitions(await openCheckout(root));
}

/**
 * The configured checkout's competition `id`, or undefined when no checkout is configured or it
 * has no such competition. A broken checkout, or a broken config of that competition, throws.
 */
export async function findMleBenchCompetition(
  id: string,
  opts: { checkout?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<MleBenchCompetition | undefined> {
  const root = configuredCheckoutPath(opts.checkout, opts.env);
  if (!root) return undefined;
  const checkout = await openCheckout(root);
  // Checking against the listing first also keeps ids like "../x" away from the file system.
  if (!(await listCheckoutCompetitionIds(checkout)).includes(id)) return undefined;
  return loadCheckoutCompetition(checkout, id);
}
