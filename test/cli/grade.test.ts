/**
 * `mlebench grade` as a user runs it (a separate process, after `npm run build`): one file with
 * --competition, the --submission alias, and MLE-bench's batch mode (--jsonl, --output-dir) whose
 * report has MLE-bench's file name and fields in MLE-bench's order. Competitions come from a
 * temporary MLEBENCH_COMPETITIONS_DIR (the `synthetic` prepare step).
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, MLEBENCH_BIN } from '../helpers/cli';
import { MLEBENCH_REPORT_KEYS, MLEBENCH_RUN_KEYS } from '../helpers/mlebenchReport';
import { writeSyntheticCompetition } from '../helpers/syntheticCompetition';

const exec = promisify(execFile);
let home: string;
let env: NodeJS.ProcessEnv;
let good: string;
let bad: string;
let auc: string;

async function mlebench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [MLEBENCH_BIN, ...args], { env, cwd: home });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  ({ home, env } = cliEnv());
  const competitionsDir = path.join(home, 'competitions');
  env.MLEBENCH_COMPETITIONS_DIR = competitionsDir;
  await writeSyntheticCompetition(competitionsDir, {
    id: 'syn-labels',
    metric: 'accuracy',
    targetColumn: 'label',
    options: { task: 'labels', rows: 50, classes: 3 },
  });
  await writeSyntheticCompetition(competitionsDir, {
    id: 'syn-auc',
    metric: 'roc-auc',
    targetColumn: 'target',
    options: { task: 'binary', rows: 50 },
  });
  // Preparing writes the answers, from which the submissions below are made.
  expect((await mlebench(['prepare', '--competitions', 'syn-labels,syn-auc'])).code).toBe(0);
  const answers = (await fs.readFile(path.join(home, 'data', 'syn-labels', 'prepared', 'private', 'answers.csv'), 'utf8'))
    .trim()
    .split('\n');
  good = path.join(home, 'good.csv');
  await fs.writeFile(good, `${answers.join('\n')}\n`); // the answers themselves: accuracy 1
  bad = path.join(home, 'bad.csv');
  await fs.writeFile(bad, 'id,label\nnope,class_0\n');
  auc = path.join(home, 'auc.csv');
  await fs.copyFile(path.join(home, 'data', 'syn-auc', 'prepared', 'public', 'sample_submission.csv'), auc);
});

describe('mlebench grade FILE --competition ID', () => {
  it('prints the report as JSON', async () => {
    const { code, stdout } = await mlebench(['grade', good, '--competition', 'syn-labels', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      competition_id: 'syn-labels',
      score: 1,
      valid_submission: true,
      gold_medal: true,
      submission_path: good,
    });
  });

  it('keeps --submission as an alias, and prints one line for people', async () => {
    const { code, stdout } = await mlebench(['grade', '--submission', good, '-c', 'syn-labels']);
    expect(code).toBe(0);
    expect(stdout).toBe('score 1 (higher is better); medal gold; above median true\n');
  });

  it('an invalid submission: the reason, exit code 2', async () => {
    const { code, stdout } = await mlebench(['grade', bad, '--competition', 'syn-labels']);
    expect(code).toBe(2);
    expect(stdout).toBe('invalid submission: unknown ids (not in the test set): nope\n');
  });

  it('refuses contradictory or missing arguments, naming them', async () => {
    expect(await mlebench(['grade', good])).toMatchObject({
      code: 1,
      stderr: `mlebench: grade: --competition ID is needed to grade ${good}\n`,
    });
    expect((await mlebench(['grade'])).stderr).toMatch(/give a submission FILE \(with --competition ID\) or --jsonl FILE --output-dir DIR/);
    expect((await mlebench(['grade', good, '--jsonl', 'x.jsonl', '--output-dir', 'out'])).stderr).toMatch(
      /either a submission FILE or --jsonl, not both/,
    );
    expect((await mlebench(['grade', '--jsonl', 'x.jsonl'])).stderr).toMatch(/--jsonl needs --output-dir DIR/);
  });
});

describe('mlebench grade --jsonl FILE --output-dir DIR (MLE-bench batch mode)', () => {
  it('writes <timestamp>_grading_report.json with the totals and reports, fields in MLE-bench order', async () => {
    const jsonl = path.join(home, 'submissions.jsonl');
    const lines = [
      JSON.stringify({ competition_id: 'syn-labels', submission_path: good }),
      '# a comment, skipped as MLE-bench does',
      JSON.stringify({ competition_id: 'syn-labels', submission_path: bad }),
      '',
      JSON.stringify({ competition_id: 'syn-auc', submission_path: auc }),
      JSON.stringify({ competition_id: 'syn-auc', submission_path: 'missing.csv' }),
    ];
    await fs.writeFile(jsonl, `${lines.join('\n')}\n`);
    const out = path.join(home, 'reports');
    const { code, stdout } = await mlebench(['grade', '--jsonl', jsonl, '--output-dir', out]);
    expect(code).toBe(0);
    const files = await fs.readdir(out);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-GMT_grading_report\.json$/);
    expect(stdout).toContain(`grading report: ${path.join(out, files[0]!)}`);
    expect(stdout).toContain('syn-labels: invalid submission: unknown ids (not in the test set): nope');

    const report = JSON.parse(await fs.readFile(path.join(out, files[0]!), 'utf8')) as Record<string, unknown> & {
      competition_reports: Record<string, unknown>[];
    };
    expect(Object.keys(report)).toEqual(MLEBENCH_REPORT_KEYS);
    expect(report).toMatchObject({
      total_runs: 4,
      total_runs_with_submissions: 3,
      total_valid_submissions: 2,
      total_medals: 1,
      total_gold_medals: 1,
    });
    for (const r of report.competition_reports) {
      expect(Object.keys(r)).toEqual(MLEBENCH_RUN_KEYS);
      expect(r.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    }
    expect(report.competition_reports.map((r) => [r.competition_id, r.score, r.submission_path])).toEqual([
      ['syn-labels', 1, good],
      ['syn-labels', null, bad],
      ['syn-auc', 0.5, auc],
      ['syn-auc', null, 'missing.csv'],
    ]);
  });

  it('an unknown competition or a malformed line fails before grading, naming the line and field', async () => {
    const jsonl = path.join(home, 'broken.jsonl');
    await fs.writeFile(
      jsonl,
      `${JSON.stringify({ competition_id: 'syn-auc', submission_path: auc })}\n${JSON.stringify({ competition_id: 'nope', submission_path: auc })}\n`,
    );
    const unknown = await mlebench(['grade', '--jsonl', jsonl, '--output-dir', path.join(home, 'never')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /broken\.jsonl: line 2: field competition_id: unknown competition "nope" \(known: syn-auc, syn-labels\)/,
    );
    await fs.writeFile(jsonl, '{"competition_id": "syn-auc"}\n');
    expect((await mlebench(['grade', '--jsonl', jsonl, '--output-dir', path.join(home, 'never')])).stderr).toMatch(
      /line 1: field submission_path: must be a non-empty string/,
    );
    await expect(fs.access(path.join(home, 'never'))).rejects.toThrow();
  });
});
