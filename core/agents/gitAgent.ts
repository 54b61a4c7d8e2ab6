/**
 * Agents from git, the registry's side: a pinned commit's agent folder (core/agents/git.ts) is
 * read by the same loaders as a local folder — ours (`agentId` its folder's name or
 * `<name>/<variant>`) or MLE-bench's (config.yaml keyed by id: `git.<id>`, as an operator's
 * folders are `<prefix>.<id>`) — and the run options' git source is pinned before a group starts.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { InvalidRunOptionsError, type RunOptionsInput } from '../options';
import { readYamlFile } from '../validation';
import { AgentConfigError } from './config';
import { gitAgentFolder, pinGitAgent, settingsOf, type GitAgentOptions } from './git';
import { GitAgentError, formatGitAgent, isGitAgentSpec, parseGitAgentSpec, type GitAgentRequest, type GitAgentSource } from './gitSource';
import { isMlebenchConfig, listMlebenchAgents, type MlebenchAgentSource } from './mlebench';
import { resolveAgent } from './registry';
import type { AgentSpec } from './types';

/** The prefix of an MLE-bench agent's id when it comes from git. */
export const GIT_MLEBENCH_PREFIX = 'git';

/** The agent of a pinned git source; `agentId` absent: the folder's own (its name, or its one MLE-bench id). */
export async function resolveGitAgent(source: GitAgentSource, agentId: string | undefined, opts: GitAgentOptions = {}): Promise<AgentSpec> {
  const { dir } = await gitAgentFolder(source, opts);
  const where = `git agent ${formatGitAgent(source)}`;
  const configFile = path.join(dir, 'config.yaml');
  if (!existsSync(configFile)) {
    throw new GitAgentError(
      `${where}: no config.yaml in ${source.subfolder ? `"${source.subfolder}"` : "the repository's root"} (an agent's folder holds its config.yaml and Dockerfile; name it with :<subfolder>)`,
    );
  }
  try {
    const config = await readYamlFile(configFile, (message) => new AgentConfigError(message));
    return isMlebenchConfig(config) ? await mlebenchAgentOf(dir, agentId) : await ourAgentOf(dir, agentId);
  } catch (err) {
    if (err instanceof GitAgentError) throw new GitAgentError(`${where}: ${err.message}`, { cause: err });
    throw new GitAgentError(`${where}: ${(err as Error).message}`, { cause: err });
  }
}

async function ourAgentOf(dir: string, agentId: string | undefined): Promise<AgentSpec> {
  const name = path.basename(dir);
  const id = agentId ?? name;
  if (id.split('/')[0] !== name)
    throw new GitAgentError(`its folder is the agent "${name}", not "${id}" (ids: ${name}, ${name}/<variant>)`);
  return resolveAgent(id, { agentsDir: path.dirname(dir) });
}

/** MLE-bench's paths are relative to the folder of agents, so that is the source; only this folder's ids count. */
async function mlebenchAgentOf(dir: string, agentId: string | undefined): Promise<AgentSpec> {
  const source: MlebenchAgentSource = { prefix: GIT_MLEBENCH_PREFIX, dir: path.dirname(dir) };
  const entries = (await listMlebenchAgents(source)).filter(
    (e) => !('spec' in e) || e.spec.mlebench?.configFile.startsWith(dir + path.sep),
  );
  const ids = entries.map((e) => e.id);
  const id = agentId ?? (ids.length === 1 ? ids[0] : `${GIT_MLEBENCH_PREFIX}.${path.basename(dir)}`);
  const entry = entries.find((e) => e.id === id);
  if (!entry) throw new GitAgentError(`its config.yaml (MLE-bench's format) declares ${ids.join(', ') || 'no agent'}, not "${id}"`);
  if (!('spec' in entry)) throw new GitAgentError(entry.refused);
  return entry.spec;
}

/** The agent a run names: one of agents/ (or an operator's folders), or a git source pinned to its commit. */
export async function resolveRunAgent(
  agentId: string,
  git: (GitAgentRequest & { commit?: string }) | undefined,
  opts: GitAgentOptions = {},
): Promise<AgentSpec> {
  if (!git) return resolveAgent(agentId);
  if (!git.commit) {
    throw new GitAgentError(`git agent ${formatGitAgent(git)}: not pinned to a commit (the client pins its ref before the group starts)`);
  }
  return resolveGitAgent({ ...git, commit: git.commit }, agentId, opts);
}

/**
 * The agent a client names, `<id>` or `git+<url>#<ref>[:<subfolder>]`: a git agent is pinned,
 * fetched and its config validated here, before anything starts; its id is `agentId` (a variant,
 * or one of an MLE-bench folder's ids) when given, else its folder's.
 */
export async function pinAgentOption(
  agent: string,
  opts: GitAgentOptions = {},
  agentId?: string,
): Promise<{ agentId: string; agentGit?: GitAgentSource }> {
  if (!isGitAgentSpec(agent)) return { agentId: agent };
  const source = await pinGitAgent(parseGitAgentSpec(agent, settingsOf(opts)), opts);
  return { agentId: (await resolveGitAgent(source, agentId, opts)).id, agentGit: source };
}

/** Run options with their git agent's ref pinned to a commit (unchanged without one, or already pinned). */
export async function pinRunOptions<T extends Pick<RunOptionsInput, 'agentGit'>>(input: T, opts: GitAgentOptions = {}): Promise<T> {
  if (!input.agentGit || input.agentGit.commit) return input;
  try {
    return { ...input, agentGit: await pinGitAgent(input.agentGit, opts) };
  } catch (err) {
    // The caller's to fix, named as the option it gave (the REST API says `gitlink`).
    if (err instanceof GitAgentError) throw new InvalidRunOptionsError([{ field: 'agentGit', reason: err.message }]);
    throw err;
  }
}
