import { Context } from '@temporalio/activity';
import type { HarnessPaths } from '../core/config';
import { prepareCompetition, type CompetitionSourceDescriptor } from '../core/competitions';
import type { PrepareProgress } from '../core/competitions/prepareLock';
import type { PreparedCompetition } from '../core/competitions/types';
import { prepareTechniqueData as plantTechnique, type PreparedTechnique, type TechniqueRunKey } from '../core/techniques';

/** Well inside the step's heartbeat timeout (TIMEOUTS.stepHeartbeat, 30 s). */
const HEARTBEAT_EVERY_MS = 5000;

/**
 * Runs a prepare, heartbeating its progress (waiting for another prepare of the same data, or
 * preparing) every few seconds: a dead worker is noticed within the heartbeat timeout, however
 * long a large data set takes (TIMEOUTS.prepare).
 */
async function withProgressBeats<T>(prepare: (onProgress: (p: PrepareProgress) => void) => Promise<T>): Promise<T> {
  const ctx = Context.current();
  let last: PrepareProgress | undefined;
  ctx.heartbeat();
  const beat = setInterval(() => ctx.heartbeat(last), HEARTBEAT_EVERY_MS);
  try {
    return await prepare((p) => {
      last = p;
    });
  } finally {
    clearInterval(beat);
  }
}

export function prepareActivities(paths: HarnessPaths) {
  return {
    /** Idempotent and cached: a prepared, intact competition returns at once; built once per data folder. */
    async prepareData(input: { competitionId: string; source?: CompetitionSourceDescriptor }): Promise<PreparedCompetition> {
      return withProgressBeats((onProgress) =>
        prepareCompetition(input.competitionId, {
          dataDir: paths.dataDir,
          competitionsDir: paths.competitionsDir,
          source: input.source,
          onProgress,
        }),
      );
    },

    /** A technique task's planted copy of the competition's data; cached like prepareData. */
    async prepareTechniqueData(input: TechniqueRunKey): Promise<PreparedTechnique> {
      return withProgressBeats((onProgress) => plantTechnique(input, { dataDir: paths.dataDir, onProgress }));
    },
  };
}
