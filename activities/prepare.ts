import type { HarnessPaths } from '../core/config';
import { prepareCompetition } from '../core/competitions';
import type { PreparedCompetition } from '../core/competitions/types';

export function prepareActivities(paths: HarnessPaths) {
  return {
    /** Idempotent and cached: a prepared, intact competition returns at once. */
    async prepareData(input: { competitionId: string }): Promise<PreparedCompetition> {
      return prepareCompetition(input.competitionId, { dataDir: paths.dataDir });
    },
  };
}
