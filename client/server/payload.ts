/**
 * The seed system's `POST /runs` payload (snake_case, as its Python SDK sends it), its defaults
 * (the seed's: shared/seed-api.md) and how it maps onto the harness's run options
 * (core/options.ts, which then validates every value).
 */
import path from 'node:path';
import { z } from 'zod';
import { environment, type HarnessPaths } from '../../core/config';
import { GitAgentError, gitSettings, parseGitAgentSpec, type GitAgentRequest, type GitSettings } from '../../core/agents/gitSource';
import { configuredCheckoutPath } from '../../core/mlebench/checkout';
import type { RunOptionsInput } from '../../core/options';
import { formatIssues, type FieldIssue } from '../../core/validation';

export const createRunBody = z
  .strictObject({
    agent_id: z.string().max(200).nullish().describe('agent id, e.g. "dummy", "baseline", "aide/dev" (default dummy)'),
    competition_set: z
      .string()
      .max(200)
      .nullish()
      .describe(
        'a split name, e.g. offline-dev, splits/offline-dev.txt or experiments/splits/low.txt (never a path); default experiments/splits/low.txt (technique mode: splits/offline.txt)',
      ),
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
    technique_tasks: z.boolean().nullish().describe('technique mode (default: true when tasks are given)'),
    tasks: z.array(z.string().max(50)).max(20).nullish().describe('technique tasks: non-empty, they choose technique mode'),
    time_limit_secs: z.number().int().nullish(),
    step_limit: z.number().int().nullish(),
    context: z
      .strictObject({ text: z.string(), source: z.string().nullish() })
      .nullish()
      .describe("curated text added to the agent's instructions (in an experiment, the injected arm's only)"),
    arms: z
      .array(z.string().max(50))
      .max(10)
      .nullish()
      .describe("an experiment's arms, of plain and injected: each competition × seed runs once per arm, injected with the context"),
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
/** A request with the seed's defaults filled in: what a run record's `request` shows. */
export type SeedRequest = CreateRunBody & { agent_id: string; competition_set: string | null; gitlink: string | null };

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

/** The seed's split when a request names no competitions (MLE-bench Lite, in an MLE-bench checkout). */
export const SEED_COMPETITION_SET = 'experiments/splits/low.txt';
/** Technique mode's, where MLE-bench's competitions cannot run: the bundled offline competitions. */
export const TECHNIQUE_COMPETITION_SET = 'splits/offline.txt';

/**
 * The request as the seed records it: every seed field present, its defaults filled in (the
 * seed's own: shared/seed-api.md), our extra fields as given. A non-empty `tasks` alone means
 * technique mode, as in the seed.
 */
export function seedRequestOf(body: CreateRunBody): { request: SeedRequest; defaulted: boolean } {
  const technique = body.technique_tasks ?? (body.tasks?.length ?? 0) > 0;
  const defaulted = !body.competition_set && !body.competitions?.length;
  const request = {
    ...body,
    agent_id: body.agent_id ?? 'dummy',
    competition_set: defaulted ? (technique ? TECHNIQUE_COMPETITION_SET : SEED_COMPETITION_SET) : (body.competition_set ?? null),
    lite: body.lite ?? true,
    n_seeds: body.n_seeds ?? 1,
    n_workers: body.n_workers ?? 1,
    retain: body.retain ?? false,
    data_dir: body.data_dir ?? null,
    gitlink: body.gitlink ?? null,
    notes: body.notes ?? null,
    tasks: body.tasks ?? null,
    technique_tasks: technique,
  };
  return { request, defaulted };
}

/**
 * The run options of a payload (its seed defaults filled in); `data_dir` must name the folder
 * this server's harness uses, and the seed's default split needs an MLE-bench checkout.
 */
export function runOptionsOf(
  payload: CreateRunBody,
  paths: Pick<HarnessPaths, 'dataDir'>,
  git: GitSettings = gitSettings(environment()),
): RunOptionsInput {
  const { request: body, defaulted } = seedRequestOf(payload);
  if (defaulted && body.competition_set === SEED_COMPETITION_SET && !configuredCheckoutPath()) {
    throw new PayloadError([
      {
        field: 'competition_set',
        reason: `not given, so the seed's default ${SEED_COMPETITION_SET} (MLE-bench Lite), which needs an MLE-bench checkout: start the server and its workers with MLEBENCH_REPO=<checkout>, or give competitions or a competition_set (mlebench list splits)`,
      },
    ]);
  }
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
    competitions: body.competitions?.length ? body.competitions : undefined,
    lite: body.lite,
    techniqueTasks: body.technique_tasks,
    tasks: body.tasks?.length ? body.tasks : undefined,
    nSeeds: body.n_seeds,
    maxParallel: body.n_workers,
    timeLimitSecs: body.time_limit_secs,
    stepLimit: body.step_limit,
    arms: body.arms?.length ? body.arms : undefined,
    context: body.context ? { text: body.context.text, ...(body.context.source ? { source: body.context.source } : {}) } : undefined,
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
