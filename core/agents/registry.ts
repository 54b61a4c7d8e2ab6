/**
 * The agents registry: agents/<name>/config.yaml declares an agent and its variants, built from
 * the same folder (Dockerfile + start script). Ids are `<name>` (the default variant) and
 * `<name>/<variant>`, as in MLE-bench. Agents in MLE-bench's own format come from the folders an
 * operator configures (sources.ts), as `<prefix>.<id>` (mlebench.ts).
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { harnessPaths } from '../config';
import { agentImageTag, baseImageTag } from '../sandbox/imageTags';
import { AGENT_NAME_RE, AgentConfigError, DEFAULT_VARIANT, loadAgentConfig, type AgentConfig } from './config';
import type { AgentSpec } from './types';
import { PermanentError } from '../errors';
import { listMlebenchAgents, resolveMlebenchAgent, type MlebenchAgentSource } from './mlebench';
import { mlebenchAgentSources, sourceOfId } from './sources';

export interface AgentRegistryOptions {
  /** Where agent folders live (default: the repository's agents/). */
  agentsDir?: string;
  /** The base image agents build on (default: the content-addressed tag of images/). */
  baseImage?: string;
  /** Folders of agents in MLE-bench's format (default: the configured ones, sources.ts). */
  mlebenchSources?: MlebenchAgentSource[];
}

/** Thrown for an id no agent declares: permanent, and its name is the failure type clients see. */
export class UnknownAgentError extends PermanentError {
  override name = 'UnknownAgentError';
  constructor(
    readonly agentId: string,
    readonly knownIds: string[],
  ) {
    super(`unknown agent "${agentId}"; known agents: ${knownIds.join(', ') || '(none)'}`);
  }
}

/** One agent folder: what its image is built from, and its variants. */
export interface AgentDefinition {
  name: string;
  dir: string;
  image: string;
  config: AgentConfig;
}

function agentsDirOf(opts: AgentRegistryOptions): string {
  return opts.agentsDir ?? harnessPaths().agentsDir;
}

function sourcesOf(opts: AgentRegistryOptions): MlebenchAgentSource[] {
  return opts.mlebenchSources ?? mlebenchAgentSources();
}

/** The MLE-bench agents this harness runs (a refused one, e.g. privileged, is left out; resolving it says why). */
async function mlebenchSpecs(opts: AgentRegistryOptions): Promise<AgentSpec[]> {
  const lists = await Promise.all(sourcesOf(opts).map(listMlebenchAgents));
  return lists.flat().flatMap((e) => ('spec' in e ? [e.spec] : []));
}

