/**
 * Workflow code deliberately not deterministic for the competitionRun histories of today's code:
 * a timer before the first activity. `mlebench replay` given its bundle must fail on them
 * (test/temporal/replayServer.test.ts); runGroup and techniqueRun are today's.
 */
import { sleep } from '@temporalio/workflow';
import type { CompetitionRunInput, RunResult } from '../../core/runs/types';
import { competitionRun as todays } from '../../workflows/competitionRun';

export { runGroup } from '../../workflows/runGroup';
export { techniqueRun } from '../../workflows/techniqueRun';

export async function competitionRun(input: CompetitionRunInput): Promise<RunResult> {
  await sleep('1 second');
  return todays(input);
}
