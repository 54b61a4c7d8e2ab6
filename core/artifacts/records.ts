/**
 * The JSON records of a run group on disk: each run's `run.json`, the group's `metadata.json`,
 * `grading_report.json` (competition runs) and `technique_grades.json` (technique runs). All
 * written atomically; a half-written report never replaces a good one.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from './atomic';
import { GROUP_FILES, RUN_RECORD_FILE } from './layout';
import { ungradedReport } from '../grading';
import type { CompetitionReport } from '../grading/report';
import type { Arm } from '../options';
import type { RunGroupPlan, RunResult } from '../runs/types';
import { llmTotals, type LlmTotals } from '../runs/llmTotals';
import { summarizeGroup, ungradedRuns, type GroupSummary } from '../runs/summary';
import { plannedRuns, unfinishedResult } from '../runs/planned';
import { withRunKind } from '../runs/kinds';
import type { SkippedTechniqueRun, TechniqueTask } from '../techniques/types';
import type { CompetitionSourceDescriptor } from '../competitions/source';
import { harnessVersions } from './versions';
import { contextSha256, recordGroupContext, type ContextRecord } from '../context/record';

export async function writeRunRecord(result: RunResult): Promise<string> {
  const file = path.join(result.runDir, RUN_RECORD_FILE);
  await writeJsonAtomic(file, result);
  return file;
}

/** A run's run.json as its run wrote it (kind defaulted for old records); null when it wrote none. */
export async function readRunRecord(runDir: string): Promise<RunResult | null> {
  const file = path.join(runDir, RUN_RECORD_FILE);
  try {
    return withRunKind(JSON.parse(await fs.readFile(file, 'utf8')) as Parameters<typeof withRunKind>[0]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Files read at once: a group of thousands of runs must not run out of file descriptors. */
const READ_AT_ONCE = 64;

/**
 * Every planned run's record, in plan order, as the run wrote it: its real container, grade and
 * LLM use, also when it was cancelled. A run that wrote none (never started before a cancel, its
 * workflow failed before persisting or never started) gets one — cancelled, or infra_error with
 * the failure — written to its run.json, so the folder holds every run's ending.
 */
export async function collectRunRecords(
  plan: RunGroupPlan,
  opts: { status: GroupStatus; failures: ReadonlyMap<string, string>; cancelled?: ReadonlySet<string>; at: string },
): Promise<RunResult[]> {
  const runs = plannedRuns(plan);
  const out: RunResult[] = [];
  for (let i = 0; i < runs.length; i += READ_AT_ONCE) {
    const batch = runs.slice(i, i + READ_AT_ONCE);
    out.push(
      ...(await Promise.all(
        batch.map(async (run) => {
          const written = await readRunRecord(run.runDir);
          if (written) return written;
          const failure = opts.failures.get(run.runId);
          const record =
            failure !== undefined
              ? unfinishedResult(plan, run, 'infra_error', failure, opts.at)
              : opts.cancelled?.has(run.runId)
                ? unfinishedResult(plan, run, 'cancelled', 'the run was cancelled', opts.at)
                : opts.status === 'cancelled'
                  ? unfinishedResult(plan, run, 'cancelled', 'the run group was cancelled', opts.at)
                  : unfinishedResult(plan, run, 'infra_error', `the run wrote no ${RUN_RECORD_FILE}`, opts.at);
          await writeRunRecord(record);
          return record;
        }),
      )),
    );
  }
  return out;
}

export type GroupStatus = 'running' | 'completed' | 'cancelled';

export interface GroupMetadata {
  run_group_id: string;
  agent_id: string;
  /** An agent from git: its repository, the ref asked for and the commit every run used. */
  agent_git?: { url: string; ref: string; commit: string; subfolder: string | null };
  status: GroupStatus;
  created_at: string;
  finished_at: string | null;
  options: RunGroupPlan['options'];
  /** The run option `context` (core/context/record.ts): its text in the group's context.md; null without one. */
  context: ContextRecord | null;
  runs: {
    run_id: string;
    competition_id: string;
    /** Technique runs only. */
    task?: TechniqueTask;
    seed: number;
    /** An experiment's runs (options `arms`): the run's arm. */
    arm?: Arm;
    /** The sha256 of the context the run was shown (its run.json has the text); absent when none or not finished. */
    context_sha256?: string;
    dir: string;
    status: 'pending' | 'finished';
    outcome: RunResult['outcome'] | null;
    score: number | null;
    /** An LLM agent's run: what it used of the gateway. */
    llm?: { requests: number; total_tokens: number; cost_usd: number; budget_exhausted: string | null };
  }[];
  /** The group's LLM use (null when its agent calls no LLM). */
  llm_totals: LlmTotals | null;
  /** Technique task × competition pairs not run because the task does not apply. */
  skipped: SkippedTechniqueRun[];
  versions: Record<string, string>;
}

export async function writeGroupMetadata(
  plan: RunGroupPlan,
  status: GroupStatus,
  results: RunResult[],
  finishedAt: string | null,
): Promise<GroupMetadata> {
  const byRun = new Map(results.map((r) => [r.runId, r]));
  const metadata: GroupMetadata = {
    run_group_id: plan.groupId,
    agent_id: plan.agentId,
    ...(plan.agentGit
      ? {
          agent_git: {
            url: plan.agentGit.url,
            ref: plan.agentGit.ref,
            commit: plan.agentGit.commit,
            subfolder: plan.agentGit.subfolder ?? null,
          },
        }
      : {}),
    status,
    created_at: plan.startedAt,
    finished_at: finishedAt,
    options: plan.options,
    context: plan.options.context ? await recordGroupContext(plan.groupDir, plan.options.context) : null,
    runs: plannedRuns(plan).map((run) => {
      const result = byRun.get(run.runId);
      return {
        run_id: run.runId,
        competition_id: run.competitionId,
        ...(run.kind === 'technique' ? { task: run.task } : {}),
        seed: run.seed,
        ...(run.arm ? { arm: run.arm } : {}),
        ...(result?.context ? { context_sha256: contextSha256(result.context) } : {}),
        dir: path.relative(plan.groupDir, run.runDir),
        status: result ? 'finished' : 'pending',
        outcome: result?.outcome ?? null,
        score: result?.score ?? null,
        ...(result?.llm
          ? {
              llm: {
                requests: result.llm.requests,
                total_tokens: result.llm.totalTokens,
                cost_usd: result.llm.costUsd,
                budget_exhausted: result.llm.budgetExhausted ?? null,
              },
            }
          : {}),
      };
    }),
    llm_totals: llmTotals(results),
    skipped: plan.kind === 'technique' ? plan.skipped : [],
    versions: await harnessVersions(),
  };
  await writeJsonAtomic(path.join(plan.groupDir, GROUP_FILES.metadata), metadata);
  return metadata;
}

/** The report of each competition run that was never graded (no submission counted, the leaderboard's thresholds, why), by run id. */
export async function ungradedReports(
  results: readonly RunResult[],
  sources: Readonly<Record<string, CompetitionSourceDescriptor>> = {},
): Promise<Map<string, CompetitionReport>> {
  const reports = await Promise.all(
    ungradedRuns(results).map(
      async (r) =>
        [
          r.runId,
          await ungradedReport(r.competitionId, r.reason ?? `not graded: ${r.outcome}`, { source: sources[r.competitionId] }),
        ] as const,
    ),
  );
  return new Map(reports);
}

/** The group's summary (`summarizeGroup`) written as grading_report.json (competition runs) or technique_grades.json (technique runs). */
export async function writeGroupReport(plan: RunGroupPlan, results: RunResult[], createdAt: string): Promise<GroupSummary> {
  const sources = plan.kind === 'competition' ? plan.sources : undefined;
  const summary = summarizeGroup(plan, results, { createdAt, ungraded: await ungradedReports(results, sources) });
  if (summary.kind === 'technique') await writeJsonAtomic(path.join(plan.groupDir, GROUP_FILES.techniqueGrades), summary.techniqueGrades);
  else await writeJsonAtomic(path.join(plan.groupDir, GROUP_FILES.gradingReport), summary.gradingReport);
  return summary;
}
