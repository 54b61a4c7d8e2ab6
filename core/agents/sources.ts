/**
 * Where agents in MLE-bench's format come from, besides the repository's agents/: an operator's
 * setting of the process that resolves them (CLI, worker), never a REST caller's. Each folder has a
 * prefix that keeps its ids apart from ours and from each other's (MLE-bench has a `dummy` too):
 *
 *   MLEBENCH_REPO=/srv/mle-bench              → its agents/ as `mlebench.<id>` (mlebench.dummy, mlebench.aide/dev)
 *   MLEBENCH_AGENT_DIRS=team=/srv/agents,...   → each folder as `<prefix>.<id>`
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { environment, type Env } from '../config';
import { configuredCheckoutPath } from '../mlebench/checkout';
import { AgentConfigError } from './config';
import type { MlebenchAgentSource } from './mlebench';

export const AGENT_DIRS_ENV = 'MLEBENCH_AGENT_DIRS';
/** The prefix of an MLE-bench checkout's agents/. */
export const CHECKOUT_PREFIX = 'mlebench';
/** No dot: an id's prefix ends at its first dot. */
const PREFIX_RE = /^[a-z0-9]+(?:[_-][a-z0-9]+)*$/;

/** The configured folders of MLE-bench agents; a malformed setting throws AgentConfigError naming it. */
export function mlebenchAgentSources(env: Env = environment()): MlebenchAgentSource[] {
  const sources: MlebenchAgentSource[] = [];
  const checkout = configuredCheckoutPath(undefined, env);
  if (checkout && existsSync(path.join(checkout, 'agents'))) sources.push({ prefix: CHECKOUT_PREFIX, dir: path.join(checkout, 'agents') });
  for (const item of (env[AGENT_DIRS_ENV] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = item.indexOf('=');
    const prefix = item.slice(0, eq);
    const dir = item.slice(eq + 1);
    const bad = (reason: string) =>
      new AgentConfigError(`${AGENT_DIRS_ENV}: "${item}": ${reason} (expected prefix=/absolute/folder, comma-separated)`);
    if (eq < 0 || !PREFIX_RE.test(prefix)) throw bad('the prefix must be lowercase letters and digits (- _ between, no dot)');
    if (!path.isAbsolute(dir)) throw bad('the folder must be an absolute path');
    if (!existsSync(dir)) throw bad('the folder does not exist');
    if (sources.some((s) => s.prefix === prefix)) throw bad(`the prefix "${prefix}" is taken`);
    sources.push({ prefix, dir: path.resolve(dir) });
  }
  return sources;
}

/** The source an id's prefix names (`<prefix>.<id>`), if any. */
export function sourceOfId(
  agentId: string,
  sources: MlebenchAgentSource[],
): { source: MlebenchAgentSource; mlebenchId: string } | undefined {
  const dot = agentId.indexOf('.');
  if (dot < 0) return undefined;
  const source = sources.find((s) => s.prefix === agentId.slice(0, dot));
  return source ? { source, mlebenchId: agentId.slice(dot + 1) } : undefined;
}
