/**
 * Agents in MLE-bench's own format, run unchanged: a folder of agents (an MLE-bench checkout's
 * agents/, or any other) whose config.yaml files map agent ids to
 *
 *   <id>: { start, dockerfile, kwargs, kwargs_type, env_vars, privileged }
 *
 * (`start` and `dockerfile` relative to the folder; YAML anchors and `<<` merge keys as aide's
 * config uses them). MLE-bench builds the Dockerfile's folder `FROM mlebench-env` with four build
 * args and runs `bash /home/agent/start.sh` with the kwargs on its command line; here the same,
 * inside this harness's sandbox. What the sandbox cannot give is refused with the reason, before
 * anything runs: a privileged container, any secret but `OPENAI_API_KEY` (which becomes the run's
 * gateway token, never a real key).
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, parseDocument } from 'yaml';
import { z } from 'zod';
import { mlebenchAgentImageTag } from '../sandbox/imageTags';
import { formatZodError, readConfigText } from '../validation';
import { AGENT_NAME_RE, AgentConfigError, DEFAULT_VARIANT } from './config';
import type { AgentSpec } from './types';

/** MLE-bench's agents/.shared_env: where its agents find their folders in the container. */
export const MLEBENCH_AGENT_PATHS = {
  SUBMISSION_DIR: '/home/submission',
  LOGS_DIR: '/home/logs',
  CODE_DIR: '/home/code',
  AGENT_DIR: '/home/agent',
} as const;
/** What MLE-bench's agents/run.py executes, whatever `start` names (it only checks that it exists). */
const START_COMMAND = ['bash', `${MLEBENCH_AGENT_PATHS.AGENT_DIR}/start.sh`];
/** The one secret this harness gives: the run's gateway token, under the variable(s) that ask for it. */
export const GATEWAY_SECRET = 'OPENAI_API_KEY';
/** agents/utils.py's pattern (matched at the value's start, as `re.match` does). */
const SECRET_RE = /^\$\{\{\s*secrets\.(\w+)\s*\}\}/;

/** A folder of MLE-bench agents and the prefix that keeps its ids apart from ours (`<prefix>.<id>`). */
export interface MlebenchAgentSource {
  prefix: string;
  dir: string;
}

const entrySchema = z.object({
  start: z.string('the start script, relative to the agents folder').min(1),
  dockerfile: z.string('the Dockerfile, relative to the agents folder').min(1),
  kwargs: z.record(z.string(), z.unknown(), 'a mapping of arguments').nullish(),
  kwargs_type: z.string('"omegaconf" or "argparse"').nullish(),
  env_vars: z.record(z.string(), z.unknown(), 'a mapping of environment variables').nullish(),
  privileged: z.boolean('true or false').nullish(),
});

/** One id of an MLE-bench config.yaml: its spec, or why this harness will not run it. */
export type MlebenchAgentEntry = { id: string; spec: AgentSpec } | { id: string; refused: string };

/** Python's str() of a float: `3.0`, `1e-05`, `1e+16`, `inf`, `nan`. */
function pythonFloat(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa = '', exp = ''] = n.toExponential().split('e');
    const sign = exp.startsWith('-') ? '-' : '+';
    return `${mantissa}e${sign}${exp.replace(/^[-+]/, '').padStart(2, '0')}`;
  }
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

/**
 * Python's str() of a YAML scalar, as MLE-bench puts kwargs and env values on a command line or in
 * the environment. Integers are read as bigints (readConfig), so a number is a float: `1.0` stays `1.0`.
 */
function pythonStr(value: unknown, where: string): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'bigint' || typeof value === 'string') return String(value);
  if (typeof value === 'number') return pythonFloat(value);
  throw new AgentConfigError(`${where}: a nested value; only strings, numbers and booleans can be passed on`);
}

function secretOf(value: unknown): string | undefined {
  return typeof value === 'string' ? SECRET_RE.exec(value)?.[1] : undefined;
}

