/**
 * Benchmark: `mlebench grade` on a million-row submission against pandas + scikit-learn.
 *
 *   npm run build && npm run bench:grading [-- --rows 1000000 --repeat 3 --keep]
 *
 * `--keep` leaves the temporary folder (competitions, data, submissions) for profiling.
 *
 * Makes two synthetic competitions (prepare step `synthetic`) in a temporary competitions folder
 * (MLEBENCH_COMPETITIONS_DIR): binary ROC AUC, and multiclass log loss with 10 classes; writes a
 * submission for each as pandas would (full-precision floats); then times, end to end as
 * processes, `node bin/mlebench.js grade FILE --competition ID --json` and a Python process that
 * reads the same answers and submission with pandas and scores them with scikit-learn. Prints the
 * median wall times, their ratio, both scores and the grader's peak RSS. Asserts nothing.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareCompetition } from '../core/competitions';
import { seededRandom } from '../core/competitions/random';
import { REPO_ROOT, useEnvironment } from '../core/config';
import { configureLog, logSettings } from '../core/log';
import { readCsvStream } from '../core/grading/csvReader';

const PYTHON = process.env.MLEBENCH_TEST_PYTHON ?? path.join(REPO_ROOT, '.mlebench', 'venv-test', 'bin', 'python');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Case {
  id: string;
  metric: 'roc-auc' | 'multiclass-log-loss';
  options: { task: 'binary' | 'multiclass'; rows: number; classes?: number };
  target: string;
}

/** The reference: what a Python user would write with pandas and scikit-learn. */
const REFERENCE = `
import resource, sys
import pandas as pd
from sklearn.metrics import log_loss, roc_auc_score
metric, answers_path, submission_path = sys.argv[1:4]
answers = pd.read_csv(answers_path)
submission = pd.read_csv(submission_path)
if metric == "roc-auc":
    merged = answers.merge(submission, on="id", suffixes=("", "_pred"))
    score = roc_auc_score(merged["target"], merged["target_pred"])
else:
    classes = [c for c in submission.columns if c != "id"]
    proba = submission.set_index("id").loc[answers["id"], classes].to_numpy()
    score = log_loss(answers["label"], proba, labels=classes)
print(round(float(score), 5))
print("maxrss_kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
`;

/** Prints the process's peak RSS on exit; loaded into the grader with `node -r`. */
const PEAK_RSS_PRELOAD = `process.on('exit', () => process.stderr.write('maxrss_kb ' + process.resourceUsage().maxRSS + '\\n'));\n`;

async function writeCompetition(root: string, c: Case): Promise<void> {
  const dir = path.join(root, c.id);
  await fs.mkdir(dir, { recursive: true });
  const lowerIsBetter = c.metric === 'multiclass-log-loss';
  const scores = Array.from({ length: 50 }, (_, i) => (lowerIsBetter ? 0.5 + i * 0.05 : 0.99 - i * 0.005));
  await fs.writeFile(path.join(dir, 'leaderboard.csv'), `teamId,score\n${scores.map((s, i) => `${i + 1},${s}`).join('\n')}\n`);
  await fs.writeFile(path.join(dir, 'description.md'), `# ${c.id}\n\nSynthetic data for the grading benchmark.\n`);
  const options = Object.entries(c.options)
    .map(([k, v]) => `    ${k}: ${v}`)
    .join('\n');
  await fs.writeFile(
    path.join(dir, 'config.yaml'),
    [
      `id: ${c.id}`,
      `name: ${c.id}`,
      'modality: tabular',
      `metric: ${c.metric}`,
      'dataset:',
      '  answers: private/answers.csv',
      '  sample_submission: public/sample_submission.csv',
      '  id_column: id',
      `  target_column: ${c.target}`,
      'source:',
      '  name: synthetic (bench/grading.ts)',
      '  licence: none (generated)',
      'prepare:',
      '  step: synthetic',
      '  seed: 1',
      '  options:',
      options,
      '',
    ].join('\n'),
  );
}

