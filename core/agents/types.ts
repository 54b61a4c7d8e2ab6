import type { LlmBudget } from '../options';

export interface AgentSpec {
  /** `<name>` or `<name>/<variant>`, as in MLE-bench. */
  id: string;
  name: string;
  /** `default` for the id `<name>`. */
  variant: string;
  description: string;
  /** Local image tag built from agents/<name>/ (content-addressed: see core/sandbox/imageTags.ts). */
  image: string;
  /** The agent's build folder (agents/<name>/). */
  dir: string;
  /** Command run in the container (the image's default when absent). */
  command?: string[];
  /** Environment of the variant (never the host's). */
  env: Record<string, string>;
  /** The container's root filesystem is read-only (scratch space: /tmp and $HOME on tmpfs). */
  readOnlyRootfs: boolean;
  /** Fresh containers allowed after one killed from outside the harness (config `retries`, default 0). */
  retries?: number;
  /** GPUs its container gets (config `gpus`); absent: none. */
  gpus?: number;
  /** Calls an LLM through the harness's gateway (config `llm`). */
  llm?: boolean;
  /** The variant's default per-run LLM budget (config `llmBudget`). */
  llmBudget?: LlmBudget;
  /** An agent in MLE-bench's format (core/agents/mlebench.ts), built on mlebench-env from `dir`. */
  mlebench?: MlebenchAgentOrigin;
}

export interface MlebenchAgentOrigin {
  /** The config.yaml that declares it, and its id there. */
  configFile: string;
  mlebenchId: string;
  /** The Dockerfile's name in `dir` (the build context, as MLE-bench's `docker build agents/<agent>/`). */
  dockerfile: string;
  /** Variables whose value is `${{ secrets.OPENAI_API_KEY }}`: each gets the run's gateway token. */
  tokenEnv?: string[];
}
