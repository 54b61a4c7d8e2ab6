/** The workflows the worker registers. */
export { runGroup, progressQuery } from './runGroup';
export { competitionRun } from './competitionRun';
export { techniqueRun } from './techniqueRun';
export { runPhaseQuery } from './agentRun';
