/**
 * The process's configuration: its environment, handed over once by the entry point, and where
 * things live on disk, derived from it. Every path the harness uses on disk comes from here so
 * that the CLI, the worker and the tests agree.
 *
 * Nothing under core/ reads `process.env` (an ESLint rule): the edges (bin/mlebench's CLI, the
 * SDK's Client, the benchmarks, the tests' setup) call `useEnvironment(process.env)` at start-up,
 * and a core function that honours a variable takes an `env` parameter defaulting to it.
 */
import path from 'node:path';
import { PermanentError } from './errors';

/** Environment variables, as a process was started with them. */
export type Env = Readonly<Record<string, string | undefined>>;

let processEnvironment: Env = {};

/**
 * Hands the process's environment to core/, once, at start-up (again is harmless). It is kept by
 * reference, so a variable changed later (a test setting MLEBENCH_REPO) is seen. The log's format
 * and level are the entry point's own choice (configureLog in core/log.ts): a worker started in the
 * CLI's process hands the environment over again and must not undo it.
 */
export function useEnvironment(env: Env): void {
  processEnvironment = env;
}

/** The environment the entry point handed over; empty (every setting at its default) until then. */
export function environment(): Env {
  return processEnvironment;
}

/** The repository root (holds competitions/, agents/, splits/). Works from sources and from dist/. */
export const REPO_ROOT = findRepoRoot(__dirname);

function findRepoRoot(start: string): string {
  // core/ is one level below the root in sources, two in dist/.
  const candidates = [path.resolve(start, '..'), path.resolve(start, '..', '..')];
  return candidates.find((c) => path.basename(c) !== 'dist' && !c.endsWith(`${path.sep}dist`)) ?? candidates[0]!;
}

export interface HarnessPaths {
  /** Harness state: Temporal's SQLite file, installed binaries, caches. */
  home: string;
  /** Prepared competitions: `<dataDir>/<id>/prepared/{public,private}`. */
  dataDir: string;
  /** Run-group folders. */
  runsDir: string;
  /**
   * Competition definitions (`<dir>/<id>/config.yaml`). MLEBENCH_COMPETITIONS_DIR points elsewhere,
   * for competitions that are not the repository's (the grading benchmark's synthetic one).
   */
  competitionsDir: string;
  agentsDir: string;
  splitsDir: string;
  /** Technique task descriptions (`<dir>/<task>/description.md`). */
  techniquesDir: string;
  /** Agents from git, one folder per commit (core/agents/git.ts). */
  gitAgentsDir: string;
}

export function harnessPaths(env: Env = environment()): HarnessPaths {
  const home = path.resolve(env.MLEBENCH_HOME ?? path.join(REPO_ROOT, '.mlebench'));
  return {
    home,
    dataDir: path.resolve(env.MLEBENCH_DATA_DIR ?? path.join(home, 'data')),
    runsDir: path.resolve(env.MLEBENCH_RUNS_DIR ?? path.join(REPO_ROOT, 'runs')),
    competitionsDir: path.resolve(env.MLEBENCH_COMPETITIONS_DIR ?? path.join(REPO_ROOT, 'competitions')),
    agentsDir: path.join(REPO_ROOT, 'agents'),
    splitsDir: path.join(REPO_ROOT, 'splits'),
    techniquesDir: path.join(REPO_ROOT, 'techniques'),
    gitAgentsDir: path.join(home, 'git-agents'),
  };
}

/** The pinned Temporal CLI, installed into the project by scripts/setup.sh when not on PATH. */
export const TEMPORAL_CLI_VERSION = '1.9.1';

export function temporalCliPath(env: Env = environment()): string {
  return env.MLEBENCH_TEMPORAL_CLI ?? path.join(harnessPaths(env).home, 'bin', 'temporal');
}

/**
 * Where the `mlebench-env` image comes from (MLEBENCH_ENV_SOURCE, the operator's choice):
 * `compat` (the default) is images/mlebench-env/ on our base image, offline; `checkout` builds the
 * MLE-bench checkout's environment/Dockerfile (MLEBENCH_REPO), which needs an image registry and
 * the network, then our compatibility layer on top (core/sandbox/mlebenchImages.ts).
 */
export type MlebenchEnvSource = 'compat' | 'checkout';
export const MLEBENCH_ENV_SOURCES: readonly MlebenchEnvSource[] = ['compat', 'checkout'];

export function mlebenchEnvSource(env: Env = environment()): MlebenchEnvSource {
  const value = env.MLEBENCH_ENV_SOURCE?.trim() || 'compat';
  if ((MLEBENCH_ENV_SOURCES as readonly string[]).includes(value)) return value as MlebenchEnvSource;
  throw new PermanentError(`MLEBENCH_ENV_SOURCE must be ${MLEBENCH_ENV_SOURCES.map((s) => `"${s}"`).join(' or ')}, not "${value}"`);
}
