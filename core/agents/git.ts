/**
 * Agents from git, the repository's side: a ref pinned to its commit before a group starts
 * (`pinGitAgent`), that commit's agent folder fetched once into a cache keyed by the commit
 * (`gitAgentFolder`). A worker that lacks the cache fetches the same commit; nothing ever follows
 * a ref again after the pin. The folder goes to the agents registry in gitAgent.ts.
 *
 * What a repository can do to us is bounded: git runs with only the allowed transports
 * (GIT_ALLOW_PROTOCOL), no prompts, no hooks, a time and a size limit, every user value after
 * `--`; files are written from the commit's blobs by us (no checkout: no filters, no LFS, no
 * submodules, no .gitattributes), symlinks only inside the agent's folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { environment, harnessPaths, type Env } from '../config';
import { log } from '../log';
import {
  COMMIT_RE,
  GitAgentError,
  checkGitRequest,
  formatGitAgent,
  gitSettings,
  normalSubfolder,
  type GitAgentRequest,
  type GitAgentSource,
  type GitSettings,
} from './gitSource';

export interface GitAgentOptions {
  env?: Env;
  /** The cache (default: <MLEBENCH_HOME>/git-agents). */
  cacheDir?: string;
}

const MAX_FILES = 5000;
/** A fetch's own folder in the cache, while it runs. */
const FETCH_PREFIX = '.fetch-';
/** Only these of the caller's variables reach git: its transport, proxies, ssh agent. */
const PASSED_ENV = ['PATH', 'HOME', 'SSH_AUTH_SOCK', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy', 'GIT_SSH_COMMAND'];

export function settingsOf(opts: GitAgentOptions): GitSettings {
  return gitSettings(opts.env ?? environment());
}

/** A git bound by time and by the allowed transports; abort() ends a running command. */
function boundedGit(baseDir: string, settings: GitSettings, env: Env, abort: AbortSignal): SimpleGit {
  const childEnv: Record<string, string> = {};
  for (const key of PASSED_ENV) if (env[key] !== undefined) childEnv[key] = env[key];
  Object.assign(childEnv, {
    GIT_ALLOW_PROTOCOL: settings.schemes.join(':'),
    GIT_TERMINAL_PROMPT: '0',
    GIT_LFS_SKIP_SMUDGE: '1',
  });
  return simpleGit({
    baseDir,
    abort,
    timeout: { block: settings.timeoutSecs * 1000 },
    allowEnvironment: ['GIT_ALLOW_PROTOCOL', 'GIT_TERMINAL_PROMPT', 'GIT_LFS_SKIP_SMUDGE', 'GIT_SSH_COMMAND'],
    // Our own fixed values, which simple-git's guard would otherwise refuse: no hooks, no template.
    unsafe: { allowUnsafeHooksPath: true, allowUnsafeTemplateDir: true },
    config: ['core.hooksPath=/dev/null', 'fetch.recurseSubmodules=false', 'protocol.version=2', 'advice.detachedHead=false'],
  }).env(childEnv);
}

/** git's last words (its stderr's last non-empty line), for an error that says why. */
function gitReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const said = lines.filter((l) => /^(fatal|error):/.test(l));
  return (said.length ? said.join('; ') : (lines.at(-1) ?? 'failed')).slice(0, 500);
}

/**
 * The commit `req.ref` names now, asked of the repository (`git ls-remote`): a branch, then a tag
 * (an annotated tag's commit), then a full ref name; a full commit id is its own pin (the fetch
 * checks that it exists). Unreachable repository or unknown ref → GitAgentError naming both.
 */