/** The start script's arguments, as agents/run.py builds them. */
export function kwargsArgv(kwargs: Record<string, unknown>, kwargsType: string | undefined, where: string): string[] {
  const entries = Object.entries(kwargs);
  for (const [key, value] of entries) {
    if (secretOf(value))
      throw new AgentConfigError(
        `${where}.kwargs.${key}: a secret on the command line; this harness gives secrets only in env_vars (only ${GATEWAY_SECRET}, as the run's gateway token)`,
      );
  }
  if (kwargsType === undefined) {
    if (entries.length) throw new AgentConfigError(`${where}: kwargs_type must be set when kwargs are given (as MLE-bench requires)`);
    return [];
  }
  if (kwargsType === 'omegaconf') return entries.map(([k, v]) => `${k}=${pythonStr(v, `${where}.kwargs.${k}`)}`);
  if (kwargsType === 'argparse') return entries.flatMap(([k, v]) => [`--${k}`, pythonStr(v, `${where}.kwargs.${k}`)]);
  throw new AgentConfigError(
    `${where}.kwargs_type: "${kwargsType}" is neither "omegaconf" nor "argparse" (MLE-bench would pass no kwargs)`,
  );
}

/** env_vars: literals as strings; `${{ secrets.OPENAI_API_KEY }}` names a variable that gets the gateway token; any other secret is refused. */
export function envVars(envVars: Record<string, unknown>, where: string): { env: Record<string, string>; tokenEnv: string[] } {
  const env: Record<string, string> = {};
  const tokenEnv: string[] = [];
  for (const [key, value] of Object.entries(envVars)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new AgentConfigError(`${where}.env_vars: "${key}" is not an environment variable name`);
    const secret = secretOf(value);
    if (secret === GATEWAY_SECRET) tokenEnv.push(key);
    else if (secret !== undefined)
      throw new AgentConfigError(
        `${where}.env_vars.${key}: the secret ${secret} is not given here: containers reach no network but the harness's LLM gateway, and ${GATEWAY_SECRET} (the run's gateway token) is the only secret`,
      );
    else if (key === GATEWAY_SECRET)
      throw new AgentConfigError(
        `${where}.env_vars.${key}: a literal key; write \${{ secrets.${GATEWAY_SECRET} }} and the run gets its gateway token (a real key never enters a container)`,
      );
    else env[key] = pythonStr(value, `${where}.env_vars.${key}`);
  }
  return { env, tokenEnv };
}

/** A path of the config, inside the agents folder (MLE-bench joins them the same way, without the check). */
function inside(dir: string, rel: string, where: string): string {
  const abs = path.resolve(dir, rel);
  if (path.relative(dir, abs).startsWith('..') || path.isAbsolute(rel))
    throw new AgentConfigError(`${where}: "${rel}" is outside the agents folder ${dir}`);
  if (!existsSync(abs)) throw new AgentConfigError(`${where}: ${abs} does not exist`);
  return abs;
}

function toSpec(source: MlebenchAgentSource, configFile: string, mlebenchId: string, raw: unknown): AgentSpec {
  const where = `${configFile}: ${mlebenchId}`;
  const parsed = entrySchema.safeParse(raw);
  if (!parsed.success) throw new AgentConfigError(`${where}: ${formatZodError(parsed.error)}`);
  const entry = parsed.data;
  if (entry.privileged)
    throw new AgentConfigError(
      `${where}: privileged: true is refused: this harness never runs a privileged container (every capability dropped, no network, non-root); MLE-bench itself runs it only with I_ACCEPT_RUNNING_PRIVILEGED_CONTAINERS`,
    );
  inside(source.dir, entry.start, `${where}.start`);
  const dockerfile = inside(source.dir, entry.dockerfile, `${where}.dockerfile`);
  const argv = kwargsArgv(entry.kwargs ?? {}, entry.kwargs_type ?? undefined, where);
  const { env, tokenEnv } = envVars(entry.env_vars ?? {}, where);
  const id = `${source.prefix}.${mlebenchId}`;
  const [name = '', variant] = id.split(/\/(.*)/s);
  if (!AGENT_NAME_RE.test(name) || (variant !== undefined && !/^[a-z0-9][a-z0-9._-]*$/.test(variant)))
    throw new AgentConfigError(`${where}: the id "${mlebenchId}" does not make an agent id here (lowercase letters, digits, . _ -, one /)`);
  // MLE-bench builds the Dockerfile's folder (docker build agents/<agent>/).
  const context = path.dirname(dockerfile);
  return {
    id,
    name,
    variant: variant ?? DEFAULT_VARIANT,
    // No server path: descriptions reach REST callers.
    description: `MLE-bench agent "${mlebenchId}" (${path.relative(source.dir, configFile)} of the ${source.prefix} agents folder), run unchanged on mlebench-env`,
    image: mlebenchAgentImageTag(name, context, path.basename(dockerfile)),
    dir: context,
    command: [...START_COMMAND, ...argv],
    env,
    // Our sandbox's rules hold: /home/agent is the run's tmpfs, filled from the image at start (images/mlebench-env).
    readOnlyRootfs: true,
    retries: 0,
    ...(tokenEnv.length ? { llm: true } : {}),
    mlebench: { configFile, mlebenchId, dockerfile: path.basename(dockerfile), ...(tokenEnv.length ? { tokenEnv } : {}) },
  };
}

