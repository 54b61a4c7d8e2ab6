/**
 * A run group's folder as dataset rows: each kept run's record (run.json, read by
 * readGroupRecords), its rollout's calls and its code and logs as text. Agents write into their
 * run folders, so every file is opened through openGroupFile (no symlink followed, nothing
 * outside the group folder, no scratch space) and read only up to its cap.
 */
import { createInterface } from 'node:readline';
import { listGroupFiles, openGroupFile, readGroupRecords, GroupFileNotFoundError } from '../artifacts/groupFiles';
import { GROUP_FILES } from '../artifacts/layout';
import { ROLLOUT_FILE } from '../gateway/runAccess';
import type { RolloutLine, TruncatedBody } from '../gateway/rollout';
import type { RunResult } from '../runs/types';
import { analysisFileName } from '../techniques';
import { keepsRun, validSubmission, type DatasetFilters } from './filters';
import { redactSecrets } from './redact';
import { appendRows, type Row, type TableName, type Tables } from './schema';

export interface FileCaps {
  /** Text kept of one file. */
  perFileBytes: number;
  /** Text kept of one run's files together. */
  perRunBytes: number;
  /** Text kept of all the runs' files together (unbounded when absent): the REST API's scratch space is bounded. */
  totalBytes?: number;
}

/** What is left of `totalBytes`, shared by the groups of one export or query. */
export interface FileBudget {
  left: number;
}

export const fileBudget = (caps: FileCaps): FileBudget => ({ left: caps.totalBytes ?? Infinity });

export const DEFAULT_FILE_CAPS: FileCaps = { perFileBytes: 256 * 1024, perRunBytes: 4 * 1024 * 1024 };

/** The folders of a run whose files are the agent's code and logs. */
const TEXT_FOLDERS = ['code', 'logs'];

/** A file of the files table: the agent's code and logs, and a technique run's analysis (what a context is built from). */
function isDatasetFile(rel: string, r: RunResult): boolean {
  if (TEXT_FOLDERS.includes(rel.split('/')[0]!)) return true;
  return r.kind === 'technique' && rel === `submission/${analysisFileName(r.task)}`;
}

export interface GroupDataset {
  groupId: string;
  tables: Tables;
  /** Files left out of the files table because they are not text. */
  binaryFiles: number;
}

const isTruncated = (v: unknown): v is TruncatedBody => typeof v === 'object' && v !== null && (v as TruncatedBody).truncated === true;

function runRow(r: RunResult): Row {
  const [agent, ...variant] = r.agentId.split('/');
  const llm = r.llm;
  return {
    run_id: r.runId,
    group_id: r.groupId,
    kind: r.kind,
    agent_id: r.agentId,
    agent,
    variant: variant.length ? variant.join('/') : null,
    competition_id: r.competitionId,
    seed: r.seed,
    task: r.kind === 'technique' ? r.task : null,
    arm: r.arm ?? null,
    context_source: r.context ? (r.context.source ?? null) : null,
    context_text: r.context?.text ?? null,
    outcome: r.outcome,
    reason: r.reason ?? null,
    score: r.score,
    valid_submission: validSubmission(r),
    medal: r.kind === 'competition' ? r.medal : null,
    above_median: r.kind === 'competition' ? r.aboveMedian : null,
    normalized_score: r.kind === 'competition' ? (r.grade?.normalized_score ?? null) : null,
    is_lower_better: r.kind === 'competition' ? (r.grade?.is_lower_better ?? null) : null,
    technique_grade: r.kind === 'technique' ? (r.techniqueGrade?.score ?? null) : null,
    technique_criteria: r.kind === 'technique' ? (r.techniqueGrade?.criteria ?? null) : null,
    started_at: r.timings.startedAt,
    finished_at: r.timings.finishedAt,
    agent_secs: r.timings.agentSecs,
    exit_code: r.container?.exitCode ?? null,
    timed_out: r.container?.timedOut ?? null,
    llm_requests: llm?.requests ?? null,
    llm_refused: llm ? (llm.refusedRequests ?? 0) : null,
    llm_prompt_tokens: llm?.promptTokens ?? null,
    llm_completion_tokens: llm?.completionTokens ?? null,
    llm_total_tokens: llm?.totalTokens ?? null,
    llm_cost_usd: llm?.costUsd ?? null,
    llm_budget_exhausted: llm?.budgetExhausted ?? null,
    host: r.host ?? null,
    attempts: 1 + (r.agentRetries ?? 0) + (r.hostRestarts ?? 0),
    agent_retries: r.agentRetries ?? 0,
    host_restarts: r.hostRestarts ?? 0,
  };
}

function callRow(r: RunResult, seq: number, line: RolloutLine): Row {
  const request = line.request as { model?: unknown; messages?: unknown } | null;
  const response = line.response as { choices?: { message?: { content?: unknown } }[] } | undefined;
  const text = isTruncated(response) ? null : response?.choices?.[0]?.message?.content;
  return {
    run_id: r.runId,
    group_id: r.groupId,
    seq,
    ts: line.ts,
    model_alias: !isTruncated(request) && typeof request?.model === 'string' ? request.model : null,
    upstream_model: line.upstreamModel ?? null,
    messages: isTruncated(request) ? null : (request?.messages ?? null),
    request: line.request ?? null,
    response: line.response ?? null,
    response_text: typeof text === 'string' ? text : null,
    request_truncated: isTruncated(request),
    response_truncated: isTruncated(response),
    prompt_tokens: line.usage?.promptTokens ?? null,
    completion_tokens: line.usage?.completionTokens ?? null,
    total_tokens: line.usage?.totalTokens ?? null,
    cost_usd: line.costUsd,
    latency_ms: line.latencyMs,
    admitted: line.admitted ?? false,
    refused: line.error !== undefined,
    error_status: line.error?.status ?? null,
    error_type: line.error?.type ?? null,
    error_message: line.error?.message ?? null,
    budget_exhausted: line.budgetExhausted ?? null,
    attempts: line.attempts ?? null,
  };
}

