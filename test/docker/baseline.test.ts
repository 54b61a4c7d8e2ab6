/**
 * The baseline agent, in its real container, on every offline competition (splits/offline.txt),
 * each prepared from its real data: it must leave a valid submission that the grader scores better
 * than the sample submission, and above the median of the competition's reference leaderboard;
 * and it medals on at most two of the eight (issue 20: a suite a few hundred lines of scikit-learn
 * win medals on everywhere cannot rank agents; the leaderboards' expert tails make the top real).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAgent } from '../../core/agents';
import type { AgentSpec } from '../../core/agents/types';
import { prepareCompetition, type PreparedCompetition } from '../../core/competitions';
import { harnessPaths } from '../../core/config';
import { gradeSubmission } from '../../core/grading';
import { resolveSplit } from '../../core/runs/splits';
import { removeGroupContainers, runAgentContainer } from '../../core/sandbox';
import { buildImages } from '../../core/sandbox/images';

const group = `baseline-test-${process.pid}-${Date.now()}`;
let tmp: string;
let dataDir: string;
let baseline: AgentSpec;
const prepared = new Map<string, Promise<PreparedCompetition>>();
/** Each competition's medal (or none), as its test grades the baseline. */
const medals = new Map<string, string>();
const MAX_MEDALS = 2;
/** A competition prepared when its test first needs it, so `-t <competition>` prepares that one only. */
const preparedData = (id: string) => {
  if (!prepared.has(id)) prepared.set(id, prepareCompetition(id, { dataDir }));
  return prepared.get(id)!;
};
// Read at collection time: one test per competition of the offline split.
const competitions = readFileSync(path.join(harnessPaths().splitsDir, 'offline.txt'), 'utf8')
  .split('\n')
  .map((line) => line.replace(/#.*/, '').trim())
  .filter(Boolean);

beforeAll(async () => {
  await buildImages();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'baseline-'));
  dataDir = path.join(tmp, 'data');
  baseline = await resolveAgent('baseline');
  expect((await resolveSplit('splits/offline.txt', harnessPaths())).ids).toEqual(competitions);
});

afterAll(async () => {
  await removeGroupContainers(group);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the baseline agent on every offline competition', () => {
  it('covers all eight', () => expect(competitions).toHaveLength(8));

  it.each(competitions)(
    '%s: a valid submission that beats the sample submission and the leaderboard median',
    async (competitionId) => {
      const data = await preparedData(competitionId);
      const runDir = path.join(tmp, 'runs', competitionId);
      const started = Date.now();
      const result = await runAgentContainer({
        runId: `${group}/${competitionId}`,
        groupId: group,
        agent: baseline,
        competitionId,
        seed: 1,
        timeLimitSecs: 850,
        publicDataDir: data.publicDir,
        runDir,
      });
      const secs = (Date.now() - started) / 1000;
      const agentLog = readFileSync(path.join(runDir, 'logs', 'agent.log'), 'utf8').slice(-2000);
      expect(result, agentLog).toMatchObject({ exitCode: 0, timedOut: false, oomKilled: false });

      const submissionPath = path.join(runDir, 'submission', 'submission.csv');
      const report = await gradeSubmission({ competitionId, submissionPath, dataDir });
      const sample = await gradeSubmission({ competitionId, submissionPath: data.sampleSubmissionPath, dataDir });
      console.log(
        `baseline on ${competitionId}: ${report.score} (sample ${sample.score}; median ${report.median_threshold}, ` +
          `bronze ${report.bronze_threshold}, silver ${report.silver_threshold}, gold ${report.gold_threshold}; ` +
          `medal: ${report.any_medal}) in ${secs.toFixed(1)} s`,
      );
      expect(report, report.error).toMatchObject({ valid_submission: true, submission_exists: true });
      medals.set(competitionId, report.gold_medal ? 'gold' : report.silver_medal ? 'silver' : report.bronze_medal ? 'bronze' : 'none');
      expect(sample.valid_submission).toBe(true);
      const better = report.is_lower_better ? report.score! < sample.score! : report.score! > sample.score!;
      expect(better, `baseline ${report.score} vs sample ${sample.score}`).toBe(true);
      expect(report.above_median, `baseline ${report.score} vs median ${report.median_threshold}`).toBe(true);
      expect(readFileSync(path.join(runDir, 'logs', 'baseline.log'), 'utf8')).toMatch(/validate-submission: valid/);
    },
    1_200_000, // prepare (now inside the test) and an 850 s agent
  );

  it(`medals on at most ${MAX_MEDALS} of the eight`, () => {
    const table = competitions.map((id) => `${id}: ${medals.get(id) ?? 'not graded (its test failed or did not run)'}`).join('; ');
    expect([...medals.keys()].sort(), table).toEqual([...competitions].sort());
    const medalled = competitions.filter((id) => medals.get(id) !== 'none');
    expect(medalled.length, table).toBeLessThanOrEqual(MAX_MEDALS);
  });
});
