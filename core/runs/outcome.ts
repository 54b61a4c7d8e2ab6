/**
 * How a run's outcome follows from what its container did and what grading found. Pure, so the
 * workflow can call it; the rules are the documented contract:
 * - the time limit was hit → `agent_timeout` (a submission written before the stop is still graded);
 * - the container exited non-zero or was OOM-killed → `agent_failed` (a submission is still graded);
 * - exit 0 but no submission → `agent_failed`; an invalid one → `invalid_submission`;
 * - otherwise `succeeded`. Infrastructure and cancellation are decided by the workflow.
 */
import type { Outcome } from '../outcomes';
import type { CompetitionReport } from '../grading/report';
import type { AgentContainerResult } from '../sandbox/types';
import type { Medal } from './types';

/** What decides an outcome of any grade: a competition's report or a technique grade. */
export type GradedSubmission = Pick<CompetitionReport, 'submission_exists' | 'valid_submission' | 'error'>;

export function decideOutcome(
  container: AgentContainerResult,
  grade: GradedSubmission | null,
): { outcome: Outcome; reason?: string } {
  if (container.timedOut) return { outcome: 'agent_timeout', reason: 'the agent was stopped at its time limit' };
  if (container.oomKilled) return { outcome: 'agent_failed', reason: 'oom: the agent ran out of memory and was killed' };
  if (container.exitCode !== 0) return { outcome: 'agent_failed', reason: `the agent exited with code ${container.exitCode}` };
  if (!grade || !grade.submission_exists) return { outcome: 'agent_failed', reason: 'the agent wrote no submission' };
  if (!grade.valid_submission) return { outcome: 'invalid_submission', reason: grade.error ?? 'invalid submission' };
  return { outcome: 'succeeded' };
}

export function medalOf(grade: CompetitionReport | null): Medal | null {
  if (!grade) return null;
  if (grade.gold_medal) return 'gold';
  if (grade.silver_medal) return 'silver';
  if (grade.bronze_medal) return 'bronze';
  return null;
}