/** Folder names under agents/ that hold a config.yaml (other files, e.g. instructions.txt, are not agents). */
async function agentNames(agentsDir: string): Promise<string[]> {
  if (!existsSync(agentsDir)) return [];
  return (await fs.readdir(agentsDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && existsSync(path.join(agentsDir, e.name, 'config.yaml')))
    .map((e) => e.name)
    .sort();
}

/** Loads agents/<name>/: validates its config.yaml and that it has a Dockerfile. */
export async function loadAgentDefinition(name: string, opts: AgentRegistryOptions = {}): Promise<AgentDefinition> {
  const dir = path.join(agentsDirOf(opts), name);
  const configFile = path.join(dir, 'config.yaml');
  if (!AGENT_NAME_RE.test(name)) {
    throw new AgentConfigError(
      `${configFile}: the folder name "${name}" is not a valid agent name (lowercase letters and digits, separated by . _ -)`,
    );
  }
  const config = await loadAgentConfig(configFile);
  if (!existsSync(path.join(dir, 'Dockerfile'))) {
    throw new AgentConfigError(`${path.join(dir, 'Dockerfile')}: missing (every agent folder builds its image from one)`);
  }
  return { name, dir, image: agentImageTag(name, dir, opts.baseImage ?? baseImageTag()), config };
}

/** Every agent folder; a malformed one throws AgentConfigError. */
export async function listAgentDefinitions(opts: AgentRegistryOptions = {}): Promise<AgentDefinition[]> {
  const baseImage = opts.baseImage ?? baseImageTag();
  return Promise.all((await agentNames(agentsDirOf(opts))).map((name) => loadAgentDefinition(name, { ...opts, baseImage })));
}

function variantSpecs(def: AgentDefinition): AgentSpec[] {
  const { config } = def;
  const common = {
    name: def.name,
    image: def.image,
    dir: def.dir,
    readOnlyRootfs: config.readOnlyRootfs,
    retries: config.retries,
    ...(config.llm ? { llm: true } : {}),
    ...(config.llmBudget ? { llmBudget: config.llmBudget } : {}),
  };
  const specs: AgentSpec[] = [
    {
      ...common,
      id: def.name,
      variant: DEFAULT_VARIANT,
      description: config.description,
      command: config.command,
      env: { ...config.env },
      ...(config.gpus ? { gpus: config.gpus } : {}),
    },
  ];
  for (const [variant, v] of Object.entries(config.variants)) {
    specs.push({
      ...common,
      id: `${def.name}/${variant}`,
      variant,
      description: v.description ?? config.description,
      command: v.command ?? config.command,
      env: { ...config.env, ...v.env },
      retries: v.retries ?? config.retries,
      ...((v.gpus ?? config.gpus) ? { gpus: v.gpus ?? config.gpus } : {}),
      ...(v.llmBudget || config.llmBudget ? { llmBudget: { ...config.llmBudget, ...v.llmBudget } } : {}),
    });
  }
  // Leave `command` out rather than undefined, so specs compare and serialise cleanly.
  return specs.map((s) => (s.command ? s : (({ command: _c, ...rest }) => rest)(s)));
}

/** Every agent id with its spec, sorted by id; a malformed config throws AgentConfigError. */
export async function listAgents(opts: AgentRegistryOptions = {}): Promise<AgentSpec[]> {
  const specs = [...(await listAgentDefinitions(opts)).flatMap(variantSpecs), ...(await mlebenchSpecs(opts))];
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.id))
      throw new AgentConfigError(`agent id "${s.id}" is declared twice (${s.dir}); rename the folder or change the prefix`);
    seen.add(s.id);
  }
  return specs.sort((a, b) => a.id.localeCompare(b.id));
}

/** The ids that load cleanly, for error messages (a broken config must not hide the others). */
async function knownIds(opts: AgentRegistryOptions): Promise<string[]> {
  const baseImage = opts.baseImage ?? baseImageTag();
  const ids = await Promise.all(
    (await agentNames(agentsDirOf(opts))).map((name) =>
      loadAgentDefinition(name, { ...opts, baseImage }).then(
        (def) => variantSpecs(def).map((s) => s.id),
        () => [],
      ),
    ),
  );
  const external = await mlebenchSpecs(opts).catch(() => []);
  return [...ids.flat(), ...external.map((s) => s.id)].sort();
}

/**
 * The spec of `<name>` or `<name>/<variant>`. Only that agent's config is read, so one broken
 * agent does not stop the others. Unknown → UnknownAgentError; malformed → AgentConfigError.
 */
export async function resolveAgent(agentId: string, opts: AgentRegistryOptions = {}): Promise<AgentSpec> {
  const external = sourceOfId(agentId, sourcesOf(opts));
  if (external) {
    const spec = await resolveMlebenchAgent(external.source, external.mlebenchId);
    if (!spec) throw new UnknownAgentError(agentId, await knownIds(opts));
    return spec;
  }
  const name = agentId.split('/')[0] ?? '';
  if (!AGENT_NAME_RE.test(name) || !(await agentNames(agentsDirOf(opts))).includes(name)) {
    throw new UnknownAgentError(agentId, await knownIds(opts));
  }
  // By exact id: `<name>/default` is not an alias of `<name>`.
  const spec = variantSpecs(await loadAgentDefinition(name, opts)).find((s) => s.id === agentId);
  if (!spec) throw new UnknownAgentError(agentId, await knownIds(opts));
  return spec;
}
