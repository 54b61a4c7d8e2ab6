/**
 * The gateway's runs: each has a random bearer token, a budget, a rollout file and running
 * totals. Budgets are checked before a call is forwarded; requests are counted when admitted, so
 * concurrent calls cannot overshoot the request budget (tokens and dollars are known only after
 * a call, so calls already in flight may overshoot those by their own usage).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { llmBudgetSchema, type LlmBudget } from '../options';

export const budgetSchema = llmBudgetSchema;
export type Budget = LlmBudget;
export type BudgetKind = 'tokens' | 'requests' | 'dollars';

const TOKEN_RE = /^mlb-[A-Za-z0-9_-]{43}$/;

const usageSchema = z.strictObject({
  requests: z.number().int().min(0),
  promptTokens: z.number().int().min(0),
  completionTokens: z.number().int().min(0),
  totalTokens: z.number().int().min(0),
  costUsd: z.number().min(0),
  unpricedRequests: z.number().int().min(0).optional(),
  budgetExhausted: z.enum(['tokens', 'requests', 'dollars']).optional(),
});

export const registerRunSchema = z.strictObject({
  runId: z.string().min(1),
  budget: budgetSchema.default({}),
  rolloutFile: z.string().min(1),
  /** The run's token when it already has one (a worker re-attaching to a running container); else a new one. */
  token: z.string().regex(TOKEN_RE, 'a gateway run token (mlb-…)').optional(),
  /** What the run has used so far (rebuilt from its rollout after a worker restart). */
  usage: usageSchema.optional(),
});
export type RegisterRunInput = z.input<typeof registerRunSchema>;

export interface RunUsage {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
  /** Answered calls whose upstream model has no price in the config: their cost is unknown, not 0. */
  unpricedRequests?: number;
  budgetExhausted?: BudgetKind;
}

export interface GatewayRun {
  runId: string;
  budget: Budget;
  rolloutFile: string;
  usage: RunUsage;
  /** Resolves with the budget that ran out, the first time a call is refused for it. */
  exhausted: Promise<BudgetKind>;
  onExhausted: (kind: BudgetKind) => void;
}

export class BudgetExhaustedError extends Error {
  override name = 'BudgetExhaustedError';
  constructor(
    readonly runId: string,
    readonly kind: BudgetKind,
    message: string,
  ) {
    super(message);
  }
}

const round = (n: number): number => Math.round(n * 1e6) / 1e6;

export class RunRegistry {
  private readonly byToken = new Map<string, GatewayRun>();
  private readonly tokenOf = new Map<string, string>();

  /** Registers a run and returns its bearer token. A run id may be registered once at a time. */
  register(input: RegisterRunInput): string {
    const parsed = registerRunSchema.safeParse(input);
    if (!parsed.success) {
      throw new Error(`gateway: bad run registration: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ')}`);
    }
    const { runId, budget, rolloutFile } = parsed.data;
    if (this.tokenOf.has(runId)) throw new Error(`gateway: run ${runId} is already registered`);
    const token = parsed.data.token ?? `mlb-${randomBytes(32).toString('base64url')}`;
    if (this.byToken.has(token)) throw new Error(`gateway: that token already belongs to run ${this.byToken.get(token)!.runId}`);
    let onExhausted: (kind: BudgetKind) => void = () => undefined;
    const exhausted = new Promise<BudgetKind>((resolve) => (onExhausted = resolve));
    const usage: RunUsage = parsed.data.usage ? { ...parsed.data.usage } : { requests: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 };
    const run: GatewayRun = { runId, budget, rolloutFile, usage, exhausted, onExhausted };
    if (usage.budgetExhausted) onExhausted(usage.budgetExhausted);
    this.byToken.set(token, run);
    this.tokenOf.set(runId, token);
    return token;
  }

  unregister(runId: string): boolean {
    const token = this.tokenOf.get(runId);
    if (token === undefined) return false;
    this.tokenOf.delete(runId);
    this.byToken.delete(token);
    return true;
  }

  byBearer(token: string | undefined): GatewayRun | undefined {
    return token ? this.byToken.get(token) : undefined;
  }

  byRunId(runId: string): GatewayRun | undefined {
    const token = this.tokenOf.get(runId);
    return token === undefined ? undefined : this.byToken.get(token);
  }

  usageOf(runId: string): RunUsage | undefined {
    const run = this.byRunId(runId);
    return run ? { ...run.usage } : undefined;
  }
}

/** Throws BudgetExhaustedError (and records the kind on the run) when any budget is used up; otherwise counts the request. */
export function admit(run: GatewayRun): void {
  const { budget, usage, runId } = run;
  const checks: [BudgetKind, number | undefined, number, string][] = [
    ['requests', budget.maxRequests, usage.requests, 'request'],
    ['tokens', budget.maxTokens, usage.totalTokens, 'token'],
    ['dollars', budget.maxDollars, usage.costUsd, 'dollar'],
  ];
  // Once one budget has ended the run, that one is reported first.
  checks.sort((a, b) => Number(b[0] === usage.budgetExhausted) - Number(a[0] === usage.budgetExhausted));
  for (const [kind, max, used, noun] of checks) {
    if (max !== undefined && used >= max) {
      if (usage.budgetExhausted === undefined) {
        usage.budgetExhausted = kind;
        run.onExhausted(kind);
      }
      throw new BudgetExhaustedError(runId, kind, `run ${runId}: ${noun} budget of ${max} exhausted (used ${round(used)})`);
    }
  }
  usage.requests += 1;
}

/** Adds one call's usage to the run's totals; `costUsd` undefined: the model has no price. */
export function record(run: GatewayRun, promptTokens: number, completionTokens: number, costUsd: number | undefined): void {
  const u = run.usage;
  u.promptTokens += promptTokens;
  u.completionTokens += completionTokens;
  u.totalTokens += promptTokens + completionTokens;
  if (costUsd === undefined) u.unpricedRequests = (u.unpricedRequests ?? 0) + 1;
  else u.costUsd = round(u.costUsd + costUsd);
}
