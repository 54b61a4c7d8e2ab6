import type { HarnessPaths } from '../core/config';
import { prepareCompetition, type CompetitionSourceDescriptor } from '../core/competitions';
import type { PreparedCompetition } from '../core/competitions/types';
import { prepareTechniqueData as plantTechnique, type PreparedTechnique, type TechniqueRunKey } from '../core/techniques';

export function prepareActivities(paths: HarnessPaths) {
  return {
    /** Idempotent and cached: a prepared, intact competition returns at once. */
    async prepareData(input: { competitionId: string; source?: CompetitionSourceDescriptor }): Promise<PreparedCompetition> {
      return prepareCompetition(input.competitionId, {
        dataDir: paths.dataDir,
        competitionsDir: paths.competitionsDir,
        source: input.source,
      });
    },

    /** A technique task's planted copy of the competition's data; cached like prepareData. */
    async prepareTechniqueData(input: TechniqueRunKey): Promise<PreparedTechnique> {
      return plantTechnique(input, { dataDir: paths.dataDir });
    },
  };
}
