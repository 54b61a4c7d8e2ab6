/** Running the `mlebench` command as a user would: a separate process, its own harness home. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, temporalCliPath } from '../../core/config';

export const MLEBENCH_BIN = path.join(REPO_ROOT, 'bin', 'mlebench.js');

/** A fresh harness home and the environment that points the CLI at it (and at `extra`). */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): { home: string; env: NodeJS.ProcessEnv } {
  const home = mkdtempSync(path.join(os.tmpdir(), 'mlebench-home-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MLEBENCH_HOME: home,
    MLEBENCH_RUNS_DIR: path.join(home, 'runs'),
    MLEBENCH_TEMPORAL_CLI: temporalCliPath(),
    MLEBENCH_LOG_LEVEL: 'warn',
    ...extra,
  };
  if (!('TEMPORAL_ADDRESS' in extra)) delete env.TEMPORAL_ADDRESS;
  return { home, env };
}
