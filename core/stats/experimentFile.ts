/** An experiment's report in its group folder (`experiment_report.json`): written when the group ends, read back by the clients. */
import path from 'node:path';
import { writeJsonAtomic } from '../artifacts/atomic';
import { GROUP_FILES } from '../artifacts/layout';
import type { ComparedGroup } from './compare';
import { experimentReport, type ExperimentReport } from './experiment';
import { readComparedGroup } from './groups';

export async function writeExperimentReport(groupDir: string, group: ComparedGroup): Promise<ExperimentReport> {
  const report = experimentReport(group);
  await writeJsonAtomic(path.join(groupDir, GROUP_FILES.experimentReport), report);
  return report;
}

/** The report of a group folder: rebuilt from its run.json files (so a group still running, or an old one, has one too). */
export async function readExperimentReport(groupDir: string): Promise<ExperimentReport> {
  const group = await readComparedGroup(groupDir);
  if (!group.runs.some((r) => r.arm)) throw new Error(`${groupDir}: not an experiment: no run has an arm (mlebench experiment runs them)`);
  return experimentReport(group);
}
