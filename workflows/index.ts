/** The workflows the worker registers. */
export { runGroup, progressQuery } from './runGroup';
export { competitionRun, runPhaseQuery } from './competitionRun';
