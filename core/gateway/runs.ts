/**
 * The gateway's runs: each has a random bearer token, a budget, a rollout file and running
 * totals. A call is admitted only if its worst case (one request; its prompt's size plus its max
 * tokens; their price) fits in what is left once the calls in flight have had theirs: that much is
 * reserved, and settled to the real usage when the answer arrives (released when the call fails),
 * so concurrent calls cannot overshoot a budget. Requests count when admitted, failed or not.
 */
import { randomBytes } from 'node:crypto';
import { log } from '../log';
import { z } from 'zod';
import { llmBudgetSchema, type LlmBudget } from '../options';
import { formatZodError } from '../validation';

export const budgetSchema = llmBudgetSchema;
export type Budget = LlmBudget;
export type BudgetKind = 'tokens' | 'requests' | 'dollars';

/** A run's bearer token: `mlb-` and 32 random bytes in base64url (the dataset export redacts this shape). */
export const GATEWAY_TOKEN_PATTERN = 'mlb-[A-Za-z0-9_-]{43}';
const TOKEN_RE = new RegExp(`^${GATEWAY_TOKEN_PATTERN}$`);

const usageSchema = z.strictObject({
  requests: z.number().int().min(0),
  promptTokens: z.number().int().min(0),
  completionTokens: z.number().int().min(0),
  totalTokens: z.number().int().min(0),
  costUsd: z.number().min(0),
  unpricedRequests: z.number().int().min(0).optional(),
  refusedRequests: z.number().int().min(0).optional(),
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
  /** Refused or failed calls that already have a line of their own in the rollout. */
  unansweredLines: z.number().int().min(0).optional(),
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
  /** Calls refused by the gateway before forwarding (bad request, budget, calls in flight, size). */
  refusedRequests?: number;
  budgetExhausted?: BudgetKind;
}

/** What an admitted call holds of its run's token and dollar budgets until it is settled or released. */
export interface Reservation {
  tokens: number;
  dollars: number;
}

export interface GatewayRun {
  runId: string;
  budget: Budget;
  rolloutFile: string;
  usage: RunUsage;
  /** Resolves with the budget that ran out, the first time a call is refused for it. */
  exhausted: Promise<BudgetKind>;
  onExhausted: (kind: BudgetKind) => void;
  /** Calls being read, forwarded or answered (at most limits.maxInFlightPerRun). */
  active: number;
  /** The worst cases of admitted calls not yet settled. */
  reserved: Reservation;
  /** Admitted calls whose rollout line is not written yet: a checkpoint line leaves them out. */
  unwritten: number;
  /** Refused or failed calls with a line of their own (at most limits.maxUnansweredLines). */
  unansweredLines: number;
  /** Refused or failed calls past that cap, and how many of those the last checkpoint line counted. */
  unlogged: number;
  checkpointed: number;
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

/** Refused for now: the run has too many calls in flight, or they hold the budget this call needs. Answered 429. */
export class RunBusyError extends Error {
  override name = 'RunBusyError';
  constructor(
    readonly runId: string,
    readonly code: 'too_many_requests_in_flight' | 'budget_reserved',
    message: string,
  ) {
    super(message);
  }
}

export class RunRegistry {
  private readonly byToken = new Map<string, GatewayRun>();
  private readonly tokenOf = new Map<string, string>();

  /** Registers a run and returns its bearer token. A run id may be registered once at a time. */
  register(input: RegisterRunInput): string {
    const parsed = registerRunSchema.safeParse(input);
    if (!parsed.success) {
      throw new Error(`gateway: bad run registration: ${formatZodError(parsed.error)}`);
    }
    const { runId, budget, rolloutFile } = parsed.data;
    if (this.tokenOf.has(runId)) throw new Error(`gateway: run ${runId} is already registered`);
    const token = parsed.data.token ?? `mlb-${randomBytes(32).toString('base64url')}`;
    if (this.byToken.has(token)) throw new Error(`gateway: that token already belongs to run ${this.byToken.get(token)!.runId}`);
    let onExhausted: (kind: BudgetKind) => void = () => undefined;
    const exhausted = new Promise<BudgetKind>((resolve) => (onExhausted = resolve));
    const usage: RunUsage = parsed.data.usage
      ? { ...parsed.data.usage }
      : { requests: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 };
    const lines = parsed.data.unansweredLines ?? 0;
    const run: GatewayRun = {
      ...{ runId, budget, rolloutFile, usage, exhausted, onExhausted },
      ...{ active: 0, reserved: { tokens: 0, dollars: 0 }, unwritten: 0, unansweredLines: lines, unlogged: 0, checkpointed: 0 },
    };
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

  all(): GatewayRun[] {
    return [...this.byToken.values()];
  }

  usageOf(runId: string): RunUsage | undefined {
    const run = this.byRunId(runId);
    return run ? { ...run.usage } : undefined;
  }
}

/** Takes one of the run's in-flight slots, or throws RunBusyError naming the limit. Give it back with leave(). */
export function enter(run: GatewayRun, maxInFlight: number): void {
  if (run.active >= maxInFlight) {
    throw new RunBusyError(
      run.runId,
      'too_many_requests_in_flight',
      `run ${run.runId}: ${run.active} calls already in flight, the gateway's limit per run (limits.maxInFlightPerRun: ${maxInFlight}); retry when one has finished`,
    );
  }
  run.active += 1;
}

export function leave(run: GatewayRun): void {
  run.active = Math.max(0, run.active - 1);
}

function exhaust(run: GatewayRun, kind: BudgetKind): void {
  if (run.usage.budgetExhausted === undefined) {
    run.usage.budgetExhausted = kind;
    run.onExhausted(kind);
    log.info({ component: 'gateway', runId: run.runId, budget: kind }, 'budget exhausted; calls refused from now on');
  }
}

/**
 * Admits a call whose worst case is `worst` (dollars undefined: the model has no price, allowed
 * only without a dollar budget), reserving it; otherwise throws BudgetExhaustedError (no call like
 * this one can ever fit: 402, and the budget is recorded as exhausted) or RunBusyError (it fits
 * once the calls in flight have settled: 429).
 */
export function admit(run: GatewayRun, worst: { tokens: number; dollars: number | undefined } = { tokens: 0, dollars: 0 }): Reservation {
  const { budget, usage, runId, reserved } = run;
  if (budget.maxDollars !== undefined && worst.dollars === undefined)
    throw new Error(`run ${runId}: a dollar budget needs the model's price`);
  const checks: [BudgetKind, number | undefined, number, number, number, string][] = [
    ['requests', budget.maxRequests, usage.requests, 0, 1, 'request'],
    ['tokens', budget.maxTokens, usage.totalTokens, reserved.tokens, worst.tokens, 'token'],
    ['dollars', budget.maxDollars, usage.costUsd, reserved.dollars, worst.dollars ?? 0, 'dollar'],
  ];
  // Once one budget has ended the run, that one is reported first.
  checks.sort((a, b) => Number(b[0] === usage.budgetExhausted) - Number(a[0] === usage.budgetExhausted));
  for (const [kind, max, used, , need, noun] of checks) {
    if (max === undefined || used + need <= max) continue;
    exhaust(run, kind);
    if (used >= max || kind === 'requests')
      throw new BudgetExhaustedError(runId, kind, `run ${runId}: ${noun} budget of ${max} exhausted (used ${round(used)})`);
    throw new BudgetExhaustedError(
      runId,
      kind,
      `run ${runId}: ${noun} budget of ${max} cannot cover this call: used ${round(used)}, and this call may use up to ${round(need)} (its prompt's size and its max tokens); ask for fewer max tokens`,
    );
  }
  for (const [kind, max, used, held, need, noun] of checks) {
    if (max === undefined || used + held + need <= max) continue;
    throw new RunBusyError(
      runId,
      'budget_reserved',
      `run ${runId}: the calls in flight hold ${round(held)} of the ${noun} budget of ${max} (used ${round(used)}), and this call may use up to ${round(need)}; retry when they have finished (${kind})`,
    );
  }
  usage.requests += 1;
  run.unwritten += 1;
  const taken = { tokens: worst.tokens, dollars: worst.dollars ?? 0 };
  reserved.tokens += taken.tokens;
  reserved.dollars = round(reserved.dollars + taken.dollars);
  return taken;
}

/** Gives a reservation back (the call failed; its request still counts). Call in the same tick as its rollout line is queued. */
export function release(run: GatewayRun, taken: Reservation): void {
  run.reserved.tokens = Math.max(0, run.reserved.tokens - taken.tokens);
  run.reserved.dollars = Math.max(0, round(run.reserved.dollars - taken.dollars));
  run.unwritten = Math.max(0, run.unwritten - 1);
}

/** Counts a call refused before forwarding. */
export function refused(run: GatewayRun): void {
  run.usage.refusedRequests = (run.usage.refusedRequests ?? 0) + 1;
}

/**
 * Settles a reservation to one call's real usage (`costUsd` undefined: the model has no price).
 * Call in the same tick as the call's rollout line is queued, so a checkpoint never counts it twice.
 */
export function record(
  run: GatewayRun,
  promptTokens: number,
  completionTokens: number,
  costUsd: number | undefined,
  taken?: Reservation,
): void {
  if (taken) release(run, taken);
  const u = run.usage;
  u.promptTokens += promptTokens;
  u.completionTokens += completionTokens;
  u.totalTokens += promptTokens + completionTokens;
  if (costUsd === undefined) u.unpricedRequests = (u.unpricedRequests ?? 0) + 1;
  else u.costUsd = round(u.costUsd + costUsd);
}
