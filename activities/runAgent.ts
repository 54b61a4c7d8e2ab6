/**
 * The agent step: start (or re-attach to) the run's container and wait for it, heartbeating the
 * container id. On a real cancel the container is stopped; on a worker shutdown it is left running
 * for the next attempt to re-attach to.
 */
import { Context } from '@temporalio/activity';
import { resolveRunAgent } from '../core/agents/gitAgent';
import type { GitAgentSource } from '../core/agents/gitSource';
import { budgetGraceMs, grantLlmAccess, type Gateway, type LlmGrant, type LlmUsageRecord } from '../core/gateway';
import type { LlmBudget, RunContext } from '../core/options';
import { writeRunInstructions } from '../core/context/instructions';
import { removeRunData, showsContext, writeRunData } from '../core/context/dataDir';
import { baseImageTag, runAgentContainer, stopAgentContainer } from '../core/sandbox';
import { defaultInstructionsFile } from '../core/sandbox/spec';
import { buildAgentImage } from '../core/sandbox/images';
import { dockerClient } from '../core/sandbox/docker';
import { log } from '../core/log';
import { AgentContainerVanishedError } from '../core/sandbox/errors';
import { archiveAttempt, clearEarlierContainers } from '../core/sandbox/attempts';
import type { AgentContainerProgress, AgentContainerResult } from '../core/sandbox/types';
import type { HostSlots } from '../core/hosts/slots';

/** Every few seconds, and well inside the heartbeat time-out (TIMEOUTS.agentHeartbeatSecs, or a worker's shorter setting). */
function heartbeatEveryMs(heartbeatTimeoutMs: number | undefined): number {
  return Math.min(3000, (heartbeatTimeoutMs ?? 30_000) / 3);
}

/** The container an earlier try of this step heartbeated (its progress), if it got that far. */
function startedBefore(ctx: Context): AgentContainerProgress | undefined {
  if (ctx.info.attempt <= 1) return undefined;
  const details: unknown = ctx.info.heartbeatDetails;
  if (typeof details !== 'object' || details === null) return undefined;
  const { containerId, elapsedSecs } = details as Partial<AgentContainerProgress>;
  if (typeof containerId !== 'string' || typeof elapsedSecs !== 'number') return undefined;
  return { containerId, elapsedSecs, reattached: true };
}

export interface RunAgentInput {
  runId: string;
  groupId: string;
  agentId: string;
  /** Its git source, pinned (run option `agentGit`): a worker without it in its cache fetches that commit. */
  agentGit?: GitAgentSource;
  competitionId: string;
  /** Set on a technique run (the container's TECHNIQUE_TASK). */
  techniqueTask?: string;
  seed: number;
  timeLimitSecs: number;
  publicDataDir: string;
  runDir: string;
  /** 0 (or absent) for the run's first container, n for its n-th (after an agent retry or a lost host). */
  attempt?: number;
  /** The host whose task queue this step was sent to (absent before host queues). */
  host?: string;
  /** The host's GPU ids reserved for this container by its claim. */
  gpus?: string[];
  /** Run options: an LLM agent's budget (over its config's) and a step limit. */
  llmBudget?: LlmBudget;
  stepLimit?: number;
  /** Run option `context`: the container reads the instructions with its addendum. */
  context?: RunContext;
}

export interface RunAgentResult extends AgentContainerResult {
  /** Which container of the run this was: 0 the first, n the n-th retry. */
  attempt: number;
  /** The host that ran it (input `host`). */
  host?: string;
  /** The GPU ids the container had (input `gpus`); absent when none. */
  gpus?: string[];
  /** The agent's `retries` (config.yaml): fresh containers allowed after a kill from outside. */
  retriesAllowed: number;
  /** An LLM agent's use of the gateway: totals, budget, and whether the budget ran out. */
  llm?: LlmUsageRecord;
}

export interface RunAgentDeps {
  /** The worker's LLM gateway; absent when the worker has no upstream key (LLM agents then fail, saying so). */
  gateway?: Gateway;
  /** This host's agent slots: the run's lease is given back once its container is gone. */
  slots?: HostSlots;
}

