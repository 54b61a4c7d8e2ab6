/**
 * An agent in MLE-bench's format runs here unchanged (issue 18, points 4-6): the fixture agent
 * (test/fixtures/mlebench-agents/probe: FROM mlebench-env, the four build args, a start script
 * that activates the conda `agent` environment, checks what MLE-bench's dummy checks and calls
 * /home/validate_submission.sh) is found through MLEBENCH_AGENT_DIRS, built on demand, run offline
 * through the real harness and graded. A privileged one is refused before anything starts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../core/config';
import { InvalidRunOptionsError } from '../../core/options';
import type { GradingReport } from '../../core/grading/report';
import type { RunResult } from '../../core/runs/types';
import { temporalSuite } from '../helpers/temporalSuite';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'mlebench-agents');
const saved = process.env.MLEBENCH_AGENT_DIRS;
const h = temporalSuite('in-process');

beforeAll(() => {
  process.env.MLEBENCH_AGENT_DIRS = `fixture=${FIXTURES}`;
});

afterAll(() => {
  if (saved === undefined) delete process.env.MLEBENCH_AGENT_DIRS;
  else process.env.MLEBENCH_AGENT_DIRS = saved;
});

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

describe('an agent in MLE-bench format', () => {
  it('is built FROM mlebench-env, runs its start script with its kwargs, validates on localhost:5000, and is graded', async () => {
    const groupId = 'test-mlebench-probe';
    const worker = await h.newWorker();
    const result = await worker.runUntil(async () => {
      // Two seeds at once: the first run builds the image, the other waits on the same build.
      await h.client.run({ agentId: 'fixture.probe', competitions: ['sotu-authorship'], nSeeds: 2, maxParallel: 2 }, { groupId });
      return h.client.waitForCompletion(groupId);
    });
    expect(result.status).toBe('completed');
    expect(result.runs).toHaveLength(2);
    for (const run of result.runs) {
      const agentLog = readFileSync(path.join(run.runDir, 'logs', 'agent.log'), 'utf8');
      expect(agentLog, agentLog).toContain('PROBE OK');
      expect(agentLog).toContain('{"result": "Submission invalid! missing columns');
      expect(readFileSync(path.join(run.runDir, 'logs', 'args.txt'), 'utf8')).toBe(
        'args: agent.steps=3 copy_data=False exp_name=probe run agent.temp=1.0 agent.lr=1e-05\n',
      );
      expect(readJson<RunResult>(path.join(run.runDir, 'run.json')).outcome).toBe('succeeded');
    }
    const report = readJson<GradingReport>(path.join(result.groupDir, 'grading_report.json'));
    expect(report).toMatchObject({ total_runs: 2, total_valid_submissions: 2 });
    expect(report.competition_reports[0]).toMatchObject({ competition_id: 'sotu-authorship', valid_submission: true });
  });

  it('refuses a privileged one with the reason, before anything starts', async () => {
    const err = await h.client.run({ agentId: 'fixture.probe/privileged', competitions: ['sotu-authorship'] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidRunOptionsError);
    const issues = (err as InvalidRunOptionsError).issues;
    expect(issues.map((i) => i.field)).toEqual(['agentId']);
    expect(issues[0]!.reason).toMatch(/probe\/privileged: privileged: true is refused: this harness never runs a privileged container/);
  });
});
