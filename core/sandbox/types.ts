import type { AgentSpec } from '../agents/types';

/** One agent run in one container; `runId` (the child workflow id) identifies it across retries. */
export interface AgentContainerRequest {
  runId: string;
  groupId: string;
  agent: AgentSpec;
  competitionId: string;
  /** A technique run's task: the container gets it as TECHNIQUE_TASK. */
  techniqueTask?: string;
  seed: number;
  timeLimitSecs: number;
  /** Mounted read-only at /home/data (holds description.md). */
  publicDataDir: string;
  /** The run's folder: submission/, code/, logs/ inside it are mounted at /home/<same>. */
  runDir: string;
  /** Mounted read-only at /home/instructions.txt (default: agents/instructions.txt). */
  instructionsFile?: string;
  /** Overrides of the default limits (see defaultSandboxLimits). */
  limits?: Partial<SandboxLimits>;
  /** 0 for the first container of the run, n for its n-th retry (agent `retries`): in the name and labels. */
  attempt?: number;
  /** The host whose queue sent the step (its container's `mlebench.host` label). */
  host?: string;
  /** The host's GPU device ids reserved for this container (core/hosts): it gets exactly these. */
  gpus?: string[];
  /** Run option `stepLimit`: the container's STEP_LIMIT. */
  stepLimit?: number;
  /** An LLM agent's access: the run's internal network (only the gateway answers there) and its OPENAI_* env. */
  llm?: LlmAccess;
}

export interface LlmAccess {
  networkName: string;
  /** OPENAI_API_KEY (the run's gateway token, never a real key) and OPENAI_BASE_URL (the gateway on the run's network). */
  env: { OPENAI_API_KEY: string; OPENAI_BASE_URL: string };
}

export interface SandboxLimits {
  /** Memory cap, swap included (no swap); the kernel kills the agent past it (oomKilled). */
  memoryBytes: number;
  /**
   * Size of the scratch filesystem holding submission/, code/ and logs/ (sparse: costs only what
   * is written). Needs root and a loop device; otherwise those are plain folders, uncapped.
   */
  diskBytes: number;
  /** Files (inodes) in the scratch filesystem, and in each tmpfs. */
  files: number;
  /** Processes and threads in the container. */
  pidsLimit: number;
  /** CPU cap in units of 1e-9 CPUs; undefined = no cap. */
  nanoCpus?: number;
  /** Size of the tmpfs at /tmp (RAM-backed: counts against memory). */
  tmpBytes: number;
  /** Size of the tmpfs at the agent's home, /home/agent, when the root fs is read-only. */
  homeBytes: number;
  /** Cap of the harness's logs/agent.log: past it, its first and last halves are kept (logs.ts). */
  logBytes: number;
  /**
   * Seconds past the time limit at which the container ends itself (its PID 1, init.ts) when no
   * worker stopped it at the limit: a lost worker or host never leaves an agent running unbounded.
   */
  deadlineGraceSecs: number;
}

export interface AgentContainerResult {
  containerId: string;
  /** null when the container was stopped by the harness (time limit or cancel). */
  exitCode: number | null;
  startedAt: string;
  finishedAt: string;
  /**
   * Stopped at its time limit, or found exited after running past it (the worker was away):
   * either way the run is a timeout, whatever `exitCode` says.
   */
  timedOut: boolean;
  oomKilled: boolean;
  /** True when this attempt found the container already there (running or exited) instead of creating it. */
  reattached: boolean;
  /**
   * What the copy of submission/, code/ and logs/ out of the scratch space left behind (symlinks,
   * special files), as `<folder>/<path>: <why>`; at most a hundred, then a count. Absent on
   * results saved before the copy existed.
   */
  notCopied?: string[];
  /** Set when the harness stopped the container before its time limit because its LLM budget ran out. */
  stoppedForBudget?: boolean;
  /** Bytes of the agent's output left out of logs/agent.log (over MLEBENCH_AGENT_LOG_MAX); absent when none. */
  agentLogDroppedBytes?: number;
}

export interface AgentContainerProgress {
  containerId: string;
  elapsedSecs: number;
  reattached: boolean;
}