/** A submission with some signal, written as pandas writes floats (shortest round-trip repr). */
async function writeSubmission(answersPath: string, c: Case, file: string): Promise<void> {
  const random = seededRandom(2);
  const out = await fs.open(file, 'w');
  const input = await fs.open(answersPath, 'r');
  const classes = Array.from({ length: c.options.classes ?? 0 }, (_, k) => `class_${k}`);
  let chunk = c.metric === 'roc-auc' ? 'id,target\n' : `id,${classes.join(',')}\n`;
  const pending: Promise<unknown>[] = [];
  try {
    await readCsvStream(
      input,
      answersPath,
      {
        header: () => undefined,
        record: (f) => {
          const id = f.string(0);
          const truth = f.string(1);
          if (c.metric === 'roc-auc') {
            chunk += `${id},${Math.min(1, (truth === '1' ? 0.3 : 0) + random() * 0.7)}\n`;
          } else {
            const raw = classes.map((k) => random() + (k === truth ? 0.5 : 0));
            const sum = raw.reduce((a, b) => a + b, 0);
            chunk += `${id},${raw.map((v) => v / sum).join(',')}\n`;
          }
          if (chunk.length >= 1 << 20) {
            pending.push(out.write(chunk));
            chunk = '';
          }
        },
      },
      { maxRecordBytes: 1 << 20 },
    );
    pending.push(out.write(chunk));
    await Promise.all(pending);
  } finally {
    await input.close();
    await out.close();
  }
}

interface Timed {
  secs: number;
  stdout: string;
  peakMb: number;
}

function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const secs = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
      const rss = /maxrss_kb (\d+)/.exec(stderr);
      resolve({ secs, stdout, peakMb: rss ? Number(rss[1]) / 1024 : Number.NaN });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  useEnvironment(process.env);
  configureLog(logSettings(process.env, { terminal: false }));
  const rows = arg('rows', 1_000_000);
  const repeat = arg('repeat', 3);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-bench-grading-'));
  const competitionsDir = path.join(root, 'competitions');
  const dataDir = path.join(root, 'data');
  const preload = path.join(root, 'peak-rss.js');
  await fs.writeFile(preload, PEAK_RSS_PRELOAD);
  const env = { ...process.env, MLEBENCH_COMPETITIONS_DIR: competitionsDir, MLEBENCH_DATA_DIR: dataDir, MLEBENCH_LOG_LEVEL: 'warn' };
  const cases: Case[] = [
    { id: 'bench-roc-auc', metric: 'roc-auc', options: { task: 'binary', rows }, target: 'target' },
    { id: 'bench-log-loss', metric: 'multiclass-log-loss', options: { task: 'multiclass', rows, classes: 10 }, target: 'label' },
  ];
  try {
    for (const c of cases) {
      await writeCompetition(competitionsDir, c);
      const prepared = await prepareCompetition(c.id, { competitionsDir, dataDir });
      const submission = path.join(root, `${c.id}-submission.csv`);
      await writeSubmission(prepared.answersPath, c, submission);
      const mb = (await fs.stat(submission)).size / 1e6;
      process.stdout.write(`${c.id}: ${rows} rows, submission ${mb.toFixed(0)} MB\n`);
      const ours: Timed[] = [];
      const theirs: Timed[] = [];
      for (let i = 0; i < repeat; i += 1) {
        const bin = path.join(REPO_ROOT, 'bin', 'mlebench.js');
        ours.push(await timed(process.execPath, ['-r', preload, bin, 'grade', submission, '--competition', c.id, '--json'], env));
        theirs.push(await timed(PYTHON, ['-c', REFERENCE, c.metric, prepared.answersPath, submission], env));
      }
      const ourScore = (JSON.parse(ours[0]!.stdout) as { score: number | null }).score;
      const theirScore = Number(theirs[0]!.stdout.trim());
      const a = median(ours.map((t) => t.secs));
      const b = median(theirs.map((t) => t.secs));
      process.stdout.write(
        [
          `  mlebench grade   : ${a.toFixed(2)} s (median of ${repeat}), peak RSS ${Math.max(...ours.map((t) => t.peakMb)).toFixed(0)} MB, score ${ourScore}`,
          `  pandas + sklearn : ${b.toFixed(2)} s (median of ${repeat}), peak RSS ${Math.max(...theirs.map((t) => t.peakMb)).toFixed(0)} MB, score ${theirScore}`,
          `  ratio            : ${(b / a).toFixed(2)}x (pandas time / mlebench time; above 1 means mlebench is faster)`,
          '',
        ].join('\n'),
      );
      if (ourScore !== theirScore) process.stdout.write(`  WARNING: scores differ (${ourScore} vs ${theirScore})\n`);
    }
  } finally {
    if (process.argv.includes('--keep')) process.stdout.write(`kept ${root}\n`);
    else await fs.rm(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:grading: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
