/**
 * Builds a context (run option `context`) from earlier technique runs: per task, the analysis files
 * of the runs graded at or above a minimum, best first, so an agent can read how a strong run
 * reasoned. Reads run folders only (any group folder, also one copied from elsewhere).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readRunRecord } from '../artifacts/records';
import { RUN_RECORD_FILE } from '../artifacts/layout';
import { MAX_CONTEXT_BYTES, runContextSchema, type RunContext } from '../options';
import { analysisFileName } from '../techniques';

export { MAX_CONTEXT_BYTES };

export interface ContextBuildOptions {
  /** Technique grade (0..1) a run needs to be used; default 0.9. */
  minGrade?: number;
  /** Runs used per task at most (the best graded); default 3. */
  perTask?: number;
}

/** One technique run's analysis, wherever it was read from (run folders or an export). */
export interface PickedAnalysis {
  task: string;
  competitionId: string;
  seed: number;
  grade: number;
  analysis: string;
}

/** Every run folder (a folder holding run.json) under a group folder. */
async function runDirsUnder(dir: string, depth = 3): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  if (entries.some((e) => e.isFile() && e.name === RUN_RECORD_FILE)) return [dir];
  if (depth === 0) return [];
  const nested = await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => runDirsUnder(path.join(dir, e.name), depth - 1)));
  return nested.flat();
}

/** The analyses of the groups' technique runs graded >= minGrade (read from their run folders). */
export async function analysesOfGroups(groupDirs: readonly string[], minGrade: number): Promise<PickedAnalysis[]> {
  const picked: PickedAnalysis[] = [];
  for (const group of groupDirs) {
    for (const runDir of await runDirsUnder(group)) {
      const record = await readRunRecord(runDir);
      const grade = record?.kind === 'technique' ? record.techniqueGrade?.score : undefined;
      if (record?.kind !== 'technique' || grade === undefined || grade < minGrade) continue;
      const file = path.join(runDir, 'submission', analysisFileName(record.task));
      const analysis = await fs.readFile(file, 'utf8').catch(() => null);
      if (analysis === null) continue;
      picked.push({ task: record.task, competitionId: record.competitionId, seed: record.seed, grade, analysis });
    }
  }
  return picked;
}

/** The context's text from the groups' technique runs graded >= minGrade; refuses one past the bound. */
export async function buildContext(groupDirs: readonly string[], opts: ContextBuildOptions = {}): Promise<RunContext> {
  const minGrade = opts.minGrade ?? 0.9;
  const picked = await analysesOfGroups(groupDirs, minGrade);
  return contextOfAnalyses(
    picked,
    opts,
    groupDirs.join(', '),
    `technique runs >= ${minGrade} of ${groupDirs.map((g) => path.basename(g)).join(', ')}`,
  );
}

/** Per task (sorted), the best `perTask` analyses graded >= minGrade, as one bounded context. */
export function contextOfAnalyses(picked: readonly PickedAnalysis[], opts: ContextBuildOptions, where: string, source: string): RunContext {
  const minGrade = opts.minGrade ?? 0.9;
  const perTask = opts.perTask ?? 3;
  const byTask = new Map<string, PickedAnalysis[]>();
  for (const p of picked) if (p.grade >= minGrade) byTask.set(p.task, [...(byTask.get(p.task) ?? []), p]);
  if (byTask.size === 0) throw new Error(`no technique run graded >= ${minGrade} with its analysis file in ${where}`);
  const sections: string[] = [];
  for (const [task, runs] of [...byTask].sort(([a], [b]) => a.localeCompare(b))) {
    const best = [...runs].sort((a, b) => b.grade - a.grade).slice(0, perTask);
    sections.push(`## Technique task: ${task}\n`);
    for (const p of best)
      sections.push(`### ${p.competitionId}, seed ${p.seed}, graded ${p.grade.toFixed(2)}\n\n\`\`\`json\n${p.analysis.trim()}\n\`\`\`\n`);
  }
  const text = `# What earlier strong runs found\n\nAnalyses of technique runs graded >= ${minGrade} (best ${perTask} per task).\n\n${sections.join('\n')}`;
  return checkedContext({ text, source }, 'the built context');
}

/** A context within the bound, else an error naming where it came from and the limit. */
export function checkedContext(context: RunContext, from: string): RunContext {
  const bytes = Buffer.byteLength(context.text, 'utf8');
  if (bytes > MAX_CONTEXT_BYTES)
    throw new Error(
      `${from}: ${bytes} bytes of context, more than the limit of ${MAX_CONTEXT_BYTES} bytes (64 KiB); use fewer runs (--per-task) or a shorter file`,
    );
  return runContextSchema.parse(context);
}
