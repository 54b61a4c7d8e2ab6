import { writeRunRecord } from '../core/artifacts/records';
import type { RunResult } from '../core/runs/types';

export function persistActivities() {
  return {
    /**
     * The agent's submission/, code/ and logs/ are already in the run folder (bind mounts); this
     * writes the run's record beside them, atomically.
     */
    async persistArtifacts(result: RunResult): Promise<void> {
      await writeRunRecord(result);
    },
  };
}
