/**
 * A run's access to the LLM gateway, for the length of one agent step: its internal network, a
 * gateway listener on the host side of that network (the only thing the firewall lets through),
 * and its registration (token, budget, rollout file). A worker that re-attaches to a running
 * container gives the run back the token and port in that container's environment, and its
 * budget where the rollout left it.
 */
import path from 'node:path';
import type Docker from 'dockerode';
import { log } from '../log';
import type { LlmBudget } from '../options';
import { LABELS, dockerClient, listAgentContainers } from '../sandbox/docker';
import { dockerCall } from '../sandbox/errors';
import { ensureRunNetwork, removeRunNetwork, restrictToGateway } from '../sandbox/llmNetwork';
import type { LlmAccess } from '../sandbox/types';
import { rolloutState } from './rollout';
import type { BudgetKind, RunUsage } from './runs';
import type { Gateway } from './server';
import { environment, type Env } from '../config';
import { PermanentError } from '../errors';

/** What a run's record keeps of its LLM use (`run.json` → `llm`). */
export interface LlmUsageRecord extends RunUsage {
  budget: LlmBudget;
  /** The rollout, relative to the run folder. */
  rolloutFile: string;
}

export interface LlmGrant {
  access: LlmAccess;
  /** Resolves when a call is first refused because a budget ran out. */
  budgetExhausted: Promise<BudgetKind>;
  usage(): LlmUsageRecord;
  /** Ends the registration and the listener; `removeNetwork` once the container is gone for good. */
  release(opts: { removeNetwork: boolean }): Promise<void>;
}

export interface LlmGrantRequest {
  runId: string;
  groupId: string;
  runDir: string;
  attempt: number;
  budget: LlmBudget;
}

/** Thrown when an LLM agent runs on a worker without a gateway; not retryable (another try will not have one either). */
export class LlmGatewayUnavailableError extends PermanentError {
  override name = 'LlmGatewayUnavailableError';
}

export const ROLLOUT_FILE = path.join('logs', 'llm', 'rollout.jsonl');

/** The token and gateway port an existing container of this attempt was started with. */
async function accessOfExisting(docker: Docker, runId: string, attempt: number): Promise<{ token: string; port: number } | undefined> {
  const found = (await listAgentContainers({ runId }, docker)).find((c) => (c.Labels[LABELS.attempt] ?? '0') === String(attempt));
  if (!found) return undefined;
  const info = await dockerCall(`inspect container ${found.Id}`, () => docker.getContainer(found.Id).inspect());
  const env = new Map((info.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  const token = env.get('OPENAI_API_KEY');
  const url = env.get('OPENAI_BASE_URL');
  if (!token || !url) return undefined;
  return { token, port: Number(new URL(url).port) };
}

export async function grantLlmAccess(
  gateway: Gateway | undefined,
  req: LlmGrantRequest,
  docker: Docker = dockerClient(),
): Promise<LlmGrant> {
  if (!gateway) {
    throw new LlmGatewayUnavailableError(
      `run ${req.runId}: the agent calls an LLM, but this worker runs no gateway: start the worker with OPENAI_API_KEY (and OPENAI_BASE_URL for an OpenAI-compatible server) set`,
    );
  }
  const net = await ensureRunNetwork(req, docker);
  const existing = await accessOfExisting(docker, req.runId, req.attempt);
  const listener = await gateway.listen(net.gatewayIp, existing?.port ?? 0);
  const rolloutFile = path.join(req.runDir, ROLLOUT_FILE);
  let token: string;
  try {
    await restrictToGateway(net, listener.port);
    // A resumed run continues its totals (and its budget) from what its rollout recorded.
    const state = existing ? await rolloutState(rolloutFile) : undefined;
    token = gateway.registerRun({
      runId: req.runId,
      budget: req.budget,
      rolloutFile,
      ...(existing && state ? { token: existing.token, ...state } : {}),
    });
  } catch (err) {
    await listener.close();
    throw err;
  }
  log.info({ runId: req.runId, network: net.name, gateway: listener.url, resumed: existing !== undefined }, 'LLM access granted');
  let final: LlmUsageRecord | undefined;
  const usage = (): LlmUsageRecord => {
    if (final) return final;
    const u = gateway.usageOf(req.runId) ?? { requests: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 };
    return { ...u, budget: req.budget, rolloutFile: ROLLOUT_FILE };
  };
  return {
    access: { networkName: net.name, env: { OPENAI_API_KEY: token, OPENAI_BASE_URL: `${listener.url}/v1` } },
    budgetExhausted: gateway.budgetExhausted(req.runId)!,
    usage,
    release: async ({ removeNetwork }) => {
      final = usage();
      gateway.unregisterRun(req.runId);
      await listener.close();
      if (!removeNetwork) return;
      try {
        await removeRunNetwork(req.runId, docker);
      } catch (err) {
        // The run's result stands; the reaper removes what is left.
        log.warn({ runId: req.runId, err: (err as Error).message }, 'cannot remove the LLM network; the reaper will');
      }
    },
  };
}

/** Seconds an LLM agent has, once its budget is exhausted, to write its submission before it is stopped (MLEBENCH_BUDGET_GRACE_SECS, default 30). */
export function budgetGraceMs(env: Env = environment()): number {
  const raw = env.MLEBENCH_BUDGET_GRACE_SECS?.trim();
  if (raw === undefined || raw === '') return 30_000;
  const secs = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(secs)) throw new Error(`MLEBENCH_BUDGET_GRACE_SECS must be a number of seconds >= 0, not "${raw}"`);
  return secs * 1000;
}
