/**
 * Operators can see a worker: `mlebench worker` with `MLEBENCH_METRICS_PORT` serves the SDK's
 * metrics for Prometheus, and its explicit slot counts (`MLEBENCH_WORKFLOW_TASK_SLOTS`,
 * `MLEBENCH_ACTIVITY_SLOTS`) are the slots it reports. A real dev server, the worker as its own
 * process (the SDK's runtime, and so its metrics, is installed once per process), one run whose
 * agent step fails (a free-disk threshold above any disk), scraped over the loopback.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../core/config';
import { TASK_QUEUE, hostTaskQueue } from '../../temporal/contract';
import { metricSum, scrapeMetrics } from '../../temporal/metrics';
import { freePort, spawnProc } from '../helpers/crash';
import { temporalSuite } from '../helpers/temporalSuite';

const HOST = 'metrics-host';
const t = temporalSuite('processes');
let metrics: string;

beforeAll(async () => {
  metrics = `127.0.0.1:${await freePort()}`;
});

describe("a worker's metrics", () => {
  it('are served for Prometheus: schedule-to-start latency, the configured slots free, activity failures', async () => {
    const worker = spawnProc([path.join(REPO_ROOT, 'bin', 'mlebench.js'), 'worker'], {
      ...t.home.env,
      MLEBENCH_LOG_LEVEL: 'info',
      MLEBENCH_HOST_ID: HOST,
      MLEBENCH_METRICS_PORT: metrics,
      MLEBENCH_WORKFLOW_TASK_SLOTS: '6',
      MLEBENCH_ACTIVITY_SLOTS: '7',
      // Above any disk: the agent step fails at once (InfraError), with one try.
      MLEBENCH_MIN_FREE_DISK: '1000t',
    });
    await worker.waitFor('worker polling');
    expect(worker.output()).toMatch(/"workflowTaskSlots":6,"activitySlots":7/);

    const groupId = `metrics-${Date.now()}`;
    await t.client.run({ agentId: 'dummy', competitions: ['sotu-authorship'], infraAttempts: 1 }, { groupId });
    const result = await t.client.waitForCompletion(groupId);
    expect(result.runs.map((r) => r.outcome)).toEqual(['infra_error']);

    const text = await scrapeMetrics(metrics);
    const shared = { task_queue: TASK_QUEUE };
    // Every activity of the shared queue waited some time in it: a histogram with a count.
    expect(metricSum(text, 'temporal_activity_schedule_to_start_latency_count', shared)).toBeGreaterThanOrEqual(4);
    expect(metricSum(text, 'temporal_activity_schedule_to_start_latency_count', { task_queue: hostTaskQueue(HOST) })).toBe(1);
    // Idle again: every configured slot is free.
    expect(metricSum(text, 'temporal_worker_task_slots_available', { ...shared, worker_type: 'ActivityWorker' })).toBe(7);
    expect(metricSum(text, 'temporal_worker_task_slots_available', { ...shared, worker_type: 'WorkflowWorker' })).toBe(6);
    expect(metricSum(text, 'temporal_activity_execution_failed', { activity_type: 'runAgent' })).toBe(1);
    await worker.stop('SIGTERM');
  });
});
