/** Competitions: the registry of `competitions/<id>/` and the preparation of their data. */
export { listCompetitions, listCompetitionIds, loadCompetition, UnknownCompetitionError, type RegistryOptions } from './registry';
export { prepareCompetition, isPrepared, PreparedDataChangedError, type PrepareOptions } from './prepare';
export { InvalidCompetitionConfigError, loadCompetitionConfig, type CompetitionConfig, type ConfigIssue } from './config';
export type { Competition, PreparedCompetition } from './types';
