export type { AgentContainerRequest, AgentContainerResult, AgentContainerProgress, SandboxLimits } from './types';
export { InfraError, SandboxAbortedError } from './errors';
export { runAgentContainer, type RunAgentContainerOptions } from './run';
export { listScratchMounts, releaseScratch } from './scratch';
export {
  LABELS,
  dockerClient,
  pingDocker,
  listAgentContainers,
  countRunningAgentContainers,
  stopAgentContainer,
  removeGroupContainers,
  type ContainerFilter,
} from './docker';
export { containerName, defaultSandboxLimits, runPaths } from './spec';
export {
  buildImages,
  buildBaseImage,
  ensureAgentImage,
  imageExists,
  resolveBaseBuildMode,
  BASE_BUILD_MODES,
  type BaseBuildMode,
  type BuildImagesResult,
} from './images';
export { baseImageTag, agentImageTag } from './imageTags';