export function runAgentActivities(deps: RunAgentDeps = {}) {
  return {
    async runAgent(input: RunAgentInput): Promise<RunAgentResult> {
      const ctx = Context.current();
      const agent = await resolveRunAgent(input.agentId, input.agentGit);
      const attempt = input.attempt ?? 0;
      // Heartbeat before a container runs too: a Docker call that hangs (a silent engine) must
      // fail with its own message, not as a heartbeat time-out. The first beat with a container id
      // comes from the attach (onProgress); before it, these carry only the attempt, or the
      // container an earlier try saw, so that a try dying before it re-attaches does not forget it.
      const earlier = startedBefore(ctx);
      let last: unknown = earlier ?? { attempt, phase: 'starting' };
      const beat = setInterval(() => ctx.heartbeat(last), heartbeatEveryMs(ctx.info.heartbeatTimeoutMs));
      let grant: LlmGrant | undefined;
      // The container is gone for good (finished or cancelled): its network can go too.
      let containerGone = false;
      try {
        // A retry starts clean: what an earlier container left (a lost host's may still run, or
        // hold a scratch space) is stopped and copied out, and its files move to attempts/<n-1>/.
        if (attempt > 0) {
          await clearEarlierContainers(input.runId, input.runDir, attempt);
          await archiveAttempt(input.runDir, attempt - 1);
        }
        // An agent of ours from git is built where it runs, once per commit (its tag is content-addressed);
        // one in MLE-bench's format is built on demand like any other (core/sandbox/mlebenchImages.ts).
        if (input.agentGit && !agent.mlebench)
          await buildAgentImage(agent, baseImageTag(), {
            docker: dockerClient(),
            onLog: (line) => log.debug({ event: 'agent.build', runId: input.runId }, line),
          });
        if (agent.llm) {
          const budget = { ...agent.llmBudget, ...input.llmBudget };
          grant = await grantLlmAccess(deps.gateway, { runId: input.runId, groupId: input.groupId, runDir: input.runDir, attempt, budget });
        }
        const instructionsFile = input.context
          ? await writeRunInstructions(input.runDir, defaultInstructionsFile(agent), input.context)
          : undefined;
        // The context is also /home/data/context.md: the run reads a data folder of its own (core/context/dataDir.ts).
        const publicDataDir = showsContext(input.context)
          ? await writeRunData(input.runDir, input.publicDataDir, input.context)
          : input.publicDataDir;
        const result = await runAgentContainer(
          {
            ...input,
            agent,
            attempt,
            publicDataDir,
            ...(grant ? { llm: grant.access } : {}),
            ...(instructionsFile ? { instructionsFile } : {}),
          },
          {
            signal: ctx.cancellationSignal,
            onProgress: (progress) => {
              last = progress;
              ctx.heartbeat(progress);
            },
            ...(grant ? { stopEarly: { when: grant.budgetExhausted, graceMs: budgetGraceMs() } } : {}),
            ...(earlier ? { startedBefore: earlier } : {}),
          },
        );
        containerGone = true;
        return {
          ...result,
          attempt,
          ...(input.host ? { host: input.host } : {}),
          ...(input.gpus?.length ? { gpus: input.gpus } : {}),
          retriesAllowed: agent.retries ?? 0,
          ...(grant ? { llm: grant.usage() } : {}),
        };
      } catch (err) {
        if (ctx.cancellationSignal.aborted && isRealCancel(ctx)) {
          await stopAgentContainer(input.runId);
          containerGone = true;
        }
        if (err instanceof AgentContainerVanishedError) containerGone = true; // removed from outside: nothing left to re-attach to
        throw err;
      } finally {
        clearInterval(beat);
        await grant?.release({ removeNetwork: containerGone });
        // The slot is the container's: an agent retry claims again, a re-attach keeps it.
        if (containerGone) await deps.slots?.release(input.runId, attempt);
        if (containerGone && showsContext(input.context)) await removeRunData(input.runDir);
      }
    },
  };
}

/**
 * Only a cancel asked for by the workflow stops the agent. A worker shutdown, a heartbeat time-out
 * or a reset leaves the container running for the next attempt to re-attach to.
 */
function isRealCancel(ctx: Context): boolean {
  const details = ctx.cancellationDetails;
  if (details) return details.cancelRequested && !details.workerShutdown;
  const reason: unknown = ctx.cancellationSignal.reason;
  return reason instanceof Error && reason.message === 'CANCELLED';
}
