export type { AgentSpec } from './types';
export { AgentConfigError, RESERVED_ENV, DEFAULT_VARIANT, loadAgentConfig, type AgentConfig } from './config';
export {
  UnknownAgentError,
  listAgents,
  resolveAgent,
  listAgentDefinitions,
  loadAgentDefinition,
  type AgentDefinition,
  type AgentRegistryOptions,
} from './registry';