/** Opens a file of the group folder, or null when it is absent or refused (a symlink, not a regular file). */
async function openOrNull(groupDir: string, rel: string) {
  try {
    return await openGroupFile(groupDir, rel);
  } catch (err) {
    if (err instanceof GroupFileNotFoundError) return null;
    throw err;
  }
}

/** The run's rollout calls in order; checkpoint lines (totals, not calls) and a torn last line are skipped. */
async function callRows(groupDir: string, dir: string, r: RunResult): Promise<Row[]> {
  const opened = await openOrNull(groupDir, `${dir}/${r.llm?.rolloutFile ?? ROLLOUT_FILE}`);
  if (!opened) return [];
  const rows: Row[] = [];
  try {
    const lines = createInterface({ input: opened.handle.createReadStream({ encoding: 'utf8', autoClose: false }), crlfDelay: Infinity });
    let seq = 0;
    for await (const raw of lines) {
      const at = seq++;
      if (!raw.trim()) continue;
      let line: RolloutLine & { checkpoint?: unknown };
      try {
        line = JSON.parse(raw) as RolloutLine & { checkpoint?: unknown };
      } catch {
        continue;
      }
      if (line.checkpoint !== undefined || typeof line.ts !== 'string') continue;
      rows.push(callRow(r, at, line));
    }
  } finally {
    await opened.handle.close();
  }
  return rows;
}

/** Text, or null when the bytes are not UTF-8 text (a NUL byte, an invalid sequence; a character cut at the end is not one). */
function textOf(buf: Buffer): string | null {
  if (buf.includes(0)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf, { stream: true });
  } catch {
    return null;
  }
}

/** The run's code and logs (and a technique run's analysis) as text, each up to the per-file cap and all up to the per-run cap; the rollout is the llm_calls table. */
async function fileRows(
  groupDir: string,
  dir: string,
  r: RunResult,
  caps: FileCaps,
  budget: FileBudget,
  files: { path: string; size: number }[],
) {
  const rows: Row[] = [];
  let binary = 0;
  const start = Math.min(caps.perRunBytes, budget.left);
  let left = start;
  const rollout = `${dir}/${r.llm?.rolloutFile ?? ROLLOUT_FILE}`;
  for (const f of files) {
    const rel = f.path.slice(dir.length + 1);
    if (f.path === rollout || !isDatasetFile(rel, r)) continue;
    const want = Math.min(f.size, caps.perFileBytes, left);
    // Read even past the caps: a file's head tells a binary file (no row) from text (a row, maybe empty and truncated),
    // and a little past the cap, a secret cut by the cap is still recognised and redacted whole.
    const opened = await openOrNull(groupDir, f.path);
    if (!opened) continue;
    let text: string | null;
    try {
      const buf = Buffer.alloc(Math.min(opened.size, want + 512));
      const { bytesRead } = await opened.handle.read(buf, 0, buf.length, 0);
      text = textOf(buf.subarray(0, bytesRead));
    } finally {
      await opened.handle.close();
    }
    if (text === null) {
      binary += 1;
      continue;
    }
    text = Buffer.from(redactSecrets(text))
      .subarray(0, want)
      .toString('utf8')
      .replace(/\uFFFD$/, '');
    left -= Buffer.byteLength(text);
    rows.push({ run_id: r.runId, group_id: r.groupId, path: rel, size: f.size, text, truncated: Buffer.byteLength(text) < f.size });
  }
  budget.left -= start - left;
  return { rows, binary };
}

/** The kept runs of one group folder, with the tables asked for (all three when not said). */
export async function readGroupDataset(
  groupDir: string,
  opts: { filters?: DatasetFilters; caps?: FileCaps; budget?: FileBudget; tables?: ReadonlySet<TableName> } = {},
): Promise<GroupDataset> {
  const records = await readGroupRecords(groupDir);
  if (!records.metadata) throw new Error(`${groupDir}: no ${GROUP_FILES.metadata}: not a run group's folder`);
  const { metadata } = records;
  const want = (t: TableName) => opts.tables?.has(t) ?? true;
  const dirOf = new Map(metadata.runs.map((r) => [r.run_id, r.dir.split('\\').join('/')]));
  const kept = records.runs.filter((r) => keepsRun(opts.filters ?? {}, r));
  const tables: Tables = { runs: want('runs') ? kept.map(runRow) : [], llm_calls: [], files: [] };
  let binaryFiles = 0;
  const caps = opts.caps ?? DEFAULT_FILE_CAPS;
  const budget = opts.budget ?? fileBudget(caps);
  for (const r of kept) {
    const dir = dirOf.get(r.runId);
    if (dir === undefined) continue;
    if (want('llm_calls')) appendRows(tables.llm_calls, await callRows(groupDir, dir, r));
    if (want('files')) {
      const { files } = await listGroupFiles(groupDir, metadata, { runId: r.runId });
      const got = await fileRows(groupDir, dir, r, caps, budget, files);
      appendRows(tables.files, got.rows);
      binaryFiles += got.binary;
    }
  }
  return { groupId: metadata.run_group_id, tables, binaryFiles };
}
