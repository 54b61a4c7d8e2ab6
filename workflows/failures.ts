/** Turns a Temporal failure chain into one readable line for a run's record. */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TemporalFailure } from '@temporalio/workflow';

export function describeFailure(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  while (current instanceof Error) {
    if (current instanceof ActivityFailure) parts.push(`activity ${current.activityType} failed`);
    else if (current instanceof ChildWorkflowFailure) parts.push(`child ${current.execution?.workflowId ?? ''} failed`);
    else if (current instanceof ApplicationFailure) parts.push(current.type ? `${current.type}: ${current.message}` : current.message);
    else parts.push(current.message);
    current = current instanceof TemporalFailure ? current.cause : undefined;
  }
  // An error wrapped as non-retryable carries itself as its cause: say it once.
  const said = parts.filter((p, i) => p && !(i > 0 && parts[i - 1]!.endsWith(p)));
  return said.join(': ') || String(err);
}
