/**
 * Where things live, from the environment, resolved once. Every path the harness uses on disk
 * comes from here so that the CLI, the worker and the tests agree.
 */
import path from 'node:path';

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
}

export function harnessPaths(env: NodeJS.ProcessEnv = process.env): HarnessPaths {
  const home = path.resolve(env.MLEBENCH_HOME ?? path.join(REPO_ROOT, '.mlebench'));
  return {
    home,
    dataDir: path.resolve(env.MLEBENCH_DATA_DIR ?? path.join(home, 'data')),
    runsDir: path.resolve(env.MLEBENCH_RUNS_DIR ?? path.join(REPO_ROOT, 'runs')),
    competitionsDir: path.resolve(env.MLEBENCH_COMPETITIONS_DIR ?? path.join(REPO_ROOT, 'competitions')),
    agentsDir: path.join(REPO_ROOT, 'agents'),
    splitsDir: path.join(REPO_ROOT, 'splits'),
    techniquesDir: path.join(REPO_ROOT, 'techniques'),
  };
}

/** The pinned Temporal CLI, installed into the project by scripts/setup.sh when not on PATH. */
export const TEMPORAL_CLI_VERSION = '1.9.1';

export function temporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.MLEBENCH_TEMPORAL_CLI ?? path.join(harnessPaths(env).home, 'bin', 'temporal');
}
