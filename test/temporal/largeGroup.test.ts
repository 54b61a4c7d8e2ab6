/**
 * Groups of 300 and 1,500 runs (5,000 and more with LARGE_GROUP_RUNS) through the real workflows (runGroup → competitionRun) on a real Temporal
 * dev server, with activities that do no Docker work: the plan, the data, the host, the agent and
 * the grade are stubs; persistArtifacts (run.json) and finalizeRunGroup (the reports, read back
 * from the run.json files) are the harness's own. Results travel by reference, so no event of the
 * parent's history grows with the group: the largest is the same size for both groups. Also: the group's grading_report.json and the SDK's
 * summary count the same runs when one ends infra_error, and waiting on a group of 256 runs in
 * flight asks the server one query per tick.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { createActivities, type Activities, type ClaimedHost, type RunAgentResult } from '../../activities';
import { parseRunOptions } from '../../core/options';
import { claimGroupDir } from '../../core/runs/plan';
import { writeGroupMetadata } from '../../core/artifacts/records';
import type { CompetitionReport, GradingReport } from '../../core/grading/report';
import type { CompetitionGroupPlan, RunGroupResult } from '../../core/runs/types';
import { TASK_QUEUE, WORKFLOW_TYPES } from '../../temporal/contract';
import { scrapeMetrics, serverQueries } from '../../temporal/metrics';
import { startHarnessTestEnv, type HarnessTestEnv } from '../helpers/temporalEnv';
import { freePort } from '../helpers/crash';
import { silverReport } from '../helpers/runKinds';
import { HostSlots } from '../../core/hosts/slots';

const COMPETITIONS = 50;
/** The small group, and the large one (LARGE_GROUP_RUNS for the full proof, e.g. 5000: about 4 minutes). */
const SMALL_RUNS = 300;
const LARGE_RUNS = Number(process.env.LARGE_GROUP_RUNS ?? 1500);
/** The largest a history event of the parent may be, whatever the group's size. */
const MAX_EVENT_BYTES = 64 * 1024;
/**
 * How much larger the large group's largest event may be than the small one's: digits of counts
 * and timestamps. Anything carried per run (a run id is ~40 bytes) would exceed it many times over.
 */
const SAME_SIZE_SLACK_BYTES = 256;

let h: HarnessTestEnv;
let worker: Worker;
let running: Promise<void>;
/** The server's Prometheus metrics (`host:port`). */
let serverMetrics: string;

/** The group whose agent steps wait until the test lets them go, so that all its runs are in flight at once. */
const HELD_GROUP = 'test-waiting';
let releaseHeld: () => void;
const held = new Promise<void>((resolve) => (releaseHeld = resolve));

const report = (competitionId: string, runDir: string): CompetitionReport =>
  silverReport({
    competition_id: competitionId,
    created_at: new Date().toISOString(),
    submission_path: path.join(runDir, 'submission', 'submission.csv'),
  });

