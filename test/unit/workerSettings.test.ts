/** What operators set of a worker (worker/settings.ts) and of a waiting client (the SDK's poll interval). */
import { describe, expect, it } from 'vitest';
import { metricsAddress, WORKER_DEFAULTS, workerSettings } from '../../worker/settings';
import { DEFAULT_POLL_INTERVAL_MS, progressPollIntervalMs } from '../../client/sdk';
import { metricSum, serverQueries } from '../../temporal/metrics';

describe('worker settings', () => {
  it("are the SDK's defaults, made explicit, when nothing is set", () => {
    expect(workerSettings({})).toEqual({
      workflowTaskSlots: WORKER_DEFAULTS.workflowTaskSlots,
      activitySlots: WORKER_DEFAULTS.activitySlots,
      shutdownGraceMs: 0,
      metricsAddress: null,
    });
  });

  it('reads the slots, the shutdown grace and the metrics port from the environment', () => {
    const env = {
      MLEBENCH_WORKFLOW_TASK_SLOTS: '8',
      MLEBENCH_ACTIVITY_SLOTS: '12',
      MLEBENCH_SHUTDOWN_GRACE_SECS: '30',
      MLEBENCH_METRICS_PORT: '9464',
    };
    expect(workerSettings(env)).toEqual({
      workflowTaskSlots: 8,
      activitySlots: 12,
      shutdownGraceMs: 30_000,
      metricsAddress: '0.0.0.0:9464',
    });
  });

  it('serves the metrics on every interface for a bare port, on the address given for host:port', () => {
    expect(metricsAddress({ MLEBENCH_METRICS_PORT: '9464' })).toBe('0.0.0.0:9464');
    expect(metricsAddress({ MLEBENCH_METRICS_PORT: '127.0.0.1:9464' })).toBe('127.0.0.1:9464');
    expect(metricsAddress({ MLEBENCH_METRICS_PORT: '' })).toBeNull();
  });

  it('refuses values the SDK would refuse or misread, naming the variable and the value', () => {
    expect(() => workerSettings({ MLEBENCH_WORKFLOW_TASK_SLOTS: '1' })).toThrow(
      'MLEBENCH_WORKFLOW_TASK_SLOTS must be a whole number ≥ 2, not "1"',
    );
    expect(() => workerSettings({ MLEBENCH_ACTIVITY_SLOTS: '2.5' })).toThrow(
      'MLEBENCH_ACTIVITY_SLOTS must be a whole number ≥ 1, not "2.5"',
    );
    expect(() => workerSettings({ MLEBENCH_SHUTDOWN_GRACE_SECS: '-1' })).toThrow('MLEBENCH_SHUTDOWN_GRACE_SECS must be a whole number ≥ 0');
    expect(() => metricsAddress({ MLEBENCH_METRICS_PORT: '70000' })).toThrow(
      'MLEBENCH_METRICS_PORT must be a port (1-65535) or host:port, not "70000"',
    );
    expect(() => metricsAddress({ MLEBENCH_METRICS_PORT: 'prometheus' })).toThrow('MLEBENCH_METRICS_PORT');
  });
});

describe("a waiting client's poll interval", () => {
  it('is a few seconds unless MLEBENCH_PROGRESS_POLL_SECS says otherwise', () => {
    expect(progressPollIntervalMs({})).toBe(DEFAULT_POLL_INTERVAL_MS);
    expect(DEFAULT_POLL_INTERVAL_MS).toBeGreaterThanOrEqual(2000);
    expect(progressPollIntervalMs({ MLEBENCH_PROGRESS_POLL_SECS: '0.5' })).toBe(500);
    expect(() => progressPollIntervalMs({ MLEBENCH_PROGRESS_POLL_SECS: '0' })).toThrow(
      'MLEBENCH_PROGRESS_POLL_SECS must be a number of seconds > 0, not "0"',
    );
  });
});

describe('Prometheus text', () => {
  const text = [
    '# HELP service_latency_count x',
    'service_latency_count{namespace="default",operation="QueryWorkflow",service_name="frontend"} 7',
    'service_latency_count{namespace="default",operation="QueryWorkflow",service_name="history"} 7',
    'service_latency_count{namespace="other",operation="QueryWorkflow",service_name="frontend"} 2',
    'service_latency_count_extra{operation="QueryWorkflow",service_name="frontend"} 100',
    'temporal_worker_task_slots_available{task_queue="mlebench",worker_type="ActivityWorker"} 12',
  ].join('\n');

  it("sums a metric's samples whose labels match, and nothing of a longer name", () => {
    expect(serverQueries(text)).toBe(9);
    expect(metricSum(text, 'temporal_worker_task_slots_available', { worker_type: 'ActivityWorker' })).toBe(12);
    expect(metricSum(text, 'temporal_worker_task_slots_available', { worker_type: 'WorkflowWorker' })).toBeNull();
  });
});
