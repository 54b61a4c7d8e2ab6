/**
 * The seed system's `POST /runs` payload (snake_case, as its Python SDK sends it) and how it maps
 * onto the harness's run options (core/options.ts, which then validates every value).
 */
import path from 'node:path';
import { z } from 'zod';
import { environment, type HarnessPaths } from '../../core/config';
import { GitAgentError, gitSettings, parseGitAgentSpec, type GitAgentRequest, type GitSettings } from '../../core/agents/gitSource';
import type { RunOptionsInput } from '../../core/options';
import { formatIssues, type FieldIssue } from '../../core/validation';

export const createRunBody = z
  .strictObject({
    agent_id: z.string().max(200).describe('agent id, e.g. "dummy", "baseline", "aide/dev"'),
    competition_set: z
      .string()
      .max(200)
      .nullish()
      .describe('a split name, e.g. offline-dev, splits/offline-dev.txt or experiments/splits/low.txt (never a path)'),
    competitions: z.array(z.string().max(200)).max(5000).nullish().describe('competition ids (instead of competition_set)'),
    lite: z.boolean().nullish(),
    n_seeds: z.number().int().nullish(),
    n_workers: z.number().int().nullish().describe('agent containers at once (maxParallel)'),
    retain: z.boolean().nullish().describe('accepted for the seed SDK; artifacts are always kept'),
    data_dir: z.string().max(4096).nullish().describe("must be the worker's data folder when given"),
    notes: z.string().max(10_000).nullish(),
    gitlink: z
      .string()
      .max(2500)
      .nullish()
      .describe(
        "an agent from git: [git+]<url>#<ref>[:<subfolder>], agent_id its folder's name; accepted when the server allows it (MLEBENCH_GIT_REST=1, schemes MLEBENCH_GIT_SCHEMES)",
      ),
    technique_tasks: z.boolean().nullish(),
    tasks: z.array(z.string().max(50)).max(20).nullish(),
    time_limit_secs: z.number().int().nullish(),
    step_limit: z.number().int().nullish(),
    infra_attempts: z.number().int().nullish(),
    llm_unlimited: z
      .boolean()
      .nullish()
      .describe('run an LLM agent without a dollar budget (otherwise llm_budget.max_dollars is required)'),
    llm_budget: z
      .strictObject({ max_tokens: z.number().nullish(), max_requests: z.number().nullish(), max_dollars: z.number().nullish() })
      .nullish(),
  })
  .describe('the seed system run payload');
export type CreateRunBody = z.infer<typeof createRunBody>;

export class PayloadError extends Error {
  override name = 'PayloadError';
  constructor(readonly issues: FieldIssue[]) {
    super(`invalid run payload: ${formatIssues(issues)}`);
  }
}

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;

/** `gitlink` as the run option `agentGit` (its ref pinned when the run starts), if this server takes agents from git. */
function agentGitOf(gitlink: string, git: GitSettings): GitAgentRequest {
  if (!git.rest) {
    throw new PayloadError([
      { field: 'gitlink', reason: 'this server does not run agents from git (its operator allows them with MLEBENCH_GIT_REST=1)' },
    ]);
  }
  try {
    return parseGitAgentSpec(gitlink, git);
  } catch (err) {
    if (err instanceof GitAgentError) throw new PayloadError([{ field: 'gitlink', reason: err.message }]);
    throw err;
  }
}

/** The run options of a payload; `data_dir` must name the folder this server's harness uses. */
export function runOptionsOf(
  body: CreateRunBody,
  paths: Pick<HarnessPaths, 'dataDir'>,
  git: GitSettings = gitSettings(environment()),
): RunOptionsInput {
  if (body.data_dir && path.resolve(body.data_dir) !== path.resolve(paths.dataDir)) {
    throw new PayloadError([
      {
        field: 'data_dir',
        reason: `the harness reads prepared data from ${paths.dataDir}; start the server and its workers with MLEBENCH_DATA_DIR=${body.data_dir} to use that folder`,
      },
    ]);
  }
  const budget = body.llm_budget
    ? defined({ maxTokens: body.llm_budget.max_tokens, maxRequests: body.llm_budget.max_requests, maxDollars: body.llm_budget.max_dollars })
    : undefined;
  return defined({
    agentId: body.agent_id,
    agentGit: body.gitlink ? agentGitOf(body.gitlink, git) : undefined,
    competitionSet: body.competition_set,
    competitions: body.competitions,
    lite: body.lite,
    techniqueTasks: body.technique_tasks,
    tasks: body.tasks,
    nSeeds: body.n_seeds,
    maxParallel: body.n_workers,
    timeLimitSecs: body.time_limit_secs,
    stepLimit: body.step_limit,
    infraAttempts: body.infra_attempts,
    notes: body.notes,
    llmBudget: budget && Object.keys(budget).length ? budget : undefined,
    llmUnlimited: body.llm_unlimited,
  }) as RunOptionsInput;
}

/** The run options' field names → the payload's, so an error names what the caller sent. */
const PAYLOAD_FIELD: Record<string, string> = {
  agentId: 'agent_id',
  agentGit: 'gitlink',
  competitionSet: 'competition_set',
  techniqueTasks: 'technique_tasks',
  nSeeds: 'n_seeds',
  maxParallel: 'n_workers',
  timeLimitSecs: 'time_limit_secs',
  stepLimit: 'step_limit',
  infraAttempts: 'infra_attempts',
  llmBudget: 'llm_budget',
  llmUnlimited: 'llm_unlimited',
  maxTokens: 'max_tokens',
  maxRequests: 'max_requests',
  maxDollars: 'max_dollars',
};

export function payloadField(field: string): string {
  return field
    .split('.')
    .map((part) => PAYLOAD_FIELD[part] ?? part)
    .join('.');
}
