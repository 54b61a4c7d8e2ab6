/**
 * What an operator sets of a worker process, from its environment: the shared queue's slots (how
 * many workflow tasks and activities it runs at once), how long a stopping worker lets running
 * steps finish, and where the SDK's metrics are served for Prometheus.
 */

export interface WorkerSettings {
  /** Workflow tasks of the shared queue at once (`MLEBENCH_WORKFLOW_TASK_SLOTS`). */
  workflowTaskSlots: number;
  /** Activities of the shared queue at once: prepares, gradings, records (`MLEBENCH_ACTIVITY_SLOTS`). */
  activitySlots: number;
  /** After SIGINT/SIGTERM, how long running steps may finish before they are cancelled (`MLEBENCH_SHUTDOWN_GRACE_SECS`). */
  shutdownGraceMs: number;
  /** `host:port` of the SDK's Prometheus `/metrics` (`MLEBENCH_METRICS_PORT`); null: not served. */
  metricsAddress: string | null;
}

/**
 * The SDK's own defaults, made explicit: 40 workflow tasks and 100 activities at once, no grace
 * (a stopping worker cancels its steps at once; an agent step's container is left running for the
 * next worker to re-attach to), no metrics.
 */
export const WORKER_DEFAULTS = { workflowTaskSlots: 40, activitySlots: 100, shutdownGraceSecs: 0 } as const;

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number ≥ ${min}, not "${raw}"`);
  return n;
}

/** `MLEBENCH_METRICS_PORT`: a port (served on every interface, for a Prometheus elsewhere) or `host:port` (e.g. `127.0.0.1:9464`). */
export function metricsAddress(env: NodeJS.ProcessEnv = process.env): string | null {
  const raw = env.MLEBENCH_METRICS_PORT;
  if (raw === undefined || raw === '') return null;
  const m = /^(?:(.+):)?(\d+)$/.exec(raw);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) throw new Error(`MLEBENCH_METRICS_PORT must be a port (1-65535) or host:port, not "${raw}"`);
  return `${m[1] ?? '0.0.0.0'}:${port}`;
}

export function workerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  return {
    // The SDK refuses fewer than 2 workflow task slots while it caches workflows.
    workflowTaskSlots: wholeNumber(env, 'MLEBENCH_WORKFLOW_TASK_SLOTS', WORKER_DEFAULTS.workflowTaskSlots, 2),
    activitySlots: wholeNumber(env, 'MLEBENCH_ACTIVITY_SLOTS', WORKER_DEFAULTS.activitySlots, 1),
    shutdownGraceMs: wholeNumber(env, 'MLEBENCH_SHUTDOWN_GRACE_SECS', WORKER_DEFAULTS.shutdownGraceSecs, 0) * 1000,
    metricsAddress: metricsAddress(env),
  };
}