export async function pinGitAgent(req: GitAgentRequest, opts: GitAgentOptions = {}): Promise<GitAgentSource> {
  const settings = settingsOf(opts);
  checkGitRequest(req, settings);
  const subfolder = normalSubfolder(req.subfolder);
  const source = (commit: string): GitAgentSource => ({ url: req.url, ref: req.ref, commit, ...(subfolder ? { subfolder } : {}) });
  if (COMMIT_RE.test(req.ref)) return source(req.ref);
  const timer = new AbortController();
  const clock = setTimeout(() => timer.abort(), settings.timeoutSecs * 1000);
  let listing: string;
  try {
    const git = boundedGit(process.cwd(), settings, opts.env ?? environment(), timer.signal);
    listing = await git.listRemote(['--', req.url, ...refCandidates(req.ref).flatMap((name) => [name, `${name}^{}`])]);
  } catch (err) {
    throw new GitAgentError(`git agent ${req.url}: cannot list its refs (git ls-remote): ${gitReason(err)}`, { cause: err });
  } finally {
    clearTimeout(clock);
  }
  const refs = new Map<string, string>();
  for (const line of listing.split('\n')) {
    const [sha, name] = line.trim().split(/\s+/);
    if (sha && name) refs.set(name, sha);
  }
  for (const name of refCandidates(req.ref)) {
    const sha = refs.get(`${name}^{}`) ?? refs.get(name);
    if (sha) return source(sha);
  }
  throw new GitAgentError(`git agent ${req.url}: no branch, tag or ref "${req.ref}" in the repository`);
}

function refCandidates(ref: string): string[] {
  if (ref === 'HEAD' || ref.startsWith('refs/')) return [ref];
  return [`refs/heads/${ref}`, `refs/tags/${ref}`];
}

function cacheRoot(opts: GitAgentOptions): string {
  return opts.cacheDir ?? harnessPaths(opts.env ?? environment()).gitAgentsDir;
}

/** The repository's name, for an agent at its root (the agent's name is its folder's). */
function repoName(url: string): string {
  const last = new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? 'agent';
  return last.replace(/\.git$/, '').toLowerCase() || 'agent';
}

/**
 * Where the commit's agent folder lives in the cache: `<commit>/<a~b>/<b>` for the subfolder
 * `a/b` (`~` is never in a subfolder's name, so each subfolder has its own entry, and one
 * folder's entry is never mistaken for a part of another's), `<commit>/~root/<repo>` for the root.
 * The agent's folder keeps its name (the agent's), and its parent holds only it.
 */
