import type { AgentSpec } from '../agents/types';

/** One agent run in one container; `runId` (the child workflow id) identifies it across retries. */
export interface AgentContainerRequest {
  runId: string;
  groupId: string;
  agent: AgentSpec;
  competitionId: string;
  seed: number;
  timeLimitSecs: number;
  /** Mounted read-only at /home/data (holds description.md). */
  publicDataDir: string;
  /** The run's folder: submission/, code/, logs/ inside it are mounted at /home/<same>. */
  runDir: string;
}

export interface AgentContainerResult {
  containerId: string;
  /** null when the container was stopped by the harness (time limit or cancel). */
  exitCode: number | null;
  startedAt: string;
  finishedAt: string;
  timedOut: boolean;
  oomKilled: boolean;
  /** True when this attempt found the container already running and attached to it. */
  reattached: boolean;
}

export interface AgentContainerProgress {
  containerId: string;
  elapsedSecs: number;
  reattached: boolean;
}
