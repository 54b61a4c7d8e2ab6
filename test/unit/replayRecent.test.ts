/** The pure parts of `mlebench replay` (worker/replay.ts): its query, its --since, and what a replay error is said as. */
import { describe, expect, it } from 'vitest';
import { recentWorkflowsQuery, replayErrorDetail, sinceMs } from '../../worker/replay';

describe('mlebench replay', () => {
  it('asks for our workflow types, running or closed since the time', () => {
    expect(recentWorkflowsQuery(new Date('2026-12-05T10:00:00Z'))).toBe(
      "(WorkflowType = 'runGroup' OR WorkflowType = 'competitionRun' OR WorkflowType = 'techniqueRun') AND " +
        "(ExecutionStatus = 'Running' OR CloseTime > '2026-12-05T10:00:00.000Z')",
    );
  });

  it('takes Temporal durations for --since and refuses anything else', () => {
    expect(sinceMs('24h')).toBe(86_400_000);
    expect(sinceMs('90 minutes')).toBe(5_400_000);
    for (const bad of ['yesterday', '0s', '-1h', '']) expect(() => sinceMs(bad)).toThrow(new RegExp(`--since: "${bad}" is not a duration`));
  });

  it("says a nondeterminism by the core's sentence and the event it names", () => {
    const message =
      'Replay failed with a nondeterminism error. This means that the workflow code as written is not compatible with the history that was fed in. ' +
      'Details: Workflow activation completion failed: Failure { failure: Some(Failure { message: "[TMPRL1100] Nondeterminism error: Timer machine does ' +
      'not handle this event: HistoryEvent(id: 5, ActivityTaskScheduled)", source: "", stack_trace: "" }), force_cause: NonDeterministicError }';
    expect(replayErrorDetail(message)).toEqual({
      detail: 'Timer machine does not handle this event: HistoryEvent(id: 5, ActivityTaskScheduled)',
      event: { id: 5, type: 'ActivityTaskScheduled' },
    });
    expect(replayErrorDetail('something else broke')).toEqual({ detail: 'something else broke' });
  });
});
