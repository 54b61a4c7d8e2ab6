/**
 * The README's Temporal CLI example, run as written (with TEMPORAL_ADDRESS pointing at the test
 * server): `temporal workflow start --type runGroup ...` runs a group to completion with a worker up.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, temporalCliPath } from '../../core/config';
import type { GroupProgress } from '../../core/runs/types';
import { temporalSuite } from '../helpers/temporalSuite';

const exec = promisify(execFile);
const h = temporalSuite('in-process');

/** The bash block that follows the `temporal-cli-example` marker in README.md. */
function readmeExample(): string {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const match = /<!-- temporal-cli-example[^>]*-->\s*```bash\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README.md has no temporal-cli-example block');
  return match[1]!;
}

describe('the Temporal CLI way in', () => {
  it('runs the README command to completion', async () => {
    const script = readmeExample();
    expect(script).toMatch(/temporal workflow start --type runGroup --task-queue mlebench/);
    const env = { ...process.env, TEMPORAL_ADDRESS: h.env.address };
    expect(path.dirname(temporalCliPath())).toBe(path.join(REPO_ROOT, '.mlebench', 'bin'));
    const worker = await h.newWorker();
    const { stdout, query } = await worker.runUntil(async () => {
      const run = await exec('bash', ['-euo', 'pipefail', '-c', script], { cwd: REPO_ROOT, env, timeout: 240_000 });
      // The README's progress query, also through the CLI (a query needs a worker up).
      const query = await exec(
        temporalCliPath(),
        ['workflow', 'query', '--workflow-id', 'my-first-group', '--name', 'progress', '-o', 'json'],
        { env },
      );
      return { stdout: run.stdout, query: query.stdout };
    });
    expect(stdout).toMatch(/my-first-group/);
    expect(stdout).toMatch(/COMPLETED/i);

    const summary = await h.client.getRunSummary('my-first-group');
    expect(summary.status).toBe('COMPLETED');
    expect(summary.runs.map((r) => [r.seed, r.outcome])).toEqual([
      [1, 'succeeded'],
      [2, 'succeeded'],
    ]);
    expect(summary.gradingReport?.total_valid_submissions).toBe(2);

    const progress = (JSON.parse(query) as { queryResult: GroupProgress[] }).queryResult[0]!;
    expect(progress).toMatchObject({ status: 'completed', done: 2, total: 2 });
  });
});
