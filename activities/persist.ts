import { writeRunRecord } from '../core/artifacts/records';
import type { RunResult } from '../core/runs/types';

export function persistActivities() {
  return {
    /**
     * The agent's submission/, code/ and logs/ were copied into the run folder when its container
     * stopped (core/sandbox/scratch.ts); this writes the run's record beside them, atomically.
     */
    async persistArtifacts(result: RunResult): Promise<void> {
      await writeRunRecord(result);
    },
  };
}