/** The config.yaml files under a folder, as MLE-bench's registry globs them (`**\/config.yaml`), sorted. */
async function configFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') await walk(path.join(d, e.name));
      else if (e.isFile() && e.name === 'config.yaml') out.push(path.join(d, e.name));
    }
  };
  if (existsSync(dir)) await walk(dir);
  return out.sort();
}

interface ParsedConfig {
  file: string;
  values: Record<string, unknown>;
  /** Top-level keys whose value is an anchor (aide's `defaults: &defaults`): bases to merge, not agents to list. */
  anchored: Set<string>;
}

async function readConfig(file: string): Promise<ParsedConfig> {
  const doc = parseDocument(await readConfigText(file, (message) => new AgentConfigError(message)), { merge: true, intAsBigInt: true });
  if (doc.errors.length) throw new AgentConfigError(`${file}: not valid YAML: ${doc.errors[0]!.message}`);
  const values: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (typeof values !== 'object' || values === null || Array.isArray(values))
    throw new AgentConfigError(`${file}: a mapping of agent ids is expected`);
  const anchored = new Set<string>();
  if (isMap(doc.contents))
    for (const pair of doc.contents.items) {
      const value = pair.value as { anchor?: string } | null;
      if (isScalar(pair.key) && value?.anchor) anchored.add(String(pair.key.value));
    }
  return { file, values: values as Record<string, unknown>, anchored };
}

const looksLikeAgent = (v: unknown): boolean => typeof v === 'object' && v !== null && 'start' in v && 'dockerfile' in v;

/** Whether a config.yaml is MLE-bench's (ids mapping to start + dockerfile) rather than ours. */
export function isMlebenchConfig(values: unknown): boolean {
  return typeof values === 'object' && values !== null && !('description' in values) && Object.values(values).some(looksLikeAgent);
}

/** Every agent of a source (the entries that are merge bases left out), each with its spec or the reason it is refused. */
export async function listMlebenchAgents(source: MlebenchAgentSource): Promise<MlebenchAgentEntry[]> {
  const out: MlebenchAgentEntry[] = [];
  for (const file of await configFiles(source.dir)) {
    const config = await readConfig(file);
    for (const [mlebenchId, raw] of Object.entries(config.values)) {
      if (!looksLikeAgent(raw) || config.anchored.has(mlebenchId)) continue;
      const id = `${source.prefix}.${mlebenchId}`;
      try {
        out.push({ id, spec: toSpec(source, file, mlebenchId, raw) });
      } catch (err) {
        if (!(err instanceof AgentConfigError)) throw err;
        out.push({ id, refused: err.message });
      }
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/** The spec of one MLE-bench id (the first config.yaml declaring it wins, as in MLE-bench); undefined when none does. */
export async function resolveMlebenchAgent(source: MlebenchAgentSource, mlebenchId: string): Promise<AgentSpec | undefined> {
  for (const file of await configFiles(source.dir)) {
    const config = await readConfig(file);
    if (Object.hasOwn(config.values, mlebenchId)) return toSpec(source, file, mlebenchId, config.values[mlebenchId]);
  }
  return undefined;
}
