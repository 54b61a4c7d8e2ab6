/** The outcomes of one run: distinct, so an infrastructure failure is never scored as the agent's. */
export const OUTCOMES = ['succeeded', 'agent_failed', 'agent_timeout', 'invalid_submission', 'infra_error', 'cancelled'] as const;
export type Outcome = (typeof OUTCOMES)[number];
