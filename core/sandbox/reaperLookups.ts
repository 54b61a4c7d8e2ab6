/**
 * What the reaper (reaper.ts) asks Temporal about a run: its workflow's state (describe) and its
 * current container (the `placement` query), over a client's or a worker's connection.
 */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { RunPlacement } from '../runs/types';
import { QUERIES } from '../../temporal/contract';
import type { PlacementLookup, WorkflowStateLookup } from './reaper';

/** The part of Temporal's WorkflowService the reaper uses (a client's or a worker's connection). */
export interface WorkflowServiceLike {
  describeWorkflowExecution(request: { namespace: string; execution: { workflowId: string } }): Promise<{
    workflowExecutionInfo?: { status?: number | null } | null;
  }>;
  queryWorkflow(request: { namespace: string; execution: { workflowId: string }; query: { queryType: string } }): Promise<{
    queryResult?: { payloads?: Payload[] | null } | null;
  }>;
}

/** WORKFLOW_EXECUTION_STATUS_RUNNING in Temporal's API. */
const STATUS_RUNNING = 1;
/** gRPC NOT_FOUND. */
const GRPC_NOT_FOUND = 5;

/** A lookup by workflow id against Temporal; "not found" is `unknown`, any other error is thrown. */
export function temporalWorkflowState(service: WorkflowServiceLike, namespace: string): WorkflowStateLookup {
  return async (workflowId) => {
    try {
      const res = await service.describeWorkflowExecution({ namespace, execution: { workflowId } });
      return res.workflowExecutionInfo?.status === STATUS_RUNNING ? 'running' : 'closed';
    } catch (err) {
      if ((err as { code?: number }).code === GRPC_NOT_FOUND) return 'unknown';
      throw err;
    }
  };
}

/** A query may wait for a worker to pick it up; past this the reaper cannot tell (and keeps). */
const QUERY_TIMEOUT_MS = 10_000;

/** The run's `placement` query against Temporal (workflows/agentRun.ts answers it). */
export function temporalPlacement(service: WorkflowServiceLike, namespace: string): PlacementLookup {
  return async (workflowId) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer to the placement query within ${QUERY_TIMEOUT_MS / 1000} s`)), QUERY_TIMEOUT_MS);
    });
    const asked = service.queryWorkflow({ namespace, execution: { workflowId }, query: { queryType: QUERIES.placement.name } });
    asked.catch(() => undefined); // once timed out, its own failure is of no interest
    try {
      const res = await Promise.race([asked, timeout]);
      const payload = res.queryResult?.payloads?.[0];
      if (!payload) throw new Error(`the placement query of ${workflowId} returned nothing`);
      return defaultPayloadConverter.fromPayload<RunPlacement>(payload);
    } finally {
      clearTimeout(timer);
    }
  };
}
