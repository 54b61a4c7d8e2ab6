/** Finished run groups' folders written straight to disk, for the commands and routes that only read them (aggregate, compare). */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeGroupReport, writeRunRecord } from '../../core/artifacts/records';
import type { Outcome } from '../../core/outcomes';
import type { Arm } from '../../core/options';
import type { CompetitionGroupPlan, CompetitionRunResult, Medal } from '../../core/runs/types';
import { silverReport } from './runKinds';

export interface FolderRun {
  competitionId: string;
  seed: number;
  score: number | null;
  medal?: Medal | null;
  outcome?: Outcome;
  lowerIsBetter?: boolean;
  /** Its grade's normalized score (absent when not given, as in reports written before it existed). */
  normalized?: number;
  /** An experiment's run: its arm names its id and folder as the plan does. */
  arm?: Arm;
}

/** A competition group's folder `<runsDir>/<name>`: metadata.json, each run's run.json, grading_report.json. */
export async function writeGroupFolder(runsDir: string, id: string, agentId: string, runs: FolderRun[]): Promise<string> {
  const groupDir = path.join(runsDir, `2026-01-01T00-00-00-UTC_run-group_${id}`);
  const results = runs.map((r): CompetitionRunResult => {
    const medal = r.medal ?? null;
    const runDir = path.join(groupDir, `${r.arm ? `${r.arm}_` : ''}${r.competitionId}_seed-${r.seed}`);
    mkdirSync(runDir, { recursive: true });
    return {
      kind: 'competition',
      runId: `${id}/${r.arm ? `arm-${r.arm}/` : ''}${r.competitionId}/seed-${r.seed}`,
      groupId: id,
      agentId,
      competitionId: r.competitionId,
      seed: r.seed,
      runDir,
      outcome: r.outcome ?? 'succeeded',
      score: r.score,
      medal,
      aboveMedian: medal !== null,
      timings: { startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z', agentSecs: 60 },
      container: null,
      grade: silverReport({
        competition_id: r.competitionId,
        score: r.score,
        any_medal: medal !== null,
        gold_medal: medal === 'gold',
        silver_medal: medal === 'silver',
        bronze_medal: medal === 'bronze',
        above_median: medal !== null,
        valid_submission: r.score !== null,
        is_lower_better: r.lowerIsBetter ?? false,
        ...(r.normalized !== undefined ? { normalized_score: r.normalized } : {}),
      }),
      ...(r.arm ? { arm: r.arm } : {}),
    };
  });
  for (const r of results) await writeRunRecord(r);
  const metadata = {
    run_group_id: id,
    agent_id: agentId,
    status: 'completed',
    runs: results.map((r) => ({
      run_id: r.runId,
      competition_id: r.competitionId,
      seed: r.seed,
      dir: path.basename(r.runDir),
      status: 'finished',
    })),
  };
  writeFileSync(path.join(groupDir, 'metadata.json'), JSON.stringify(metadata));
  const plan = { kind: 'competition', groupId: id, agentId, groupDir, competitionIds: [...new Set(runs.map((r) => r.competitionId))] };
  await writeGroupReport(plan as unknown as CompetitionGroupPlan, results, '2026-01-02T00:00:00Z');
  return groupDir;
}
