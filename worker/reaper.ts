/**
 * The worker's reaper: a sweep of this runs folder's Docker leftovers (core/sandbox/reaper.ts) at
 * start, then every `MLEBENCH_REAPER_INTERVAL_SECS`, in the background (a silent Docker engine
 * must not delay the worker), until the worker stops. A host that comes back after its runs moved
 * elsewhere so removes their containers within one interval.
 */
import type { NativeConnection } from '@temporalio/worker';
import { log } from '../core/log';
import { reapLeftovers, temporalPlacement, temporalWorkflowState } from '../core/sandbox/reaper';

/** Default seconds between two sweeps. */
export const REAPER_INTERVAL_SECS = 180;

/** `MLEBENCH_REAPER_INTERVAL_SECS` (whole seconds ≥ 1), else REAPER_INTERVAL_SECS. */
export function reaperIntervalSecs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MLEBENCH_REAPER_INTERVAL_SECS;
  if (raw === undefined || raw === '') return REAPER_INTERVAL_SECS;
  const secs = Number(raw);
  if (!Number.isInteger(secs) || secs < 1)
    throw new Error(`MLEBENCH_REAPER_INTERVAL_SECS must be a whole number of seconds ≥ 1, not "${raw}"`);
  return secs;
}

export interface PeriodicReaper {
  /** No sweep starts after this; one under way finishes on its own. */
  stop(): void;
}

/** Sweeps now and then every `intervalSecs` (the next one timed from the end of the last, so sweeps never overlap). */
export function startPeriodicReaper(
  connection: NativeConnection,
  namespace: string,
  runsDir: string,
  intervalSecs: number,
): PeriodicReaper {
  const service = connection.workflowService;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let sweeps = 0;
  const sweep = async () => {
    const which = sweeps++ === 0 ? 'start-up' : 'periodic';
    try {
      const report = await reapLeftovers({
        runsDir,
        workflowState: temporalWorkflowState(service, namespace),
        placement: temporalPlacement(service, namespace),
      });
      log[report.reaped.length ? 'info' : 'debug'](
        { event: 'reaper.sweep', sweep: which, runsDir, reaped: report.reaped.length, kept: report.kept.length },
        `${which} sweep: ${report.reaped.length} leftover(s) removed`,
      );
    } catch (err) {
      log.warn(
        { event: 'reaper.sweep', sweep: which, runsDir, error: (err as Error).message },
        `${which} sweep of leftovers failed (nothing removed)`,
      );
    }
    // Unref'd: a worker made but never run must not keep its process alive for the reaper.
    if (!stopped) timer = setTimeout(() => void sweep(), intervalSecs * 1000).unref();
  };
  void sweep();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
