/** Activities that open and close a run group: its plan and folders, then its reports. */
import type { HarnessPaths } from '../core/config';
import { parseRunOptions } from '../core/options';
import { createRunGroupPlan } from '../core/runs/plan';
import { collectRunRecords, writeGroupMetadata, writeGroupReport, type GroupStatus } from '../core/artifacts/records';
import { compactPlan } from '../core/runs/planned';
import type { GroupTotals, RunGroupPlan } from '../core/runs/types';
import { writeExperimentReport } from '../core/stats/experimentFile';

export interface FinalizeRunGroupInput {
  /** The plan as `planRunGroup` gave it (or, from a group planned before plans were compact, every run). */
  plan: Parameters<typeof compactPlan>[0];
  status: GroupStatus;
  finishedAt: string;
  /** Children that failed without writing a record, and why (absent from groups started before). */
  failures?: [runId: string, reason: string][];
  /** Children cancelled by themselves while the group went on (absent from groups started before). */
  cancelled?: string[];
}

export function planActivities(paths: HarnessPaths) {
  return {
    /** Validates the options against the registries, claims the group folder, writes metadata.json. */
    async planRunGroup(input: { groupId: string; options: unknown; startedAt: string }): Promise<RunGroupPlan> {
      const options = parseRunOptions(input.options, 'runGroup input');
      const plan = await createRunGroupPlan(input.groupId, options, new Date(input.startedAt), paths);
      await writeGroupMetadata(plan, 'running', [], null);
      return plan;
    },

    /**
     * Reads every run's run.json from the group's folder (the runs that wrote none get one), writes
     * grading_report.json (competition runs) or technique_grades.json (technique runs), an
     * experiment's experiment_report.json, then the final metadata.json; returns the counts.
     */
    async finalizeRunGroup(input: FinalizeRunGroupInput): Promise<GroupTotals> {
      const plan = compactPlan(input.plan);
      const results = await collectRunRecords(plan, {
        status: input.status,
        failures: new Map(input.failures ?? []),
        cancelled: new Set(input.cancelled ?? []),
        at: input.finishedAt,
      });
      const { total, outcomes, medals } = await writeGroupReport(plan, results, input.finishedAt);
      if (plan.options.arms) await writeExperimentReport(plan.groupDir, { id: plan.groupId, agent_id: plan.agentId, runs: results });
      await writeGroupMetadata(plan, input.status, results, input.finishedAt);
      return { total, outcomes, medals };
    },
  };
}
