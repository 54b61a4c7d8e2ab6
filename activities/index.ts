/**
 * The activities, each a thin adapter over one domain operation. Workflows import the *type*
 * `Activities` only; the worker registers `createActivities(...)`.
 */
import { harnessPaths, type HarnessPaths } from '../core/config';
import { planActivities } from './plan';
import { prepareActivities } from './prepare';
import { runAgentActivities, type RunAgentDeps } from './runAgent';
import { gradeActivities } from './grade';
import { persistActivities } from './persist';
import { hostActivities, type HostDeps } from './host';

/** `host`, `slots`: this worker's Docker host and its agent slots, as its `claimHost` gives them to a run (worker/host.ts). */
export function createActivities(paths: HarnessPaths = harnessPaths(), deps: RunAgentDeps & HostDeps) {
  return {
    ...hostActivities(deps),
    ...planActivities(paths),
    ...prepareActivities(paths),
    ...runAgentActivities(deps),
    ...gradeActivities(paths),
    ...persistActivities(),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { RunAgentInput, RunAgentResult } from './runAgent';
export type { ClaimedHost, ClaimHostInput, HostIdentity, HostLiveness } from './host';
