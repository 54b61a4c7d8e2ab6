/**
 * Reading a run group's folder back: its records (metadata.json, each run's run.json, the
 * reports) and its files, for the REST API and the results page. The folder is the record: what
 * it holds while the group runs is what has been written so far (every file is written
 * atomically, so a reader never sees half of one).
 *
 * Agents write into their run's folders, so nothing here follows a symbolic link, and a run's
 * scratch space (`.scratch/`, `.scratch.img`, the agent's live, writable view) is never listed
 * nor served: only what the harness copied out.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import type { GradingReport } from '../grading/report';
import type { RunResult } from '../runs/types';
import type { TechniqueGradesReport } from '../techniques/report';
import type { GroupMetadata } from './records';
import { GROUP_FILES, RUN_RECORD_FILE } from './layout';

export interface GroupRecords {
  metadata: GroupMetadata | null;
  /** The run.json of every run that has one so far, in the plan's order. */
  runs: RunResult[];
  gradingReport: GradingReport | null;
  techniqueGrades: TechniqueGradesReport | null;
  /** Which group files exist (absolute paths), null where not (yet). */
  paths: { metadata: string | null; gradingReport: string | null; techniqueGrades: string | null };
}

export interface GroupFile {
  /** Relative to the group folder, POSIX separators. */
  path: string;
  size: number;
  /** The run whose folder holds it (null for the group's own files). */
  runId: string | null;
}

const HIDDEN = new Set(['.scratch', '.scratch.img', '.scratch.img.made', '.agent.log.tail']);

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
}

export async function readGroupRecords(groupDir: string): Promise<GroupRecords> {
  const at = (name: string) => path.join(groupDir, name);
  const [metadata, gradingReport, techniqueGrades] = await Promise.all([
    readJson<GroupMetadata>(at(GROUP_FILES.metadata)),
    readJson<GradingReport>(at(GROUP_FILES.gradingReport)),
    readJson<TechniqueGradesReport>(at(GROUP_FILES.techniqueGrades)),
  ]);
  const runDirs = metadata?.runs.map((r) => r.dir) ?? [];
  const runs = (await Promise.all(runDirs.map((dir) => readJson<RunResult>(path.join(groupDir, dir, RUN_RECORD_FILE))))).filter(
    (r): r is RunResult => r !== null,
  );
  return {
    metadata,
    runs,
    gradingReport,
    techniqueGrades,
    paths: {
      metadata: metadata ? at(GROUP_FILES.metadata) : null,
      gradingReport: gradingReport ? at(GROUP_FILES.gradingReport) : null,
      techniqueGrades: techniqueGrades ? at(GROUP_FILES.techniqueGrades) : null,
    },
  };
}

/** The most entries one listing visits: an agent may leave up to MLEBENCH_AGENT_FILES files in a run. */
export const MAX_LISTED_FILES = 20_000;

/**
 * The regular files of the group folder (never through a symlink, never a scratch space), sorted;
 * only one run's folder when `runId` is given. At most `limit` files: past it the walk stops and
 * `truncated` says so, so a listing costs bounded work however many files agents left.
 */
export async function listGroupFiles(
  groupDir: string,
  metadata: GroupMetadata | null,
  opts: { runId?: string; limit?: number } = {},
): Promise<{ files: GroupFile[]; truncated: boolean }> {
  const runOfDir = new Map((metadata?.runs ?? []).map((r) => [r.dir.split(path.sep).join('/'), r.run_id]));
  const limit = Math.min(opts.limit ?? MAX_LISTED_FILES, MAX_LISTED_FILES);
  const out: GroupFile[] = [];
  let truncated = false;
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(path.join(groupDir, rel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (truncated) return;
      if (HIDDEN.has(e.name)) continue;
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile()) {
        if (out.length >= limit) {
          truncated = true;
          return;
        }
        const { size } = await fs.lstat(path.join(groupDir, child));
        out.push({ path: child, size, runId: runOfDir.get(child.split('/')[0] ?? '') ?? null });
      }
    }
  };
  if (opts.runId === undefined) await walk('');
  else {
    // One run: its folder only (a run id names no folder: its record does).
    const dir = [...runOfDir].find(([, id]) => id === opts.runId)?.[0];
    if (dir && !dir.includes('/') && !HIDDEN.has(dir)) {
      const stat = await fs.lstat(path.join(groupDir, dir)).catch(() => undefined);
      if (stat?.isDirectory()) await walk(dir);
    }
  }
  return { files: out.sort((a, b) => a.path.localeCompare(b.path)), truncated };
}

export class GroupFileNotFoundError extends Error {
  override name = 'GroupFileNotFoundError';
}

/**
 * Opens one file of the group folder for reading, by its relative path: refused (as not found)
 * when it leaves the folder, passes through a symlink or a scratch space, or is not a regular file.
 */
export async function openGroupFile(groupDir: string, relPath: string): Promise<{ handle: fs.FileHandle; size: number; path: string }> {
  const parts = relPath.split('/').filter((p) => p !== '' && p !== '.');
  const notFound = () => new GroupFileNotFoundError(`no file "${relPath}" in ${groupDir}`);
  if (parts.length === 0 || parts.some((p) => p === '..' || p.includes('\\') || HIDDEN.has(p))) throw notFound();
  // Every folder on the way must be a real folder, not a link an agent planted.
  let current = groupDir;
  for (const part of parts.slice(0, -1)) {
    current = path.join(current, part);
    const st = await fs.lstat(current).catch(() => null);
    if (!st?.isDirectory()) throw notFound();
  }
  const file = path.join(current, parts.at(-1)!);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch {
    throw notFound();
  }
  const st = await handle.stat();
  if (!st.isFile()) {
    await handle.close();
    throw notFound();
  }
  return { handle, size: st.size, path: parts.join('/') };
}
