/**
 * Who may use the REST API and the results page. Bearer tokens name a user and a role — `viewer`
 * reads, `runner` also starts and cancels its own groups, `admin` everything — from a tokens file
 * (MLEBENCH_API_TOKENS_FILE) or a variable (MLEBENCH_API_TOKENS). Without tokens the server
 * serves loopback only, every caller being the one person at this machine; a Host-header
 * allowlist keeps a web page from reaching it through DNS rebinding either way.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { LOCAL_OWNER } from '../sdk';
import { formatZodError } from '../../core/validation';

export const ROLES = ['viewer', 'runner', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a route needs: nothing (health, the page's files), to read, or to start and cancel groups. */
export type Access = 'public' | 'read' | 'run';

export interface UserLimits {
  /** Groups of theirs running at once. */
  runningGroups?: number;
  /** Agent containers at once over their running groups (each group's n_workers, at most its runs). */
  agentContainers?: number;
  /** LLM dollars their groups may spend, reserved at start (runs × per-run budget) over the last 24 hours. */
  llmDollarsPerDay?: number;
}

export interface ApiUser {
  name: string;
  role: Role;
  limits: UserLimits;
}

export interface AccessPolicy {
  /** sha256(token) → user; null when no tokens are configured (loopback only, one local admin). */
  users: Map<string, ApiUser> | null;
  /** Host header values served (names, without port). */
  allowedHosts: Set<string>;
}

/** The one person at this machine, when the server runs without tokens. */
export const LOCAL_USER: ApiUser = { name: LOCAL_OWNER, role: 'admin', limits: {} };

export class AccessConfigError extends Error {
  override name = 'AccessConfigError';
}

/** A refusal the caller can act on: 401 (who are you), 403 (not allowed), 429 (over a limit). */
export class AccessRefusal extends Error {
  override name = 'AccessRefusal';
  constructor(
    readonly statusCode: 401 | 403 | 429,
    message: string,
  ) {
    super(message);
  }
}

const MIN_TOKEN_LENGTH = 24;
const userName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'must be a user name (letters, digits, . _ @ -, at most 64)');
const limitsSchema = z
  .strictObject({
    running_groups: z.number().int().min(0).optional(),
    agent_containers: z.number().int().min(0).optional(),
    llm_dollars_per_day: z.number().min(0).optional(),
  })
  .optional();
const tokensFileSchema = z.strictObject({
  defaults: z.strictObject({ limits: limitsSchema }).optional(),
  users: z.record(
    userName,
    z
      .strictObject({
        role: z.enum(ROLES),
        token: z.string().min(MIN_TOKEN_LENGTH, `at least ${MIN_TOKEN_LENGTH} characters (e.g. openssl rand -hex 24)`).optional(),
        token_sha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits: sha256 of the token')
          .optional(),
        limits: limitsSchema,
      })
      .refine((u) => (u.token === undefined) !== (u.token_sha256 === undefined), { message: 'give token or token_sha256 (one of them)' }),
  ),
});
type FileLimits = z.infer<typeof limitsSchema>;

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const limitsOf = (l: FileLimits): UserLimits =>
  Object.fromEntries(
    Object.entries({
      runningGroups: l?.running_groups,
      agentContainers: l?.agent_containers,
      llmDollarsPerDay: l?.llm_dollars_per_day,
    }).filter(([, v]) => v !== undefined),
  );