/** The harness's activities with everything that would touch Docker, the registries or the data replaced. */
function stubActivities(): Activities {
  // The agent step stays on the shared queue: one worker holds everything.
  const host: ClaimedHost = { hostId: 'stub', taskQueue: TASK_QUEUE, deadAfterSecs: 180 };
  const slots = new HostSlots('stub', path.join(h.paths.runsDir, 'unused-slots'), { slots: 1, gpus: [] });
  const real = createActivities(h.paths, {
    host,
    slots,
    temporal: { service: h.env.nativeConnection.workflowService, namespace: 'default' },
  });
  return {
    ...real,
    // A host without slots: the stub agent step holds none.
    claimHost: () => Promise.resolve(host),
    // The plan as planRunGroup makes it, minus the registries: any competition id will do.
    async planRunGroup(input: { groupId: string; options: unknown; startedAt: string }): Promise<CompetitionGroupPlan> {
      const options = parseRunOptions(input.options, 'runGroup input');
      const groupDir = await claimGroupDir(h.paths.runsDir, input.groupId, options.agentId, new Date(input.startedAt));
      const plan: CompetitionGroupPlan = {
        groupId: input.groupId,
        agentId: options.agentId,
        groupDir,
        startedAt: input.startedAt,
        options,
        kind: 'competition',
        competitionIds: options.competitions ?? [],
        sources: {},
      };
      await writeGroupMetadata(plan, 'running', [], null);
      return plan;
    },
    prepareData: (input) => Promise.resolve({ id: input.competitionId, publicDir: '/nonexistent/public' } as never),
    runAgent: async (input) => {
      if (input.groupId === HELD_GROUP) await held;
      const now = new Date().toISOString();
      const ran: RunAgentResult = {
        containerId: `stub-${input.runId}`,
        exitCode: 0,
        startedAt: now,
        finishedAt: now,
        timedOut: false,
        oomKilled: false,
        reattached: false,
        attempt: 0,
        retriesAllowed: 0,
      };
      return ran;
    },
    gradeSubmission: (input) => {
      // One run of the small group: its grader fails for good, so the run ends infra_error.
      if (input.runDir.endsWith('spambase_seed-2')) throw ApplicationFailure.nonRetryable('the grader fell over', 'StubGraderError');
      return Promise.resolve(report(input.competitionId, input.runDir));
    },
  };
}

beforeAll(async () => {
  const metricsPort = await freePort();
  serverMetrics = `127.0.0.1:${metricsPort}`;
  h = await startHarnessTestEnv({ metricsPort });
  worker = await Worker.create({
    connection: h.env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: { code: h.workflowCode },
    activities: stubActivities(),
    // The children's steps are instant: what limits the group is how many tasks the worker takes at once.
    maxConcurrentActivityTaskExecutions: 512,
    maxConcurrentWorkflowTaskExecutions: 64,
    maxCachedWorkflows: 1200,
  });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await h?.teardown();
});

/** Starts runGroup as the Temporal CLI would (the SDK would refuse stub competitions) and waits for its result. */
async function runGroupOf(groupId: string, options: Record<string, unknown>): Promise<RunGroupResult> {
  const workflow = (await h.client.workflowClient()).workflow;
  const handle = await workflow.start(WORKFLOW_TYPES.runGroup, { workflowId: groupId, taskQueue: TASK_QUEUE, args: [options] });
  return (await handle.result()) as RunGroupResult;
}

async function largestEvent(workflowId: string): Promise<{ events: number; bytes: number; largest: number }> {
  const handle = (await h.client.workflowClient()).workflow.getHandle(workflowId);
  const history = await handle.fetchHistory();
  const sizes = (history.events ?? []).map((e) => temporal.api.history.v1.HistoryEvent.encode(e).finish().length);
  return { events: sizes.length, bytes: sizes.reduce((a, b) => a + b, 0), largest: Math.max(...sizes) };
}

async function runStubGroup(groupId: string, runs: number): Promise<{ largest: number }> {
  const competitions = Array.from({ length: COMPETITIONS }, (_, i) => `stub-${String(i).padStart(2, '0')}`);
  const started = Date.now();
  const result = await runGroupOf(groupId, { agentId: 'dummy', competitions, nSeeds: runs / COMPETITIONS, maxParallel: 256 });
  const secs = (Date.now() - started) / 1000;

  expect(result).toMatchObject({ status: 'completed', kind: 'competition', total: runs, outcomes: { succeeded: runs }, medals: runs });
  expect(result.runs).toBeUndefined();
  const gradingReport = JSON.parse(readFileSync(path.join(result.groupDir, 'grading_report.json'), 'utf8')) as GradingReport;
  expect(gradingReport.total_runs).toBe(runs);

  const figures = await largestEvent(groupId);
  console.log(
    `${runs} runs in ${secs.toFixed(0)} s; the parent's history: ${figures.events} events (${(figures.events / runs).toFixed(2)} a run), ` +
      `${(figures.bytes / 1024).toFixed(0)} KB (${(figures.bytes / runs).toFixed(0)} bytes a run), largest event ${figures.largest} bytes`,
  );
  expect(figures.largest).toBeLessThan(MAX_EVENT_BYTES);
  return figures;
}

