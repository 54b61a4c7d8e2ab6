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
import { hostActivities, type ClaimedHost } from './host';

/** `host`: this worker's Docker host, as its `claimHost` gives it to a run (worker/host.ts). */
export function createActivities(paths: HarnessPaths = harnessPaths(), deps: RunAgentDeps & { host: ClaimedHost }) {
  return {
    ...hostActivities(deps.host),
    ...planActivities(paths),
    ...prepareActivities(paths),
    ...runAgentActivities(deps),
    ...gradeActivities(paths),
    ...persistActivities(),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { RunAgentInput, RunAgentResult } from './runAgent';
export type { ClaimedHost, HostIdentity } from './host';
