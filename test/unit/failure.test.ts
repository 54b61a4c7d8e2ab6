/**
 * explainFailure (client/failure.ts): a failed group's Temporal cause chain, as the CLI, the SDK,
 * the REST API and the results page say it — the root cause, the chain that led there, what to do.
 */
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import { explainFailure, formatFailure } from '../../client/failure';

const ROOT = 'unknown competition "telco-churn-mini": looked in /x/competitions and no MLE-bench checkout (MLEBENCH_REPO unset)';

/** As the client receives a group whose planning activity failed non-retryably (the interceptor wraps the error in itself). */
function planningFailed(type: string, message: string): WorkflowFailedError {
  const original = new ApplicationFailure(message, type, false);
  const wrapped = new ApplicationFailure(message, type, true, undefined, original);
  const activity = new ActivityFailure('Activity task failed', 'planRunGroup', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', wrapped);
  return new WorkflowFailedError('Workflow execution failed', activity, RetryState.NON_RETRYABLE_FAILURE);
}

describe('explainFailure', () => {
  it("a group failed at planning: the root cause (type and message), the chain once each, the failure's hint", () => {
    const f = explainFailure(planningFailed('UnknownCompetitionError', ROOT));
    expect(f.message).toBe(`UnknownCompetitionError: ${ROOT}`);
    expect(f.causes).toEqual(['Workflow execution failed', 'activity planRunGroup failed', `UnknownCompetitionError: ${ROOT}`]);
    expect(f.type).toBe('UnknownCompetitionError');
    expect(f.hint).toMatch(/MLEBENCH_REPO/);
    expect(f.message).not.toContain('Activity task failed');
  });

  it('missing competition data: prepare on the worker, or its MLEBENCH_DATA_DIR', () => {
    const f = explainFailure(planningFailed('CompetitionDataMissingError', 'the data of "x" is not here'));
    expect(f.hint).toMatch(/mlebench prepare -c <id>.*worker's host.*MLEBENCH_DATA_DIR/);
  });

  it("options the worker refuses (the terminal's check passed): the worker's checkout, competitions and data", () => {
    const f = explainFailure(planningFailed('InvalidRunOptionsError', 'invalid run options: competitions: unknown competition "x"'));
    expect(f.hint).toMatch(/MLEBENCH_REPO, MLEBENCH_COMPETITIONS_DIR and MLEBENCH_DATA_DIR/);
  });

  it('a time-out: whether a worker runs', () => {
    const timeout = new TimeoutFailure('activity timed out', undefined, 'SCHEDULE_TO_START');
    const activity = new ActivityFailure('Activity task failed', 'planRunGroup', '1', RetryState.TIMEOUT, 'w', timeout);
    const f = explainFailure(new WorkflowFailedError('Workflow execution failed', activity, RetryState.TIMEOUT));
    expect(f.message).toBe('timed out (SCHEDULE_TO_START)');
    expect(f.hint).toMatch(/mlebench worker/);
  });

  it('an unknown failure type: its root, no hint; a plain error: its message', () => {
    expect(explainFailure(planningFailed('SomethingElse', 'boom'))).toMatchObject({ message: 'SomethingElse: boom', hint: null });
    expect(explainFailure(new Error('cannot connect'))).toEqual({
      message: 'cannot connect',
      causes: ['cannot connect'],
      type: null,
      hint: null,
    });
    expect(explainFailure('a string')).toMatchObject({ message: 'a string' });
  });

  it('as the terminal prints it: the root first, then where, then what to do', () => {
    const text = formatFailure(explainFailure(planningFailed('UnknownCompetitionError', ROOT)));
    expect(text.split('\n')).toEqual([
      `UnknownCompetitionError: ${ROOT}`,
      '  where: Workflow execution failed → activity planRunGroup failed',
      expect.stringMatching(/^ {2}what to do: .*MLEBENCH_REPO/),
    ]);
    expect(formatFailure(explainFailure(new Error('plain')))).toBe('plain');
  });
});
