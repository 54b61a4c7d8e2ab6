import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideOutcome, medalOf } from '../../core/runs/outcome';
import { claimGroupDir, planRuns, resolveRunRequest } from '../../core/runs/plan';
import { harnessPaths } from '../../core/config';
import { parseRunOptions, InvalidRunOptionsError } from '../../core/options';
import { runGroupDirName, folderTimestamp } from '../../core/artifacts/layout';
import type { AgentContainerResult } from '../../core/sandbox/types';
import type { CompetitionReport } from '../../core/grading/report';
import { toActivityFailure } from '../../worker/interceptors';
import { ApplicationFailure } from '@temporalio/common';
import { UnknownCompetitionError } from '../../core/competitions';

const container = (over: Partial<AgentContainerResult> = {}): AgentContainerResult => ({
  containerId: 'c',
  exitCode: 0,
  startedAt: '2026-01-01T00:00:00Z',
  finishedAt: '2026-01-01T00:00:10Z',
  timedOut: false,
  oomKilled: false,
  reattached: false,
  ...over,
});

const grade = (over: Partial<CompetitionReport> = {}): CompetitionReport => ({
  competition_id: 'x',
  score: 0.5,
  gold_threshold: 0.1,
  silver_threshold: 0.2,
  bronze_threshold: 0.3,
  median_threshold: 0.6,
  any_medal: false,
  gold_medal: false,
  silver_medal: false,
  bronze_medal: false,
  above_median: true,
  submission_exists: true,
  valid_submission: true,
  is_lower_better: true,
  created_at: '',
  submission_path: '',
  ...over,
});

describe('outcomes', () => {
  it('follow the documented precedence', () => {
    expect(decideOutcome(container(), grade()).outcome).toBe('succeeded');
    expect(decideOutcome(container({ timedOut: true, exitCode: null }), grade()).outcome).toBe('agent_timeout');
    expect(decideOutcome(container({ oomKilled: true, exitCode: 137 }), grade()).reason).toMatch(/^oom/);
    expect(decideOutcome(container({ exitCode: 1 }), grade({ submission_exists: false })).outcome).toBe('agent_failed');
    expect(decideOutcome(container(), grade({ submission_exists: false, valid_submission: false })).outcome).toBe('agent_failed');
    const invalid = decideOutcome(container(), grade({ valid_submission: false, error: 'missing column id' }));
    expect(invalid).toEqual({ outcome: 'invalid_submission', reason: 'missing column id' });
  });

  it('reads the medal from the report', () => {
    expect(medalOf(grade({ silver_medal: true, any_medal: true }))).toBe('silver');
    expect(medalOf(grade())).toBeNull();
    expect(medalOf(null)).toBeNull();
  });
});

describe('run-group plan', () => {
  const paths = harnessPaths();

  it('builds readable, stable run ids and folders', () => {
    const runs = planRuns('g1', '/runs/G', ['a', 'b'], 2);
    expect(runs.map((r) => r.runId)).toEqual(['g1/a/seed-1', 'g1/a/seed-2', 'g1/b/seed-1', 'g1/b/seed-2']);
    expect(runs[3]!.runDir).toBe('/runs/G/b_seed-2');
  });

  it('names group folders as the seed system did', () => {
    const at = new Date('2025-12-11T03:48:13.512Z');
    expect(folderTimestamp(at)).toBe('2025-12-11T03-48-13-UTC');
    expect(runGroupDirName(at, 'aide/dev')).toBe('2025-12-11T03-48-13-UTC_run-group_aide-dev');
  });

  it('rejects unknown competitions and agents before anything starts', async () => {
    const err = await resolveRunRequest(parseRunOptions({ agentId: 'nobody', competitions: ['nothing-here'] }), paths).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidRunOptionsError);
    expect((err as InvalidRunOptionsError).issues.map((i) => i.field).sort()).toEqual(['agentId', 'competitions']);
  });

  it('refuses an LLM agent without a dollar budget, unless the run says it is uncapped', async () => {
    const issues = await resolveRunRequest(
      parseRunOptions({ agentId: 'aide/dev', competitions: ['spambase'], llmBudget: { maxRequests: 10 } }),
      paths,
    ).catch((e: InvalidRunOptionsError) => e.issues);
    expect(issues).toEqual([
      {
        field: 'llmBudget.maxDollars',
        reason: expect.stringMatching(/^agent aide\/dev calls an LLM: give it a dollar budget per run \(--max-dollars/) as string,
      },
    ]);
    for (const extra of [{ llmBudget: { maxDollars: 2 } }, { llmUnlimited: true }]) {
      expect(
        (await resolveRunRequest(parseRunOptions({ agentId: 'aide/dev', competitions: ['spambase'], ...extra }), paths)).agent.id,
      ).toBe('aide/dev');
    }
    // An agent that calls no LLM needs none.
    expect((await resolveRunRequest(parseRunOptions({ agentId: 'dummy', competitions: ['spambase'] }), paths)).agent.id).toBe('dummy');
  });

  it('keeps Lite competitions of a set: every bundled offline one counts', async () => {
    const { competitionIds } = await resolveRunRequest(
      parseRunOptions({ agentId: 'dummy', lite: true, competitionSet: 'splits/offline.txt' }),
      paths,
    );
    expect(competitionIds).toContain('sotu-authorship');
  });

  it('fails fast on a Kaggle competition whose data is not here, saying what is missing and how to get it', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'data-'));
    const err = await resolveRunRequest(parseRunOptions({ agentId: 'dummy', competitionSet: 'splits/dev.txt' }), {
      ...paths,
      dataDir,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRunOptionsError);
    const issues = (err as InvalidRunOptionsError).issues;
    expect(issues.map((i) => i.field)).toEqual(['competitions', 'competitions', 'competitions']);
    expect(issues[0]!.reason).toContain(`"random-acts-of-pizza" is a Kaggle competition of MLE-bench`);
    expect(issues[0]!.reason).toContain(path.join(dataDir, 'random-acts-of-pizza', 'prepared', 'public'));
    expect(issues[0]!.reason).toContain('~/.kaggle/kaggle.json');
    // MLE-bench's Lite split with no set given: the same, for its 22 Kaggle competitions.
    const lite = await resolveRunRequest(parseRunOptions({ agentId: 'dummy', lite: true }), { ...paths, dataDir }).catch((e: unknown) => e);
    expect((lite as InvalidRunOptionsError).issues).toHaveLength(22);
  });

  it('gives a retried group its own folder back and a clashing group another', async () => {
    const runsDir = mkdtempSync(path.join(os.tmpdir(), 'runs-'));
    const at = new Date('2026-01-01T00:00:00Z');
    const first = await claimGroupDir(runsDir, 'g-1', 'dummy', at);
    expect(await claimGroupDir(runsDir, 'g-1', 'dummy', at)).toBe(first);
    const other = await claimGroupDir(runsDir, 'g-2', 'dummy', at);
    expect(other).not.toBe(first);
    expect(path.basename(other)).toBe(`${path.basename(first)}_g-2`);
  });
});

describe('activity error mapping', () => {
  it('makes errors no retry can fix non-retryable and leaves the rest retryable', () => {
    const mapped = toActivityFailure(new UnknownCompetitionError('x', ['spambase']));
    expect(mapped).toBeInstanceOf(ApplicationFailure);
    expect((mapped as ApplicationFailure).nonRetryable).toBe(true);
    expect((mapped as ApplicationFailure).type).toBe('UnknownCompetitionError');
    const docker = new Error('connect ECONNREFUSED /var/run/docker.sock');
    expect(toActivityFailure(docker)).toBe(docker);
  });
});
