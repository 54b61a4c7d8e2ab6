/** The harness-owned OpenAI-compatible gateway (issue 6): per-run tokens, budgets, aliases, rollouts. */
export { startGateway, type Gateway, type GatewayListener, type GatewayOptions } from './server.js';
export {
  loadGatewayConfig,
  parseGatewayConfig,
  costOf,
  GatewayConfigError,
  type GatewayConfig,
  type GatewayConfigInput,
  type GatewayLimits,
  type Price,
} from './config.js';
export { type Budget, type BudgetKind, type RegisterRunInput, type RunUsage } from './runs.js';
export { type CheckpointLine, type RolloutLine, type TruncatedBody, rolloutState, usageFromRollout } from './rollout.js';
export { ALLOWED_FIELDS } from './request.js';
export {
  grantLlmAccess,
  budgetGraceMs,
  LlmGatewayUnavailableError,
  ROLLOUT_FILE,
  type LlmGrant,
  type LlmUsageRecord,
} from './runAccess.js';
