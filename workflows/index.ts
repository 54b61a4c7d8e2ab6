/** The workflows the worker registers. */
export { runGroup } from './runGroup';
export { competitionRun } from './competitionRun';
export { techniqueRun } from './techniqueRun';
