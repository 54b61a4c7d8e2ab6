import { ApplicationFailure } from '@temporalio/common';
import type { HarnessPaths } from '../core/config';
import { prepareCompetition } from '../core/competitions';
import type { PreparedCompetition } from '../core/competitions/types';
import { isNonRetryableMleBenchError } from '../core/mlebench/errors';
import { prepareTechniqueData as plantTechnique, type PreparedTechnique, type TechniqueRunKey } from '../core/techniques';

/** An MLE-bench error that no retry fixes (missing raw data, a checksum mismatch...) ends the step at once, with its message. */
export async function failFastOnMleBenchErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isNonRetryableMleBenchError(err)) throw ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: true, cause: err });
    throw err;
  }
}

export function prepareActivities(paths: HarnessPaths) {
  return {
    /** Idempotent and cached: a prepared, intact competition returns at once. */
    async prepareData(input: { competitionId: string }): Promise<PreparedCompetition> {
      return failFastOnMleBenchErrors(() => prepareCompetition(input.competitionId, { dataDir: paths.dataDir }));
    },

    /** A technique task's planted copy of the competition's data; cached like prepareData. */
    async prepareTechniqueData(input: TechniqueRunKey): Promise<PreparedTechnique> {
      return plantTechnique(input, { dataDir: paths.dataDir });
    },
  };
}
