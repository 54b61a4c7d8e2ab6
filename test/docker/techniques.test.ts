/**
 * Proof that technique grades discriminate: for each of the six tasks, planted in spambase, the
 * reference solution (technique-reference, which does the technique right) grades at least 0.9,
 * while the dummy agent and a naive agent that ignores the technique grade at most 0.3 — each in
 * its real container, graded by the real grader.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAgent } from '../../core/agents';
import { TECHNIQUE_TASKS } from '../../core/options';
import { gradeTechniqueSubmission, prepareTechniqueData } from '../../core/techniques';
import { removeGroupContainers, runAgentContainer } from '../../core/sandbox';
import { buildImages } from '../../core/sandbox/images';

const group = `technique-test-${process.pid}-${Date.now()}`;
const competitionId = 'spambase';
const seed = 1;
let tmp: string;
let dataDir: string;

beforeAll(async () => {
  await buildImages();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'techniques-'));
  dataDir = path.join(tmp, 'data');
});

afterAll(async () => {
  await removeGroupContainers(group);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Runs one agent on the task's planted data in its container and grades what it wrote. */
async function gradeOf(task: (typeof TECHNIQUE_TASKS)[number], agentId: string) {
  const key = { task, competitionId, seed };
  const planted = await prepareTechniqueData(key, { dataDir });
  const runDir = path.join(tmp, 'runs', `${task}-${agentId.replace('/', '-')}`);
  const result = await runAgentContainer({
    runId: `${group}/${task}/${agentId}`,
    groupId: group,
    agent: await resolveAgent(agentId),
    competitionId,
    techniqueTask: task,
    seed,
    timeLimitSecs: 600,
    publicDataDir: planted.publicDir,
    runDir,
  });
  const agentLog = readFileSync(path.join(runDir, 'logs', 'agent.log'), 'utf8').slice(-3000);
  // exit 0 also means the dummy found nothing secret (answers, truth) in its sandbox.
  expect(result, agentLog).toMatchObject({ exitCode: 0, timedOut: false, oomKilled: false });
  const grade = await gradeTechniqueSubmission({ ...key, submissionDir: path.join(runDir, 'submission') }, { dataDir });
  console.log(
    `${task} on ${competitionId} seed ${seed}, ${agentId}: ${grade.score} (${grade.criteria.map((c) => `${c.name} ${c.score.toFixed(2)}`).join(', ')})`,
  );
  return grade;
}

describe.each(TECHNIQUE_TASKS)('technique task %s on spambase', (task) => {
  it('the reference solution grades >= 0.9; the naive and dummy agents <= 0.3', async () => {
    const oracle = await gradeOf(task, 'technique-reference');
    expect(oracle.valid_submission && oracle.valid_analysis, oracle.error).toBe(true);
    expect(oracle.score, JSON.stringify(oracle.criteria)).toBeGreaterThanOrEqual(0.9);

    const naive = await gradeOf(task, 'technique-reference/naive');
    expect(naive.valid_submission, naive.error).toBe(true);
    expect(naive.score, JSON.stringify(naive.criteria)).toBeLessThanOrEqual(0.3);

    const dummy = await gradeOf(task, 'dummy');
    expect(dummy.valid_submission, dummy.error).toBe(true);
    expect(dummy.score, JSON.stringify(dummy.criteria)).toBeLessThanOrEqual(0.3);
  });
});
