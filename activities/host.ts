/**
 * Several Docker hosts: each worker belongs to one host (worker/host.ts) and polls that host's
 * task queue besides the shared one. `claimHost` runs on the shared queue, so the worker that picks
 * it up — one that is alive — gives the run its own host, reserving one of its agent slots (and the
 * GPUs its agent asks for); the agent step then goes to that host's queue. A full host refuses,
 * retryably: the claim is tried again, on whichever worker answers, until a slot is free.
 */
import { temporal } from '@temporalio/proto';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { resolveRunAgent } from '../core/agents/gitAgent';
import type { GitAgentSource } from '../core/agents/gitSource';
import type { HostSlots, LeaseIsStale } from '../core/hosts/slots';
import { temporalPlacement, temporalWorkflowState, type WorkflowServiceLike } from '../core/sandbox/reaper';

export interface HostIdentity {
  hostId: string;
  /** The host's own task queue (`mlebench-host-<id>`). */
  taskQueue: string;
}

/** What a run is given by `claimHost`: where its container steps go, and when that host counts as dead. */
export interface ClaimedHost extends HostIdentity {
  /** No agent step started on the host's queue within this many seconds: the host is dead, unless its queue is polled. */
  deadAfterSecs: number;
  /** The agent slot reserved for the run (absent in histories from before host slots). */
  slot?: number;
  /** The host's GPU ids reserved for the run's container. */
  gpus?: string[];
  /** The agent step's heartbeat time-out on this host (absent in claims made before it was given). */
  agentHeartbeatSecs?: number;
}

export interface ClaimHostInput {
  runId: string;
  /** Whose GPUs to reserve (config `gpus`). */
  agentId: string;
  /** Its git source, pinned (run option `agentGit`). */
  agentGit?: GitAgentSource;
  /** Which container of the run the slot is for (0 the first). */
  attempt: number;
}

/**
 * Whether the worker of a run's host polled its queue within the host's dead time (DescribeTaskQueue's
 * pollers; a poll's time is when it began, and an idle worker's polls last up to a minute). Asked
 * after an agent step waited there that long with no taker: a poll meanwhile means a live worker
 * busy with other steps; none means it is gone (or full, which slot leases prevent).
 */
export interface HostLiveness {
  alive: boolean;
  /** Seconds since the host's queue was last polled; null when no poller is known. */
  lastPollSecsAgo: number | null;
}

/** The Temporal calls the host activities make: the worker's own connection. */
export interface HostTemporal {
  service: WorkflowServiceLike & Pick<temporal.api.workflowservice.v1.WorkflowService, 'describeTaskQueue'>;
  namespace: string;
}

export interface HostDeps {
  /** This worker's host, as its claims give it (without a slot). */
  host: ClaimedHost;
  slots: HostSlots;
  temporal: HostTemporal;
}

/** A lease found current is not asked about again for this long: a full host's claims come every few seconds. */
const CURRENT_LEASE_TTL_MS = 60_000;

/**
 * A lease is stale when its run's workflow is closed (or unknown), or the run moved on to a later
 * container (its `placement` query: a lost host's lease, once the host is back); a Temporal that
 * cannot say keeps it.
 */
export function staleLeases(t: HostTemporal): LeaseIsStale {
  const state = temporalWorkflowState(t.service, t.namespace);
  const placement = temporalPlacement(t.service, t.namespace);
  const current = new Map<string, number>();
  return async (lease) => {
    // Forget what has expired: a worker lives for months and sees every run of its host once.
    if (current.size > 256) for (const [k, at] of current) if (Date.now() - at >= CURRENT_LEASE_TTL_MS) current.delete(k);
    const key = `${lease.runId}#${lease.attempt}`;
    if (Date.now() - (current.get(key) ?? -Infinity) < CURRENT_LEASE_TTL_MS) return false;
    const stale = (await state(lease.runId)) !== 'running' || (await placement(lease.runId)).attempt > lease.attempt;
    if (stale) current.delete(key);
    else current.set(key, Date.now());
    return stale;
  };
}

export function hostActivities({ host, slots, temporal: t }: HostDeps) {
  const isStale = staleLeases(t);
  return {
    /**
     * Gives the run this worker's host with a slot reserved (runs on the shared queue: whoever
     * answers is alive); idempotent per run. Without input (histories from before host slots): the host alone.
     */
    async claimHost(input?: ClaimHostInput): Promise<ClaimedHost> {
      if (!input) return host;
      const agent = await resolveRunAgent(input.agentId, input.agentGit);
      const lease = await slots.claim(
        { runId: input.runId, attempt: input.attempt, gpus: agent.gpus ?? 0, agentId: input.agentId },
        isStale,
      );
      return { ...host, slot: lease.slot, gpus: lease.gpus };
    },

    /** Whether `of`'s worker polled its host queue within its dead time (HostLiveness). */
    async hostLiveness(of: ClaimedHost): Promise<HostLiveness> {
      const { pollers } = await t.service.describeTaskQueue({
        namespace: t.namespace,
        taskQueue: { name: of.taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      });
      const last = Math.max(...(pollers ?? []).map((p) => optionalTsToMs(p.lastAccessTime) ?? 0), 0);
      const lastPollSecsAgo = last > 0 ? Math.max(0, (Date.now() - last) / 1000) : null;
      return { alive: lastPollSecsAgo !== null && lastPollSecsAgo < of.deadAfterSecs, lastPollSecsAgo };
    },
  };
}
