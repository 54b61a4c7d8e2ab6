/** Activities that open and close a run group: its plan and folders, then its reports. */
import type { HarnessPaths } from '../core/config';
import { parseRunOptions } from '../core/options';
import { createRunGroupPlan } from '../core/runs/plan';
import { writeGroupMetadata, writeGroupReport, type GroupStatus } from '../core/artifacts/records';
import type { RunGroupPlan, RunResult } from '../core/runs/types';

export function planActivities(paths: HarnessPaths) {
  return {
    /** Validates the options against the registries, claims the group folder, writes metadata.json. */
    async planRunGroup(input: { groupId: string; options: unknown; startedAt: string }): Promise<RunGroupPlan> {
      const options = parseRunOptions(input.options, 'runGroup input');
      const plan = await createRunGroupPlan(input.groupId, options, new Date(input.startedAt), paths);
      await writeGroupMetadata(plan, 'running', [], null);
      return plan;
    },

    /** Writes grading_report.json (competition runs) or technique_grades.json (technique runs), then the final metadata.json. */
    async finalizeRunGroup(input: { plan: RunGroupPlan; results: RunResult[]; status: GroupStatus; finishedAt: string }): Promise<void> {
      await writeGroupReport(input.plan, input.results, input.finishedAt);
      await writeGroupMetadata(input.plan, input.status, input.results, input.finishedAt);
    },
  };
}
