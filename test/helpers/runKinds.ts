/** A run record narrowed to its kind, failing the test when it is of the other kind. */
import type { CompetitionRunResult, RunResult, TechniqueRunResult } from '../../core/runs/types';

export function competitionRecord(r: RunResult | undefined): CompetitionRunResult {
  if (r?.kind !== 'competition') throw new Error(`expected a competition run, got ${JSON.stringify(r?.kind)} (${r?.runId})`);
  return r;
}

export function techniqueRecord(r: RunResult | undefined): TechniqueRunResult {
  if (r?.kind !== 'technique') throw new Error(`expected a technique run, got ${JSON.stringify(r?.kind)} (${r?.runId})`);
  return r;
}
