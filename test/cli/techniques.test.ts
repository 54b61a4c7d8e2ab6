/**
 * Technique tasks from the command line: `mlebench run --technique-tasks --tasks …` on the
 * embedded Temporal, `mlebench list --techniques`, and a bad task name refused before anything starts.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildImages } from '../../core/sandbox/images';
import type { TechniqueGradesReport } from '../../core/techniques';
import { cliEnv, MLEBENCH_BIN } from '../helpers/cli';

const exec = promisify(execFile);

beforeAll(async () => {
  await buildImages();
});

interface RunJson {
  status: string;
  run_group_dir: string;
  runs: { task: string; competition_id: string; seed: number; outcome: string; score: number | null; criteria: { name: string }[] }[];
  skipped: { task: string; competition_id: string; reason: string }[];
}

describe('mlebench and technique tasks', () => {
  it('runs the chosen tasks on the applicable competitions and prints grades, criteria and skips', async () => {
    const { env } = cliEnv();
    const args = [
      'run',
      '--agent',
      'technique-reference',
      '--competitions',
      'spambase,sotu-authorship',
      '--technique-tasks',
      '--tasks',
      'leakage,imbalance',
      '--json',
    ];
    const { stdout } = await exec(process.execPath, [MLEBENCH_BIN, ...args], { env, timeout: 300_000 });
    const out = JSON.parse(stdout) as RunJson;
    expect(out.status).toBe('completed');
    expect(out.runs.map((r) => [r.task, r.competition_id, r.outcome])).toEqual([
      ['imbalance', 'spambase', 'succeeded'],
      ['leakage', 'spambase', 'succeeded'],
    ]);
    for (const run of out.runs) {
      expect(run.score).toBeGreaterThanOrEqual(0.9);
      expect(run.criteria.length).toBeGreaterThan(1);
    }
    expect(out.skipped.map((s) => `${s.task}/${s.competition_id}`)).toEqual(['imbalance/sotu-authorship', 'leakage/sotu-authorship']);
    const report = JSON.parse(readFileSync(path.join(out.run_group_dir, 'technique_grades.json'), 'utf8')) as TechniqueGradesReport;
    expect(Object.keys(report.by_task).sort()).toEqual(['imbalance', 'leakage']);
    expect(existsSync(path.join(out.run_group_dir, 'imbalance_spambase_seed-1', 'submission', 'imbalance_analysis.json'))).toBe(true);
  });

  it('lists the six tasks with the competitions each applies to', async () => {
    const { env } = cliEnv();
    const { stdout } = await exec(process.execPath, [MLEBENCH_BIN, 'list', '--techniques', '--json'], { env });
    const tasks = (JSON.parse(stdout) as { technique_tasks: { id: string; applies_to: string[]; writes: string[] }[] }).technique_tasks;
    expect(tasks.map((t) => t.id)).toEqual(['imbalance', 'missing', 'encoding', 'cv', 'scaling', 'leakage']);
    expect(tasks.find((t) => t.id === 'imbalance')?.applies_to).toEqual(['hpc-job-class', 'letter-recognition', 'spambase']);
    expect(tasks.find((t) => t.id === 'missing')?.writes).toContain('missing_analysis.json');
  });

  it('refuses an unknown task, naming it and the known ones', async () => {
    const { home, env } = cliEnv();
    const err = (await exec(
      process.execPath,
      [MLEBENCH_BIN, 'run', '--agent', 'dummy', '--competitions', 'spambase', '--technique-tasks', '--tasks', 'magic'],
      { env },
    ).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/unknown technique task magic; the tasks are imbalance, missing, encoding, cv, scaling, leakage/);
    expect(existsSync(path.join(home, 'temporal.db'))).toBe(false);
  });
});
