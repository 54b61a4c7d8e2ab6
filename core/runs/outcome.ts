/**
 * How a run's outcome follows from what its container did and what grading found. Pure, so the
 * workflow can call it; the rules are the documented contract:
 * - the time limit was hit → `agent_timeout` (a submission written before the stop is still graded);
 * - the container exited non-zero or was OOM-killed → `agent_failed` (a submission is still graded);
 *   killed by a signal from outside the harness (`docker kill`: exit 128+n, not OOM, not the limit,
 *   not a cancel) → `agent_failed` saying so, even with a submission — unless the agent's config
 *   allows `retries`, then the workflow starts it again in a fresh container (see shouldRetryAgent);
 * - exit 0 but no submission → `agent_failed`; an invalid one → `invalid_submission`;
 * - otherwise `succeeded`. Infrastructure and cancellation are decided by the workflow.
 * An LLM agent whose budget ran out is stopped by the harness (after a grace period) unless it
 * exits first; either way its submission is graded as above, and the reason says the budget ended it.
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
  llm?: { budgetExhausted?: 'tokens' | 'requests' | 'dollars' } | null,
): { outcome: Outcome; reason?: string } {
  const decided = decideFromContainerAndGrade(container, grade);
  if (!llm?.budgetExhausted) return decided;
  const ran = `its LLM ${llm.budgetExhausted.replace(/s$/, '')} budget ran out`;
  if (decided.reason) return { ...decided, reason: `${decided.reason} (after ${ran})` };
  return { ...decided, reason: container.stoppedForBudget ? `${ran}: the harness stopped the agent; its submission was graded` : `${ran}; the agent finished on its own` };
}

function decideFromContainerAndGrade(container: AgentContainerResult, grade: GradedSubmission | null): { outcome: Outcome; reason?: string } {
  if (container.timedOut) return { outcome: 'agent_timeout', reason: 'the agent was stopped at its time limit' };
  if (container.oomKilled) return { outcome: 'agent_failed', reason: 'oom: the agent ran out of memory and was killed' };
  const killed = killedFromOutside(container);
  if (killed) return { outcome: 'agent_failed', reason: killed };
  // Stopped for its budget, the agent has no exit code of its own: its submission decides.
  if (container.exitCode !== 0 && !container.stoppedForBudget) return { outcome: 'agent_failed', reason: `the agent exited with code ${container.exitCode}` };
  // A symlink (or special file) in submission/ is never copied out for the grader: say so.
  const notCopied = container.notCopied?.find((e) => e.startsWith('submission/'));
  if ((!grade || !grade.submission_exists) && notCopied) return { outcome: 'invalid_submission', reason: `not a regular file, not graded: ${notCopied}` };
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

const SIGNALS: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 6: 'SIGABRT', 9: 'SIGKILL', 15: 'SIGTERM' };

/**
 * Why the container was killed from outside the harness, or undefined: it ended on a signal
 * (exit code 128+n: SIGKILL gives 137) that was neither the kernel's OOM killer nor the harness
 * stopping it at the limit (`timedOut`; a cancel never reaches the outcome rules). Someone ran
 * `docker kill`, or the engine or host killed it.
 */
export function killedFromOutside(container: AgentContainerResult): string | undefined {
  const code = container.exitCode;
  if (container.timedOut || container.oomKilled || code === null || code <= 128 || code > 128 + 64) return undefined;
  const signal = SIGNALS[code - 128] ?? `signal ${code - 128}`;
  return `the agent container was killed from outside the harness (${signal}, exit code ${code}): not out of memory, not the time limit, not a cancel`;
}

/**
 * Whether the workflow starts the agent again in a fresh container: only after a kill from
 * outside (the agent did not fail on its own), and at most `retries` times (agent config).
 */
export function shouldRetryAgent(container: AgentContainerResult, attempt: number, retries: number): boolean {
  return killedFromOutside(container) !== undefined && attempt < retries;
}
