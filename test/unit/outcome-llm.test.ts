/**
 * The outcome of an LLM agent's run whose budget ran out: stopped by the harness (its submission
 * graded as usual) or exiting on its own first; the reason says the budget ended it. Without a
 * budget that ran out, the rules are the same as for any agent.
 */
import { describe, expect, it } from 'vitest';
import { decideOutcome, shouldRetryAgent, type GradedSubmission } from '../../core/runs/outcome';
import type { AgentContainerResult } from '../../core/sandbox/types';

const container = (over: Partial<AgentContainerResult> = {}): AgentContainerResult => ({
  containerId: 'c',
  exitCode: 0,
  startedAt: '2026-01-01T00:00:00Z',
  finishedAt: '2026-01-01T00:05:00Z',
  timedOut: false,
  oomKilled: false,
  reattached: false,
  ...over,
});
/** How the sandbox reports a container it stopped because the budget ran out. */
const stopped = (over: Partial<AgentContainerResult> = {}) => container({ exitCode: null, stoppedForBudget: true, ...over });

const valid: GradedSubmission = { submission_exists: true, valid_submission: true };
const invalid: GradedSubmission = { submission_exists: true, valid_submission: false, error: 'missing column "id"' };
const none: GradedSubmission = { submission_exists: false, valid_submission: false, error: 'no submission' };

describe('an LLM run whose budget ran out', () => {
  it('stopped by the harness with a valid submission: succeeded, saying the budget ended it', () => {
    expect(decideOutcome(stopped(), valid, { budgetExhausted: 'tokens' })).toEqual({
      outcome: 'succeeded',
      reason: 'its LLM token budget ran out: the harness stopped the agent; its submission was graded',
    });
  });

  it('names each budget kind in the singular', () => {
    for (const [kind, noun] of [
      ['tokens', 'token'],
      ['requests', 'request'],
      ['dollars', 'dollar'],
    ] as const) {
      expect(decideOutcome(stopped(), valid, { budgetExhausted: kind }).reason).toBe(
        `its LLM ${noun} budget ran out: the harness stopped the agent; its submission was graded`,
      );
    }
  });

  it('stopped by the harness with an invalid submission: invalid_submission, the grader’s reason, then the budget', () => {
    expect(decideOutcome(stopped(), invalid, { budgetExhausted: 'requests' })).toEqual({
      outcome: 'invalid_submission',
      reason: 'missing column "id" (after its LLM request budget ran out)',
    });
  });

  it('stopped by the harness with no submission: agent_failed, then the budget', () => {
    for (const grade of [none, null]) {
      expect(decideOutcome(stopped(), grade, { budgetExhausted: 'dollars' })).toEqual({
        outcome: 'agent_failed',
        reason: 'the agent wrote no submission (after its LLM dollar budget ran out)',
      });
    }
  });

  it('stopped by the harness: a submission that is a symlink is invalid, not graded', () => {
    expect(decideOutcome(stopped({ notCopied: ['submission/submission.csv: a symlink'] }), null, { budgetExhausted: 'tokens' })).toEqual({
      outcome: 'invalid_submission',
      reason: 'not a regular file, not graded: submission/submission.csv: a symlink (after its LLM token budget ran out)',
    });
  });

  it('the agent exiting 0 on its own after the budget ran out: graded as usual, saying it finished on its own', () => {
    expect(decideOutcome(container({ exitCode: 0 }), valid, { budgetExhausted: 'requests' })).toEqual({
      outcome: 'succeeded',
      reason: 'its LLM request budget ran out; the agent finished on its own',
    });
    expect(decideOutcome(container({ exitCode: 0 }), invalid, { budgetExhausted: 'requests' })).toEqual({
      outcome: 'invalid_submission',
      reason: 'missing column "id" (after its LLM request budget ran out)',
    });
    expect(decideOutcome(container({ exitCode: 0 }), none, { budgetExhausted: 'requests' }).outcome).toBe('agent_failed');
  });

  it('the agent exiting non-zero on its own after the budget ran out: agent_failed with its exit code, even with a valid submission', () => {
    expect(decideOutcome(container({ exitCode: 1 }), valid, { budgetExhausted: 'tokens' })).toEqual({
      outcome: 'agent_failed',
      reason: 'the agent exited with code 1 (after its LLM token budget ran out)',
    });
  });

  it('the time limit, OOM and a kill from outside still come first', () => {
    const timeout = decideOutcome(container({ exitCode: null, timedOut: true }), valid, { budgetExhausted: 'tokens' });
    expect(timeout).toEqual({
      outcome: 'agent_timeout',
      reason: 'the agent was stopped at its time limit (after its LLM token budget ran out)',
    });
    const oom = decideOutcome(container({ exitCode: 137, oomKilled: true }), valid, { budgetExhausted: 'tokens' });
    expect(oom.outcome).toBe('agent_failed');
    expect(oom.reason).toMatch(/^oom: .* \(after its LLM token budget ran out\)$/);
    const killed = decideOutcome(container({ exitCode: 137 }), valid, { budgetExhausted: 'tokens' });
    expect(killed.outcome).toBe('agent_failed');
    expect(killed.reason).toMatch(/killed from outside the harness \(SIGKILL, exit code 137\).*\(after its LLM token budget ran out\)$/);
  });

  it('a container the harness stopped for its budget is never retried as killed from outside', () => {
    expect(shouldRetryAgent(stopped(), 0, 5)).toBe(false);
  });
});

describe('an LLM run whose budget did not run out, and any other run', () => {
  const containers = [
    container(),
    container({ exitCode: 2 }),
    container({ exitCode: null, timedOut: true }),
    container({ exitCode: 137, oomKilled: true }),
    container({ exitCode: 143 }),
    container({ notCopied: ['submission/x: a symlink'] }),
  ];
  const grades = [valid, invalid, none, null];

  it('decides as without LLM information: no llm, null, or usage without an exhausted budget', () => {
    for (const c of containers) {
      for (const g of grades) {
        const plain = decideOutcome(c, g);
        expect(decideOutcome(c, g, undefined)).toEqual(plain);
        expect(decideOutcome(c, g, null)).toEqual(plain);
        expect(decideOutcome(c, g, {})).toEqual(plain);
        expect(decideOutcome(c, g, { budgetExhausted: undefined })).toEqual(plain);
      }
    }
  });

  it('keeps a clean success without a reason', () => {
    expect(decideOutcome(container(), valid, {})).toEqual({ outcome: 'succeeded' });
  });
});