export function gitAgentCacheDir(source: GitAgentSource, opts: GitAgentOptions = {}): string {
  const sub = normalSubfolder(source.subfolder);
  const base = path.join(cacheRoot(opts), source.commit);
  return sub ? path.join(base, sub.replace(/\//g, '~'), path.posix.basename(sub)) : path.join(base, '~root', repoName(source.url));
}

/**
 * The pinned commit's agent folder, from the cache or fetched into it (`fetched` says which).
 * The folder appears whole or not at all (written aside, then renamed), so two workers fetching
 * the same commit at once both end with the same folder.
 */
export async function gitAgentFolder(source: GitAgentSource, opts: GitAgentOptions = {}): Promise<{ dir: string; fetched: boolean }> {
  const settings = settingsOf(opts);
  checkGitRequest(source, settings);
  if (!COMMIT_RE.test(source.commit)) throw new GitAgentError(`git agent ${source.url}: "${source.commit}" is not a full commit id`);
  const dir = gitAgentCacheDir(source, opts);
  if (existsSync(dir)) return { dir, fetched: false };
  await sweepAbandonedFetches(cacheRoot(opts), settings.timeoutSecs * 2000);
  const work = path.join(cacheRoot(opts), `${FETCH_PREFIX}${source.commit.slice(0, 12)}-${randomBytes(4).toString('hex')}`);
  const repo = path.join(work, 'repo.git');
  const staged = path.join(work, 'folder');
  await fs.mkdir(repo, { recursive: true });
  const started = Date.now();
  try {
    await fetchCommit(repo, source, settings, opts.env ?? environment());
    await writeTree(repo, source, staged, settings);
    await fs.mkdir(path.dirname(dir), { recursive: true });
    await fs.rename(staged, dir).catch((err: NodeJS.ErrnoException) => {
      // Another worker finished the same commit first: its folder is this one.
      if (!existsSync(dir)) throw err;
    });
    log.info({ event: 'git.fetch', agent: formatGitAgent(source), dir, secs: (Date.now() - started) / 1000 }, 'git agent fetched');
    return { dir, fetched: true };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** What a worker that died mid-fetch left (no fetch lives past its time limit): removed by the next fetch. */
async function sweepAbandonedFetches(root: string, olderThanMs: number): Promise<void> {
  const entries = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isDirectory() || !e.name.startsWith(FETCH_PREFIX)) continue;
    const dir = path.join(root, e.name);
    const { mtimeMs } = await fs.stat(dir).catch(() => ({ mtimeMs: Date.now() }));
    if (Date.now() - mtimeMs > olderThanMs) await fs.rm(dir, { recursive: true, force: true });
  }
}

/** `git fetch --depth 1 <url> <commit>` into a fresh bare repository, stopped past the size or time limit. */
async function fetchCommit(repo: string, source: GitAgentSource, settings: GitSettings, env: Env): Promise<void> {
  const stop = new AbortController();
  let why: string | undefined;
  const clock = setTimeout(() => {
    why = `took longer than ${settings.timeoutSecs} s (MLEBENCH_GIT_TIMEOUT_SECS)`;
    stop.abort();
  }, settings.timeoutSecs * 1000);
  const sizer = setInterval(() => {
    void folderBytes(repo).then((bytes) => {
      if (bytes <= settings.maxBytes || stop.signal.aborted) return;
      why = `grew past ${Math.round(settings.maxBytes / 1024 / 1024)} MB (MLEBENCH_GIT_MAX_MB)`;
      stop.abort();
    });
  }, 500);
  try {
    const git = boundedGit(repo, settings, env, stop.signal);
    await git.raw(['init', '--bare', '--template=', '--quiet']);
    await git.raw(['fetch', '--depth=1', '--no-tags', '--no-write-fetch-head', '--', source.url, source.commit]);
  } catch (err) {
    const reason = why ?? gitReason(err);
    throw new GitAgentError(`git agent ${source.url}: cannot fetch commit ${source.commit} (ref ${source.ref}): ${reason}`, { cause: err });
  } finally {
    clearTimeout(clock);
    clearInterval(sizer);
  }
  if (why) throw new GitAgentError(`git agent ${source.url}: cannot fetch commit ${source.commit}: ${why}`);
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const e of entries) {
    if (e.isFile()) total += (await fs.stat(path.join(e.parentPath, e.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/**
 * Writes the commit's subfolder from its blobs: regular files with their executable bit, symlinks
 * that stay inside the folder; submodules are skipped (never fetched).
 */
async function writeTree(repo: string, source: GitAgentSource, dest: string, settings: GitSettings): Promise<void> {
  const sub = normalSubfolder(source.subfolder);
  const git = boundedGit(repo, settings, environment(), new AbortController().signal);
  const where = `git agent ${formatGitAgent(source)}`;
  const listing = await git.raw(['ls-tree', '-r', '-z', '-l', '--full-tree', source.commit, '--', ...(sub ? [`${sub}/`] : [])]);
  const entries = listing
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta = '', file = ''] = line.split('\t');
      const [mode = '', type = '', sha = '', size = '0'] = meta.split(/\s+/);
      return { mode, type, sha, size: Number(size) || 0, rel: sub ? file.slice(sub.length + 1) : file };
    });
  if (entries.length === 0) {
    throw new GitAgentError(`${where}: ${sub ? `no folder "${sub}" in commit ${source.commit}` : 'the commit has no files'}`);
  }
  if (entries.length > MAX_FILES) throw new GitAgentError(`${where}: the agent folder holds more than ${MAX_FILES} files`);
  const bytes = entries.reduce((n, e) => n + e.size, 0);
  if (bytes > settings.maxBytes) throw new GitAgentError(`${where}: the agent folder holds ${bytes} bytes, over MLEBENCH_GIT_MAX_MB`);
  await fs.mkdir(dest, { recursive: true });
  for (const e of entries) {
    if (e.type !== 'blob') continue; // a submodule (commit): not fetched, not run
    const target = path.join(dest, ...e.rel.split('/'));
    if (!target.startsWith(dest + path.sep) || e.rel.split('/').includes('.git')) {
      throw new GitAgentError(`${where}: refusing the path "${e.rel}"`);
    }
    await fs.mkdir(path.dirname(target), { recursive: true });
    const body = (await git.binaryCatFile(['blob', e.sha])) as Buffer;
    if (e.mode === '120000') {
      const link = body.toString('utf8');
      const resolved = path.resolve(path.dirname(target), link);
      if (path.isAbsolute(link) || !resolved.startsWith(dest + path.sep)) {
        throw new GitAgentError(`${where}: the symlink "${e.rel}" points outside the agent folder (${link})`);
      }
      await fs.symlink(link, target);
    } else {
      await fs.writeFile(target, body, { mode: e.mode === '100755' ? 0o755 : 0o644 });
    }
  }
}
