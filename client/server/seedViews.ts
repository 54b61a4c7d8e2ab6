/**
 * The seed system's shapes (shared/seed-api.md) of what the richer views (/v2) also show: the run
 * record, the summary's report paths, the artifacts by kind. Paths are "relative to the project":
 * relative to the runs folder's parent, so a deployment's default `runs/` gives the seed's own
 * `runs/<group>/...`; `GET /files/{path}` takes exactly these paths (projectFile).
 */
import path from 'node:path';
import type { GroupFile } from '../../core/artifacts/groupFiles';
import { GROUP_FILES } from '../../core/artifacts/layout';
import type { WorkflowExecutionStatusName } from '@temporalio/client';
import type { GroupProgress, RunProgress } from '../../core/runs/types';
import type { RunGroupStatus } from '../sdk';

export type ApiStatus = 'queued' | 'running' | 'completed' | 'failed';

/**
 * The seed's four statuses from Temporal's and the group's progress: queued until a run has
 * begun; a cancelled, terminated or timed-out group is failed, with `detail` saying which.
 */
export function apiStatus(temporal: WorkflowExecutionStatusName, progress: GroupProgress | null): { status: ApiStatus; detail?: string } {
  if (temporal === 'RUNNING' || temporal === 'CONTINUED_AS_NEW') {
    const begun = progress !== null && progress.status !== 'planning' && progress.runs.some((r) => r.phase !== 'pending');
    return { status: begun ? 'running' : 'queued' };
  }
  if (temporal === 'COMPLETED')
    return progress?.status === 'cancelled' ? { status: 'failed', detail: 'cancelled' } : { status: 'completed' };
  return { status: 'failed', detail: temporal.toLowerCase() };
}

/** A project-relative path (POSIX) of a file of a group folder, or of the folder itself. */
export function projectPath(runsDir: string, groupDir: string, rel?: string): string {
  return path.posix.join(path.basename(runsDir), path.basename(groupDir), ...(rel ? [rel] : []));
}

/** A project-relative path split into its group folder's name and the path inside it; null when it is not one of the runs folder's. */
export function projectFile(runsDir: string, projectRel: string): { group: string; rel: string } | null {
  const parts = projectRel.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length < 3 || parts[0] !== path.basename(runsDir)) return null;
  if (parts.some((p) => p === '..' || p.includes('\\') || p.includes('\0'))) return null;
  return { group: parts[1]!, rel: parts.slice(2).join('/') };
}

/** One run of a group's progress, as both views show it. */
export function runView(r: RunProgress) {
  return {
    run_id: r.runId,
    competition_id: r.competitionId,
    task: r.task ?? null,
    seed: r.seed,
    phase: r.phase,
    outcome: r.outcome ?? null,
    score: r.score ?? null,
    medal: r.medal ?? null,
  };
}

const seconds = (d: Date | null | undefined) => (d ? d.getTime() / 1000 : null);

export interface SeedRunRecord {
  run_id: string;
  status: ApiStatus;
  created_at: number;
  updated_at: number;
  request: Record<string, unknown>;
  message: string | null;
  run_group: string | null;
  run_dir: string | null;
  logs: Record<string, unknown>[];
  [extra: string]: unknown;
}

/**
 * The seed's run record of a group, and ours beside it (owner, agent_id, temporal_status,
 * detail, web_ui). `logs` are its steps: queued, each run's phase and outcome (when the group's
 * progress is known), and its end. `updated_at` is its end, else its start (Temporal records no
 * time of a group's last change).
 */
export function seedRecord(g: RunGroupStatus, groupDir: string | null, runsDir: string, failure: string | null): SeedRunRecord {
  const { status, detail } = apiStatus(g.status, g.progress);
  const created = seconds(g.startTime)!;
  const updated = seconds(g.closeTime) ?? created;
  const message = status === 'failed' ? (failure ?? detail ?? 'failed') : null;
  const logs: Record<string, unknown>[] = [{ step: 'queued', at: created }];
  for (const r of g.progress?.runs ?? []) logs.push({ step: 'run', ...runView(r) });
  if (g.closeTime) logs.push({ step: status, at: updated, ...(message ? { message } : {}) });
  return {
    run_id: g.id,
    status,
    created_at: created,
    updated_at: updated,
    request: g.request ?? { agent_id: g.agentId },
    message,
    run_group: groupDir ? path.basename(groupDir) : null,
    run_dir: groupDir ? projectPath(runsDir, groupDir) : null,
    logs,
    owner: g.owner,
    agent_id: g.agentId,
    temporal_status: g.status,
    ...(detail ? { detail } : {}),
    web_ui: g.webUiUrl,
  };
}

/** The group's grading-report files: MLE-bench's report, and the technique grades of a technique group. */
export const REPORT_FILES: string[] = [GROUP_FILES.gradingReport, GROUP_FILES.techniqueGrades];

export const ARTIFACT_KINDS = ['submissions', 'grading_reports', 'logs', 'rollouts', 'code', 'metadata'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** Which of the seed's kinds a group file is (by the run-folder layout, core/artifacts/layout.ts); null for anything else. */
export function artifactKind(file: GroupFile): ArtifactKind | null {
  const parts = file.path.split('/');
  if (parts.length === 1) {
    if (REPORT_FILES.includes(file.path)) return 'grading_reports';
    return file.path === GROUP_FILES.metadata ? 'metadata' : null;
  }
  if (file.runId === null) return null;
  const [, sub, ...rest] = parts;
  if (sub === 'submission') return 'submissions';
  if (sub === 'code') return 'code';
  if (sub === 'logs' || sub === 'attempts') return rest.at(-1)?.endsWith('.jsonl') && rest.includes('llm') ? 'rollouts' : 'logs';
  // run.json, container.json: the run's records.
  if (parts.length === 2 && sub?.endsWith('.json')) return 'metadata';
  return null;
}

/** The seed's artifacts: each kind a sorted list of project-relative paths; what fits none is in `other`. */
export function seedArtifacts(files: GroupFile[], groupDir: string, runsDir: string): Record<ArtifactKind | 'other', string[]> {
  const out = Object.fromEntries([...ARTIFACT_KINDS, 'other'].map((k) => [k, [] as string[]])) as Record<ArtifactKind | 'other', string[]>;
  for (const f of files) out[artifactKind(f) ?? 'other'].push(projectPath(runsDir, groupDir, f.path));
  for (const list of Object.values(out)) list.sort();
  return out;
}
