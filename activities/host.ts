/**
 * Several Docker hosts: each worker belongs to one host (worker/host.ts) and polls that host's
 * task queue besides the shared one. `claimHost` runs on the shared queue, so the worker that picks
 * it up — one that is alive — gives the run its own host; the agent step then goes to that host's queue.
 */

export interface HostIdentity {
  hostId: string;
  /** The host's own task queue (`mlebench-host-<id>`). */
  taskQueue: string;
}

/** What a run is given by `claimHost`: where its container steps go, and when that host counts as dead. */
export interface ClaimedHost extends HostIdentity {
  /** No agent step started on the host's queue within this many seconds: the host is dead. */
  deadAfterSecs: number;
}

export function hostActivities(host: ClaimedHost) {
  return {
    /** Gives the run this worker's host (runs on the shared queue: whoever answers is alive). */
    claimHost(): Promise<ClaimedHost> {
      return Promise.resolve(host);
    },
  };
}
