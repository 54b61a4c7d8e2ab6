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
import { hostActivities, hostIdentity, type HostIdentity } from './host';

export function createActivities(paths: HarnessPaths = harnessPaths(), deps: RunAgentDeps & { host?: HostIdentity } = {}) {
  return {
    ...hostActivities(deps.host ?? hostIdentity()),
    ...planActivities(paths),
    ...prepareActivities(paths),
    ...runAgentActivities(deps),
    ...gradeActivities(paths),
    ...persistActivities(),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { RunAgentInput, RunAgentResult } from './runAgent';
export type { ClaimedHost } from './host';
