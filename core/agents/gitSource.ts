/**
 * An agent from a git repository, as a run names it: `git+<url>#<ref>[:<subfolder>]` on the CLI,
 * `gitlink` in the REST payload. Pure (parsing and the trust rules; no I/O): the fetch, the pin
 * and the cache are core/agents/git.ts.
 *
 * The URL crosses a trust boundary (a REST caller names it), so only the schemes an operator
 * allows are accepted (MLEBENCH_GIT_SCHEMES: https and ssh by default; file only when listed, as
 * a REST caller must never name a path on the server), never credentials in the URL (they would
 * reach logs and records: the worker's git credential helper or ssh agent supplies them), and no
 * value that git could read as an option.
 */
import { PermanentError } from '../errors';
import type { Env } from '../config';

/** What a run asks for: a repository, a ref in it, and the agent's folder in that tree. */
export interface GitAgentRequest {
  url: string;
  /** A branch, a tag, `HEAD` or a full commit id. */
  ref: string;
  /** The agent's folder in the repository (POSIX, relative); absent: the repository's root. */
  subfolder?: string;
}

/** A request pinned to the commit its ref named when the group was started: what every worker uses. */
export interface GitAgentSource extends GitAgentRequest {
  commit: string;
}

/** A refused or malformed git agent, an unknown ref, a repository without a valid agent: the user's to fix. */
export class GitAgentError extends PermanentError {
  override name = 'GitAgentError';
}

export const GIT_AGENT_PREFIX = 'git+';
export const GIT_SCHEMES = ['https', 'ssh', 'file'] as const;
export type GitScheme = (typeof GIT_SCHEMES)[number];
/** A full commit id (SHA-1 or SHA-256 object format). */
export const COMMIT_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const SEGMENT_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const MAX_URL = 2000;
const MAX_REF = 250;
const MAX_SUBFOLDER = 500;

export interface GitSettings {
  /** URL schemes a git agent may use (MLEBENCH_GIT_SCHEMES). */
  schemes: GitScheme[];
  /** The REST server accepts `gitlink` (MLEBENCH_GIT_REST=1); refused otherwise. */
  rest: boolean;
  /** A fetch longer than this fails (MLEBENCH_GIT_TIMEOUT_SECS). */
  timeoutSecs: number;
  /** A fetch whose objects grow past this fails (MLEBENCH_GIT_MAX_MB). */
  maxBytes: number;
}

function positive(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new GitAgentError(`${name}=${raw}: must be a positive number`);
  return n;
}

export function gitSettings(env: Env): GitSettings {
  const listed = (env.MLEBENCH_GIT_SCHEMES ?? 'https,ssh')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unknown = listed.filter((s) => !(GIT_SCHEMES as readonly string[]).includes(s));
  if (unknown.length) {
    throw new GitAgentError(`MLEBENCH_GIT_SCHEMES: ${unknown.join(', ')} not supported (choose among ${GIT_SCHEMES.join(', ')})`);
  }
  return {
    schemes: listed as GitScheme[],
    rest: env.MLEBENCH_GIT_REST === '1',
    timeoutSecs: positive(env, 'MLEBENCH_GIT_TIMEOUT_SECS', 300),
    maxBytes: positive(env, 'MLEBENCH_GIT_MAX_MB', 500) * 1024 * 1024,
  };
}

/** Whether an agent id names a git agent (`git+...`) rather than one of agents/. */
export function isGitAgentSpec(agent: string): boolean {
  return agent.startsWith(GIT_AGENT_PREFIX);
}

/**
 * `git+<url>#<ref>[:<subfolder>]` (the `git+` optional, for the seed's `gitlink`), checked
 * against the trust rules. A ref cannot hold `:` (git forbids it), so the first `:` after `#`
 * starts the subfolder; without `#<ref>` the repository's HEAD is meant.
 */
export function parseGitAgentSpec(spec: string, settings: Pick<GitSettings, 'schemes'>): GitAgentRequest {
  const body = isGitAgentSpec(spec) ? spec.slice(GIT_AGENT_PREFIX.length) : spec;
  const hash = body.indexOf('#');
  const url = hash < 0 ? body : body.slice(0, hash);
  const rest = hash < 0 ? '' : body.slice(hash + 1);
  const colon = rest.indexOf(':');
  const ref = (colon < 0 ? rest : rest.slice(0, colon)) || 'HEAD';
  const subfolder = colon < 0 ? undefined : rest.slice(colon + 1);
  const request: GitAgentRequest = { url, ref, ...(subfolder !== undefined ? { subfolder } : {}) };
  checkGitRequest(request, settings);
  return request;
}

