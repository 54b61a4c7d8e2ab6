/**
 * Do the technique tasks discriminate? The reference agent (technique-reference) against its naive
 * variant, per task × applicable competition × seed, as a markdown table (docs/techniques.md).
 *
 *   npm run build && node dist/bench/techniques.js [--tasks cv,scaling] [--competitions hpc-job-class] [--seeds 3]
 *   node dist/bench/techniques.js --groups runs/<reference group> runs/<naive group>
 *
 * Without --groups, both modes of agents/technique-reference/start.py run as local Python
 * processes (the test virtualenv: MLEBENCH_TEST_PYTHON) on the planted data, and the harness's
 * grader grades what they wrote: a quick loop while changing a task or the reference. With
 * --groups, the figures are read from the technique_grades.json of two run groups made by the
 * real harness (`mlebench run --technique-tasks --agent technique-reference --seeds 3`, then
 * `--agent technique-reference/naive`). Prints the table and, for each cell outside the target
 * (reference >= 0.9, naive <= 0.3), its criteria. Exit 1 when some cell misses the target.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listCompetitions } from '../core/competitions';
import { REPO_ROOT } from '../core/config';
import { TECHNIQUE_TASKS, type TechniqueTask } from '../core/options';
import {
  gradeTechniqueSubmission,
  prepareTechniqueData,
  whyNotApplicable,
  type Criterion,
  type TechniqueGradesReport,
} from '../core/techniques';

const PYTHON = process.env.MLEBENCH_TEST_PYTHON ?? path.join(REPO_ROOT, '.mlebench', 'venv-test', 'bin', 'python');
const AGENT = path.join(REPO_ROOT, 'agents', 'technique-reference', 'start.py');
const REFERENCE_MIN = 0.9;
const NAIVE_MAX = 0.3;

type Mode = 'oracle' | 'naive';
interface Cell {
  task: TechniqueTask;
  competitionId: string;
  seed: number;
  mode: Mode;
  score: number | null;
  criteria: Criterion[];
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out.slice(-3000)}`)),
    );
  });
}

/** Every applicable task × competition pair of the chosen ones. */
async function pairs(): Promise<{ task: TechniqueTask; competitionId: string }[]> {
  const tasks = (arg('tasks')?.split(',') ?? TECHNIQUE_TASKS) as TechniqueTask[];
  const only = arg('competitions')?.split(',');
  const competitions = (await listCompetitions()).filter((c) => !only || only.includes(c.id));
  return tasks.flatMap((task) => competitions.filter((c) => !whyNotApplicable(task, c)).map((c) => ({ task, competitionId: c.id })));
}

async function localCells(): Promise<Cell[]> {
  const seeds = Number(arg('seeds') ?? 3);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'technique-bench-'));
  const cells: Cell[] = [];
  try {
    for (const { task, competitionId } of await pairs()) {
      for (let seed = 1; seed <= seeds; seed += 1) {
        const key = { task, competitionId, seed };
        const planted = await prepareTechniqueData(key);
        for (const mode of ['oracle', 'naive'] as const) {
          const submissionDir = path.join(tmp, `${task}-${competitionId}-${seed}-${mode}`);
          await fs.mkdir(submissionDir, { recursive: true });
          await run(PYTHON, [AGENT], {
            TECHNIQUE_MODE: mode,
            TECHNIQUE_DATA_DIR: planted.publicDir,
            TECHNIQUE_SUBMISSION_DIR: submissionDir,
            TECHNIQUE_LOGS_DIR: submissionDir,
          });
          const grade = await gradeTechniqueSubmission({ ...key, submissionDir });
          cells.push({ ...key, mode, score: grade.score, criteria: grade.criteria });
          process.stderr.write(`${task} ${competitionId} seed ${seed} ${mode}: ${grade.score}\n`);
        }
      }
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  return cells;
}

async function groupCells(reference: string, naive: string): Promise<Cell[]> {
  const read = async (dir: string, mode: Mode) => {
    const report = JSON.parse(await fs.readFile(path.join(dir, 'technique_grades.json'), 'utf8')) as TechniqueGradesReport;
    return report.grades.map((g) => ({
      task: g.task,
      competitionId: g.competition_id,
      seed: g.seed,
      mode,
      score: g.score,
      criteria: g.criteria,
    }));
  };
  return [...(await read(reference, 'oracle')), ...(await read(naive, 'naive'))];
}

function table(cells: Cell[]): { text: string; misses: Cell[] } {
  const seeds = [...new Set(cells.map((c) => c.seed))].sort((a, b) => a - b);
  const rows = [...new Set(cells.map((c) => `${c.task}\t${c.competitionId}`))];
  const show = (c: Cell | undefined) => (c?.score == null ? '—' : c.score.toFixed(2));
  const find = (task: string, id: string, seed: number, mode: Mode) =>
    cells.find((c) => c.task === task && c.competitionId === id && c.seed === seed && c.mode === mode);
  const lines = [
    `| task | competition | ${seeds.map((s) => `reference s${s}`).join(' | ')} | ${seeds.map((s) => `naive s${s}`).join(' | ')} |`,
    `|---|---|${seeds.map(() => '---:').join('|')}|${seeds.map(() => '---:').join('|')}|`,
    ...rows.map((r) => {
      const [task, id] = r.split('\t') as [string, string];
      const ref = seeds.map((s) => show(find(task, id, s, 'oracle')));
      const nai = seeds.map((s) => show(find(task, id, s, 'naive')));
      return `| ${task} | ${id} | ${ref.join(' | ')} | ${nai.join(' | ')} |`;
    }),
  ];
  const misses = cells.filter((c) => c.score === null || (c.mode === 'oracle' ? c.score < REFERENCE_MIN : c.score > NAIVE_MAX));
  return { text: lines.join('\n'), misses };
}

async function main(): Promise<void> {
  const groups = process.argv.indexOf('--groups');
  const cells = groups > 0 ? await groupCells(process.argv[groups + 1]!, process.argv[groups + 2]!) : await localCells();
  const { text, misses } = table(cells);
  process.stdout.write(`${text}\n`);
  for (const m of misses) {
    const why = m.criteria.map((c) => `\n  ${c.name} ${c.score.toFixed(2)}: ${c.detail}`).join('');
    process.stdout.write(
      `\nmiss: ${m.task} ${m.competitionId} seed ${m.seed} ${m.mode === 'oracle' ? 'reference' : 'naive'} ${m.score}${why}\n`,
    );
  }
  process.stdout.write(
    `\n${misses.length === 0 ? 'every cell on target' : `${misses.length} cells off target`} (reference >= ${REFERENCE_MIN}, naive <= ${NAIVE_MAX})\n`,
  );
  process.exitCode = misses.length === 0 ? 0 : 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
});
