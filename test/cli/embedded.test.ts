/**
 * The embedded default: with TEMPORAL_ADDRESS unset and nothing on localhost:7233, `mlebench run`
 * starts a Temporal dev server (SQLite under MLEBENCH_HOME) and a worker in the same process,
 * runs the baseline agent, and prints one JSON object.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { isPortOpen } from '../../temporal/devServer';
import { buildImages } from '../../core/sandbox/images';
import { cliEnv, MLEBENCH_BIN } from '../helpers/cli';

const exec = promisify(execFile);

beforeAll(async () => {
  await buildImages();
});

interface RunJson {
  run_group_id: string;
  status: string;
  run_group_dir: string;
  web_ui: string;
  runs: { competition_id: string; seed: number; outcome: string; score: number | null }[];
}

describe('mlebench run (embedded Temporal)', () => {
  it('starts a dev server and a worker, runs the baseline, and prints the results as JSON', async () => {
    expect(await isPortOpen(7233)).toBe(false);
    const { home, env } = cliEnv();
    const { stdout } = await exec(
      process.execPath,
      [MLEBENCH_BIN, 'run', '--agent', 'baseline', '--competitions', 'sotu-authorship', '--seeds', '2', '--max-parallel', '2', '--json'],
      { env, timeout: 300_000 },
    );
    const out = JSON.parse(stdout) as RunJson;
    expect(out.status).toBe('completed');
    expect(out.web_ui).toBe(`http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(out.run_group_id)}`);
    expect(out.runs).toHaveLength(2);
    for (const run of out.runs) {
      expect(run.outcome).toBe('succeeded');
      // The sample submission (uniform probabilities) scores log(3) ≈ 1.0986; the baseline must beat it.
      expect(run.score).toBeLessThan(1.0);
    }
    expect(out.run_group_dir.startsWith(path.join(home, 'runs'))).toBe(true);
    expect(existsSync(path.join(out.run_group_dir, 'grading_report.json'))).toBe(true);
    const code = readFileSync(path.join(out.run_group_dir, 'sotu-authorship_seed-1', 'run.json'), 'utf8');
    expect(JSON.parse(code)).toMatchObject({ outcome: 'succeeded', agentId: 'baseline' });
    // The server's state is a SQLite file under the harness home, and the server is gone afterwards.
    expect(existsSync(path.join(home, 'temporal.db'))).toBe(true);
    expect(await isPortOpen(7233)).toBe(false);
  });

  it('rejects unknown ids before anything starts, naming the field', async () => {
    const { home, env } = cliEnv();
    const err = (await exec(process.execPath, [MLEBENCH_BIN, 'run', '--agent', 'nobody', '--competitions', 'nope'], { env }).catch(
      (e: unknown) => e,
    )) as { code: number; stderr: string };
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/agentId: .*nobody/);
    expect(err.stderr).toMatch(/competitions: .*nope/);
    expect(existsSync(path.join(home, 'temporal.db'))).toBe(false);
  });
});
