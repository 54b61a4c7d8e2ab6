/**
 * The run-folder layout (the seed system's, kept stable for its users):
 *
 *   runs/<ISO-timestamp>_run-group_<agent>/
 *     <competition-or-task>_<id>/  submission/ code/ logs/ run.json
 *     grading_report.json  technique_grades.json  metadata.json
 *
 * Names derive from the workflow's start time and ids, never from a fresh random value, so a
 * retried activity writes into the same folder.
 */
import path from 'node:path';

export const RUN_SUBDIRS = ['submission', 'code', 'logs'] as const;

export const GROUP_FILES = {
  metadata: 'metadata.json',
  gradingReport: 'grading_report.json',
  techniqueGrades: 'technique_grades.json',
  /** An experiment's (options `arms`) paired effect of its arms, core/stats/experiment.ts. */
  experimentReport: 'experiment_report.json',
} as const;

/** The one JSON of a run: status, outcome, timings, container, grade. */
export const RUN_RECORD_FILE = 'run.json';

/** `2025-12-11T03-48-13-UTC`, the seed's timestamp style (safe in file names). */
export function folderTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace(/:/g, '-')}-UTC`;
}

/** `aide/dev` → `aide-dev`: agent ids hold a slash, folder names may not. */
export function agentSlug(agentId: string): string {
  return agentId.replace(/[^A-Za-z0-9._-]+/g, '-');
}

export function runGroupDirName(startedAt: Date, agentId: string): string {
  return `${folderTimestamp(startedAt)}_run-group_${agentSlug(agentId)}`;
}

export { runDirName, runDir } from './runFolders';

export function submissionPath(runDirPath: string): string {
  return path.join(runDirPath, 'submission', 'submission.csv');
}