/** `running_groups=2,agent_containers=8,llm_dollars_per_day=20` (MLEBENCH_API_LIMITS): every user's default limits. */
function parseLimitsVariable(text: string | undefined): FileLimits {
  if (!text?.trim()) return undefined;
  const entries = text.split(',').map((pair) => {
    const [key, value] = pair.split('=').map((s) => s.trim());
    const n = Number(value);
    if (!key || !Number.isFinite(n)) throw new AccessConfigError(`MLEBENCH_API_LIMITS: "${pair}" is not name=number`);
    return [key, n];
  });
  const parsed = limitsSchema.safeParse(Object.fromEntries(entries));
  if (!parsed.success) throw new AccessConfigError(`MLEBENCH_API_LIMITS: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

/** `name:role:token,...` (MLEBENCH_API_TOKENS). */
function parseTokensVariable(text: string): z.input<typeof tokensFileSchema> {
  const users: Record<string, { role: string; token: string }> = {};
  for (const entry of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, role, ...rest] = entry.split(':');
    if (!name || !role || rest.length === 0)
      throw new AccessConfigError('MLEBENCH_API_TOKENS: each entry is user:role:token, separated by commas');
    users[name] = { role, token: rest.join(':') };
  }
  return { users } as z.input<typeof tokensFileSchema>;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1';
  return false;
}

/** The access policy of a server about to listen on `bindHost`; refuses a configuration that would expose it. */
export async function loadAccessPolicy(bindHost: string, env: NodeJS.ProcessEnv = process.env): Promise<AccessPolicy> {
  let raw: unknown;
  let source: string | undefined;
  if (env.MLEBENCH_API_TOKENS_FILE) {
    source = env.MLEBENCH_API_TOKENS_FILE;
    const text = await fs.readFile(source, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new AccessConfigError(`MLEBENCH_API_TOKENS_FILE=${source}: cannot read it (${err.code ?? err.message})`);
    });
    try {
      raw = parseYaml(text);
    } catch (err) {
      throw new AccessConfigError(`${source}: not YAML (${(err as Error).message.split('\n')[0]})`);
    }
  } else if (env.MLEBENCH_API_TOKENS) {
    source = 'MLEBENCH_API_TOKENS';
    raw = parseTokensVariable(env.MLEBENCH_API_TOKENS);
  }
  const defaults = parseLimitsVariable(env.MLEBENCH_API_LIMITS);
  let users: Map<string, ApiUser> | null = null;
  if (source) {
    const parsed = tokensFileSchema.safeParse(raw);
    // Never echo a token back: name the field, not the value.
    if (!parsed.success) throw new AccessConfigError(`${source}: ${formatZodError(parsed.error, { topLevel: '(file)' })}`);
    users = new Map();
    for (const [name, u] of Object.entries(parsed.data.users)) {
      const hash = u.token_sha256 ?? hashToken(u.token!);
      if (users.has(hash)) throw new AccessConfigError(`${source}: users.${name}: the same token as user "${users.get(hash)!.name}"`);
      users.set(hash, {
        name,
        role: u.role,
        limits: { ...limitsOf(defaults), ...limitsOf(parsed.data.defaults?.limits), ...limitsOf(u.limits) },
      });
    }
    if (users.size === 0) throw new AccessConfigError(`${source}: names no user`);
  } else if (!isLoopback(bindHost)) {
    throw new AccessConfigError(
      `refusing to serve ${bindHost} without tokens: anyone who reaches it could start agents and read every run. ` +
        'Set MLEBENCH_API_TOKENS_FILE (see docs/security.md) or MLEBENCH_API_TOKENS=user:role:token, or listen on 127.0.0.1',
    );
  }
  const allowedHosts = new Set(['localhost', '127.0.0.1', '::1']);
  const bind = bindHost.replace(/^\[|\]$/g, '');
  if (bind !== '0.0.0.0' && bind !== '::') allowedHosts.add(bind.toLowerCase());
  for (const h of (env.MLEBENCH_API_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean))
    allowedHosts.add(h);
  return { users, allowedHosts };
}

/** The Host header's name without its port ("[::1]:8000" → "::1"). */
export function hostName(header: string | undefined): string {
  const h = (header ?? '').trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  return h.replace(/:\d*$/, '');
}

export const TOKEN_COOKIE = 'mlebench_token';

/** The token a request carries: `Authorization: Bearer …`, else the page's cookie. */
export function requestToken(headers: { authorization?: string; cookie?: string }): string | undefined {
  const auth = headers.authorization;
  if (auth) return /^Bearer\s+(\S+)$/i.exec(auth)?.[1] ?? '';
  for (const part of (headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** The caller, or a 401 saying what is wrong (never which part of a token was). */
export function authenticate(policy: AccessPolicy, token: string | undefined): ApiUser {
  if (!policy.users) return LOCAL_USER;
  if (token === undefined)
    throw new AccessRefusal(
      401,
      'this server needs a token: send "Authorization: Bearer <token>" (the Python client: Client(base_url, token=...) or MLEBENCH_API_TOKEN)',
    );
  const digest = Buffer.from(hashToken(token), 'hex');
  for (const [hash, user] of policy.users) {
    if (timingSafeEqual(Buffer.from(hash, 'hex'), digest)) return user;
  }
  throw new AccessRefusal(401, "the token is not one of this server's");
}

const RANK: Record<Role, number> = { viewer: 0, runner: 1, admin: 2 };

/** Throws 403 unless the user's role allows the access. */
export function authorize(user: ApiUser, access: Access): void {
  if (access === 'run' && RANK[user.role] < RANK.runner) {
    throw new AccessRefusal(
      403,
      `user "${user.name}" is a ${user.role}: starting and cancelling run groups needs the runner or admin role`,
    );
  }
}

/** Throws 403 unless the user may cancel a group of `owner`'s: admins any, runners their own. */
export function authorizeCancel(user: ApiUser, groupId: string, owner: string | null): void {
  authorize(user, 'run');
  if (user.role !== 'admin' && owner !== user.name) {
    throw new AccessRefusal(
      403,
      `run group ${groupId} is ${owner ? `user "${owner}"'s` : 'not yours'}: a runner cancels only its own groups`,
    );
  }
}