/** Throws GitAgentError naming the part of the request that is refused, and why. */
export function checkGitRequest(req: GitAgentRequest, settings: Pick<GitSettings, 'schemes'>): void {
  checkGitUrl(req.url, settings);
  const refProblem = whyBadRef(req.ref);
  if (refProblem) throw new GitAgentError(`git agent ${req.url}: ref "${req.ref}" ${refProblem}`);
  if (req.subfolder !== undefined) {
    const subProblem = whyBadSubfolder(req.subfolder);
    if (subProblem) throw new GitAgentError(`git agent ${req.url}#${req.ref}: subfolder "${req.subfolder}" ${subProblem}`);
  }
}

export function checkGitUrl(url: string, settings: Pick<GitSettings, 'schemes'>): void {
  const refuse = (reason: string) => new GitAgentError(`git agent URL "${url.slice(0, 200)}": ${reason}`);
  if (url.length === 0) throw refuse('empty (expected git+<url>#<ref>[:<subfolder>])');
  if (url.length > MAX_URL) throw refuse(`longer than ${MAX_URL} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(url)) throw refuse('contains spaces or control characters');
  if (url.startsWith('-')) throw refuse('starts with "-" (git would read it as an option)');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse(
      `not a URL; give one of ${GIT_SCHEMES.map((s) => `${s}://`).join(', ')} (an scp-like "host:path" is not accepted: write ssh://host/path)`,
    );
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  if (!(GIT_SCHEMES as readonly string[]).includes(scheme)) {
    throw refuse(`scheme ${scheme}: is never accepted (only ${GIT_SCHEMES.join(', ')})`);
  }
  if (!settings.schemes.includes(scheme as GitScheme)) {
    throw refuse(
      `scheme ${scheme}: is not allowed here (allowed: ${settings.schemes.join(', ') || 'none'}; the operator's MLEBENCH_GIT_SCHEMES)`,
    );
  }
  if (parsed.password)
    throw refuse("carries a password: credentials come from the worker's git credential helper or ssh agent, never the URL");
  if (scheme === 'https' && parsed.username) throw refuse("carries a user name: credentials come from the worker's git credential helper");
  if (scheme !== 'file' && !parsed.hostname) throw refuse('has no host');
  // ssh would read a host or user starting with "-" as an option (ProxyCommand...).
  if (parsed.hostname.startsWith('-') || decodeURIComponent(parsed.username).startsWith('-'))
    throw refuse('a host or user starting with "-"');
  if (scheme === 'file' && parsed.hostname) throw refuse('a file URL names a local path (file:///path), not a host');
}

/** git's ref-name rules (git check-ref-format), plus no leading `-`. */
function whyBadRef(ref: string): string | undefined {
  if (ref.length > MAX_REF) return `is longer than ${MAX_REF} characters`;
  if (ref.startsWith('-')) return 'starts with "-" (git would read it as an option)';
  if (!/^[A-Za-z0-9._/+-]+$/.test(ref)) return 'may hold only letters, digits and . _ / + -';
  if (ref.includes('..') || ref.includes('//') || ref.includes('@{')) return 'is not a valid git ref name';
  if (ref.startsWith('/') || ref.endsWith('/') || ref.endsWith('.') || ref.endsWith('.lock')) return 'is not a valid git ref name';
  if (ref.split('/').some((part) => part.startsWith('.'))) return 'is not a valid git ref name (a part starts with ".")';
  return undefined;
}

function whyBadSubfolder(sub: string): string | undefined {
  if (sub.length === 0) return 'is empty (leave out ":" for the repository\'s root)';
  if (sub.length > MAX_SUBFOLDER) return `is longer than ${MAX_SUBFOLDER} characters`;
  if (sub.startsWith('/')) return 'must be relative to the repository';
  const parts = sub.replace(/\/$/, '').split('/');
  if (parts.some((p) => p === '..' || p === '.')) return 'may not contain "." or ".." (it must stay inside the repository)';
  if (parts.some((p) => p === '.git')) return 'may not name .git';
  if (!parts.every((p) => SEGMENT_RE.test(p))) return 'may hold only folder names of letters, digits and . _ - separated by /';
  return undefined;
}

/** The subfolder without a trailing slash (how the cache and the records name it). */
export function normalSubfolder(sub: string | undefined): string | undefined {
  return sub?.replace(/\/$/, '') || undefined;
}

/** `git+<url>#<ref>[:<subfolder>]`, for messages and summaries. */
export function formatGitAgent(req: GitAgentRequest & { commit?: string }): string {
  const at = req.commit ? `${req.ref}@${req.commit.slice(0, 12)}` : req.ref;
  return `${GIT_AGENT_PREFIX}${req.url}#${at}${req.subfolder ? `:${req.subfolder}` : ''}`;
}
