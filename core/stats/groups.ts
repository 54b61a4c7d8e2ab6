/**
 * Run groups as the statistics commands read them: a group named by its folder or its id (found
 * among the runs folder's groups by their metadata.json, so no Temporal server is needed), and
 * its one grading report, found as MLE-bench's aggregation finds it (`*grading_report*.json` in
 * the folder, exactly one).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GROUP_FILES } from '../artifacts/layout';
import type { GroupMetadata } from '../artifacts/records';
import { readGroupRecords } from '../artifacts/groupFiles';
import type { ReadReport } from './aggregate';
import type { ComparedGroup } from './compare';

/** experiments/aggregate_grading_reports.py's `run_dir.glob("*grading_report*.json")` (a glob skips dot files). */
export const isGradingReportName = (name: string): boolean => !name.startsWith('.') && /grading_report.*\.json$/s.test(name);

/** The group folder's one grading report; none (a technique group, a group not finished) or several is an error saying which. */
export async function groupGradingReportFile(groupDir: string): Promise<string> {
  const entries = await fs.readdir(groupDir, { withFileTypes: true });
  const found = entries
    .filter((e) => e.isFile() && isGradingReportName(e.name))
    .map((e) => e.name)
    .sort();
  if (found.length === 0) {
    throw new Error(
      `${groupDir}: no grading report (*grading_report*.json): a technique group (technique_grades.json) or one not finished`,
    );
  }
  if (found.length > 1) throw new Error(`${groupDir}: expected one grading report, found ${found.length}: ${found.join(', ')}`);
  return path.join(groupDir, found[0]!);
}

async function readMetadata(groupDir: string): Promise<GroupMetadata | null> {
  const text = await fs.readFile(path.join(groupDir, GROUP_FILES.metadata), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text) as GroupMetadata;
  } catch {
    return null;
  }
}

/** A group argument of a command: a folder (any, on the person's own machine), else a group id among the runs folder's groups. */
export async function resolveGroupFolder(arg: string, runsDir: string): Promise<string> {
  const stat = await fs.stat(arg).catch(() => null);
  if (stat?.isDirectory()) return path.resolve(arg);
  const names = await fs.readdir(runsDir).catch(() => [] as string[]);
  for (const name of names.sort().reverse()) {
    const dir = path.join(runsDir, name);
    if ((await readMetadata(dir))?.run_group_id === arg) return dir;
  }
  throw new Error(`no run group "${arg}": neither a folder nor the id of a group in ${runsDir} (MLEBENCH_RUNS_DIR)`);
}

/** The groups' grading reports, read: each group's one `*grading_report*.json`, or a report file itself (`mlebench grade --jsonl`'s, MLE-bench's). */
export async function readGroupReports(groups: readonly string[], runsDir: string): Promise<(ReadReport & { group: string })[]> {
  return Promise.all(
    groups.map(async (group) => {
      const isFile = (await fs.stat(group).catch(() => null))?.isFile() ?? false;
      const file = isFile ? path.resolve(group) : await groupGradingReportFile(await resolveGroupFolder(group, runsDir));
      try {
        return { group, file, report: JSON.parse(await fs.readFile(file, 'utf8')) as unknown };
      } catch (err) {
        throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
      }
    }),
  );
}

/** A group folder's runs (each run.json so far) for a comparison; a folder without metadata.json is no group. */
export async function readComparedGroup(groupDir: string): Promise<ComparedGroup> {
  const records = await readGroupRecords(groupDir);
  if (!records.metadata) throw new Error(`${groupDir}: no ${GROUP_FILES.metadata}: not a run group's folder`);
  return { id: records.metadata.run_group_id, agent_id: records.metadata.agent_id, runs: records.runs };
}