describe(`groups of ${SMALL_RUNS} and ${LARGE_RUNS} runs`, () => {
  it("finish through the real workflows with the parent's largest history event the same size for both", async () => {
    const small = await runStubGroup('test-group-small', SMALL_RUNS);
    const large = await runStubGroup('test-group-large', LARGE_RUNS);
    expect(large.largest).toBeLessThanOrEqual(small.largest + SAME_SIZE_SLACK_BYTES);
  }, 900_000);
});

describe('a group with a run that ended infra_error', () => {
  it('has the same total_runs in its grading_report.json and in the SDK summary (the SDK once left the run out)', async () => {
    const groupId = 'test-infra-error-totals';
    const result = await runGroupOf(groupId, { agentId: 'dummy', competitions: ['spambase'], nSeeds: 3 });
    expect(result).toMatchObject({ status: 'completed', total: 3, outcomes: { succeeded: 2, infra_error: 1 } });
    const written = JSON.parse(readFileSync(path.join(result.groupDir, 'grading_report.json'), 'utf8')) as GradingReport;
    const summary = await h.client.getRunSummary(groupId);
    expect(written.total_runs).toBe(3);
    expect(summary.gradingReport?.total_runs).toBe(written.total_runs);
    const { created_at: _a, competition_reports: writtenReports, ...writtenTotals } = written;
    const { created_at: _b, competition_reports: summaryReports, ...summaryTotals } = summary.gradingReport!;
    expect(summaryTotals).toEqual(writtenTotals);
    expect(summaryReports.map((r) => r.error ?? null)).toEqual(writtenReports.map((r) => r.error ?? null));
    expect(summary.runs.map((r) => r.outcome)).toEqual(['succeeded', 'infra_error', 'succeeded']);
  }, 120_000);
});

describe('waiting on a group of 256 runs in flight', () => {
  it('asks the server one query per tick (the progress of the parent), not one per running run', async () => {
    const inFlight = 256;
    const intervalMs = 250;
    const workflow = (await h.client.workflowClient()).workflow;
    const competitions = ['stub-a', 'stub-b', 'stub-c', 'stub-d'];
    await workflow.start(WORKFLOW_TYPES.runGroup, {
      workflowId: HELD_GROUP,
      taskQueue: TASK_QUEUE,
      args: [{ agentId: 'dummy', competitions, nSeeds: inFlight / competitions.length, maxParallel: inFlight }],
    });
    const before = serverQueries(await scrapeMetrics(serverMetrics));
    const started = Date.now();
    let mostRunning = 0;
    const phases = new Set<string>();
    const result = await h.client.waitForCompletion(HELD_GROUP, {
      pollIntervalMs: intervalMs,
      onProgress: (progress) => {
        for (const run of progress.runs) phases.add(run.phase);
        mostRunning = Math.max(mostRunning, progress.running);
        // Every run is in flight: the old waiting asked each of them its phase on this tick.
        if (progress.running === inFlight) releaseHeld();
      },
    });
    const elapsedMs = Date.now() - started;
    const queries = serverQueries(await scrapeMetrics(serverMetrics)) - before;

    expect(result.runs).toHaveLength(inFlight);
    expect(mostRunning).toBe(inFlight);
    // The rows' phases are the parent's own (what `mlebench status` and the page show).
    expect([...phases].every((p) => ['pending', 'running_agent', 'done'].includes(p))).toBe(true);
    // A tick is one query then the interval: never more ticks than that allows, plus the first.
    const ticks = Math.floor(elapsedMs / intervalMs) + 1;
    console.log(`waited ${(elapsedMs / 1000).toFixed(1)} s on ${inFlight} runs in flight: ${queries} queries (at most ${ticks} ticks)`);
    expect(queries).toBeGreaterThan(0);
    expect(queries).toBeLessThanOrEqual(ticks);
  }, 300_000);
});
