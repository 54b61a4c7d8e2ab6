/** Competitions: the registry of `competitions/<id>/`, where each competition comes from, and the preparation of their data. */
export { listCompetitions, listCompetitionIds, loadCompetition, UnknownCompetitionError, type RegistryOptions } from './registry';
export { PreparedDataChangedError } from './prepare';
export {
  prepareCompetition,
  isPrepared,
  resolveCompetitionSource,
  openCompetitionSource,
  competitionSourceFor,
  bundledCompetitionIds,
  type PrepareOptions,
  type CompetitionSource,
  type CompetitionSourceDescriptor,
} from './source';
export { InvalidCompetitionConfigError, loadCompetitionConfig, type CompetitionConfig, type ConfigIssue } from './config';
export type { Competition, PreparedCompetition } from './types';
