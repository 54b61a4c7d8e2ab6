/**
 * The part of Kaggle's public API v1 (what the official `kaggle` CLI uses) the harness needs:
 * `GET /competitions/data/list/{id}` (the files and their sizes) and
 * `GET /competitions/data/download-all/{id}` (the zip, usually through a redirect to a signed
 * storage URL). HTTP basic auth with username:key, sent only to the API's own origin: a redirect to
 * another host is followed without the credentials.
 */
import { KaggleAuthError, KaggleCompetitionNotFoundError, KaggleError, KaggleRulesNotAcceptedError, KAGGLE_TOKEN_HELP } from './errors';
import type { KaggleCredentials } from './credentials';
import { environment, type Env } from '../config';

export const DEFAULT_KAGGLE_API_URL = 'https://www.kaggle.com/api/v1';
const USER_AGENT = 'mlebench-redux (+kaggle api v1)';
const MAX_REDIRECTS = 10;

/** The API base: MLEBENCH_KAGGLE_API_URL (tests point it at their own server), else Kaggle's. */
export function kaggleApiUrl(env: Env = environment()): string {
  return (env.MLEBENCH_KAGGLE_API_URL?.trim() || DEFAULT_KAGGLE_API_URL).replace(/\/+$/, '');
}

export interface KaggleFile {
  name: string;
  /** Bytes as Kaggle stores the file (the download-all zip compresses them). */
  totalBytes: number;
}

/** A failure worth another try: 5xx, 429, a dropped or refused connection, an expired storage link. */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  constructor(
    message: string,
    /** The server's Retry-After, in ms, when it gave one. */
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface RequestOptions {
  apiUrl: string;
  credentials: KaggleCredentials;
  competitionId: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Told of each redirect followed (the new origin, never its signed query). */
  onRedirect?: (to: URL, credentialsSent: boolean) => void;
}

export interface KaggleResponse {
  response: Response;
  /** The URL that answered, after redirects. */
  url: URL;
  /** Whether that URL is on the API's own origin. */
  fromApi: boolean;
}

function authHeader(c: KaggleCredentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.key}`).toString('base64')}`;
}

/** The text of an error body, and Kaggle's `message` when it is the usual `{code, message}` JSON. */
async function errorMessage(res: Response): Promise<string | undefined> {
  let text: string;
  try {
    text = (await res.text()).slice(0, 2000);
  } catch {
    return undefined;
  }
  try {
    const json = JSON.parse(text) as { message?: unknown };
    if (typeof json.message === 'string' && json.message) return json.message;
  } catch {
    // Not JSON: the text itself, if short and readable.
  }
  const trimmed = text.trim();
  return trimmed && trimmed.length <= 300 && !trimmed.startsWith('<') ? trimmed : undefined;
}

function retryAfterMs(res: Response): number | undefined {
  const value = res.headers.get('retry-after');
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function describeNetworkError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message} (${cause})` : e.message;
}

/**
 * GET `url`, following redirects by hand so the Authorization header goes only to the API's
 * origin, and turning Kaggle's error answers into the errors that say what to do. Returns a 2xx
 * (or 206/416 for ranges) response whose body the caller reads.
 */
export async function kaggleGet(url: string, opts: RequestOptions): Promise<KaggleResponse> {
  const apiOrigin = new URL(opts.apiUrl).origin;
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const fromApi = current.origin === apiOrigin;
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...opts.headers };
    if (fromApi) headers.authorization = authHeader(opts.credentials);
    let res: Response;
    try {
      res = await fetch(current, { headers, redirect: 'manual', signal: opts.signal });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new RetryableError(`cannot reach ${current.origin}: ${describeNetworkError(err)}`, undefined, { cause: err });
    }

    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS)
        throw new KaggleError(`too many redirects downloading "${opts.competitionId}" (last: ${current.origin})`, opts.competitionId);
      const next = new URL(res.headers.get('location')!, current);
      if (current.protocol === 'https:' && next.protocol !== 'https:') {
        throw new KaggleError(
          `refusing a redirect from ${current.origin} to the insecure ${next.origin} for "${opts.competitionId}"`,
          opts.competitionId,
        );
      }
      opts.onRedirect?.(next, next.origin === apiOrigin);
      current = next;
      continue;
    }
    if (res.ok || res.status === 416) return { response: res, url: current, fromApi };

    const message = await errorMessage(res);
    const said = message ? `: ${message}` : '';
    if (res.status === 429 || res.status >= 500) {
      throw new RetryableError(`${current.origin} answered ${res.status} ${res.statusText}${said}`, retryAfterMs(res));
    }
    if (!fromApi) {
      // A signed storage link that expired or was refused: asking the API again gives a fresh one.
      throw new RetryableError(`the storage server ${current.origin} answered ${res.status} ${res.statusText}${said}`);
    }
    if (res.status === 401) {
      throw new KaggleAuthError(
        `Kaggle rejected the credentials of "${opts.credentials.username}" from ${opts.credentials.source} (401 Unauthorized${said}): ` +
          `the username or key is wrong, or the token was replaced by a newer one. To get a working one, ${KAGGLE_TOKEN_HELP}, and use its "username" and "key".`,
        opts.competitionId,
      );
    }
    if (res.status === 403) throw new KaggleRulesNotAcceptedError(opts.competitionId, opts.credentials.username, message);
    if (res.status === 404) throw new KaggleCompetitionNotFoundError(opts.competitionId, current.href);
    throw new KaggleError(`Kaggle answered ${res.status} ${res.statusText}${said} for ${current.href}`, opts.competitionId);
  }
}

export function downloadAllUrl(apiUrl: string, competitionId: string): string {
  return `${apiUrl}/competitions/data/download-all/${encodeURIComponent(competitionId)}`;
}

/** The competition's files and sizes (for the disk estimate), following `nextPageToken` pages. */
export async function listCompetitionFiles(competitionId: string, opts: Omit<RequestOptions, 'competitionId'>): Promise<KaggleFile[]> {
  const files: KaggleFile[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < 100; page++) {
    const url = new URL(`${opts.apiUrl}/competitions/data/list/${encodeURIComponent(competitionId)}`);
    if (pageToken) url.searchParams.set('pageToken', pageToken);
    const { response } = await kaggleGet(url.href, { ...opts, competitionId });
    const body: unknown = await response.json();
    // v1 answers an array of files; newer servers wrap it as {files, nextPageToken}.
    const list = Array.isArray(body) ? body : ((body as { files?: unknown }).files ?? []);
    if (!Array.isArray(list)) throw new KaggleError(`Kaggle's file list for "${competitionId}" is not a list`, competitionId);
    for (const f of list as { name?: unknown; ref?: unknown; totalBytes?: unknown }[]) {
      const size = Number(f.totalBytes);
      const name = typeof f.name === 'string' ? f.name : typeof f.ref === 'string' ? f.ref : '?';
      files.push({ name, totalBytes: Number.isFinite(size) && size > 0 ? size : 0 });
    }
    pageToken = Array.isArray(body) ? undefined : (body as { nextPageToken?: string }).nextPageToken || undefined;
    if (!pageToken) break;
  }
  return files;
}
