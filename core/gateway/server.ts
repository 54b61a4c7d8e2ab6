/**
 * The harness-owned OpenAI-compatible gateway: `POST /v1/chat/completions` (non-streaming) and
 * `GET /v1/models`. A run's bearer token selects the run; at most limits.maxInFlightPerRun of its
 * calls at once; the body is bounded (limits.maxBodyBytes) and checked against the allowlist
 * (request.ts: the model an alias rewritten to the upstream model, n 1, max tokens clamped); the
 * call's worst case is reserved from the run's budgets before forwarding and settled to its real
 * usage after; every call is appended to the run's rollout file, bounded (rollout.ts). The
 * upstream key stays in this process.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { log as rootLog } from '../log.js';
import { costOf, parseGatewayConfig, type GatewayConfigInput } from './config.js';
import { answer, bearer, errorBody, HttpError, readJson, send } from './http.js';
import { checkDepth, prepareRequest } from './request.js';
import { capBody, RolloutWriter, type RolloutLine } from './rollout.js';
import {
  admit,
  BudgetExhaustedError,
  enter,
  leave,
  record,
  refused,
  release,
  RunBusyError,
  RunRegistry,
  type BudgetKind,
  type GatewayRun,
  type RegisterRunInput,
  type Reservation,
  type RunUsage,
} from './runs.js';
import { Upstream, UpstreamError } from './upstream.js';
import { environment } from '../config';

export interface GatewayOptions {
  config: GatewayConfigInput;
  host?: string;
  port?: number;
  apiKey?: string;
  baseURL?: string;
  retries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  timeoutMs?: number;
}

export interface GatewayListener {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface Gateway {
  url: string;
  port: number;
  /** The upstream models' aliases agents may ask for. */
  aliases: string[];
  registerRun(input: RegisterRunInput): string;
  unregisterRun(runId: string): boolean;
  usageOf(runId: string): RunUsage | undefined;
  /** Resolves with the budget that ran out when the run's first call is refused for it; undefined for an unknown run. */
  budgetExhausted(runId: string): Promise<BudgetKind> | undefined;
  /**
   * One more address to serve on (e.g. the host side of a run's Docker network), port 0 for any
   * free one; closed by its own close() or the gateway's.
   */
  listen(host: string, port?: number): Promise<GatewayListener>;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const config = parseGatewayConfig(options.config, 'gateway options.config');
  const apiKey = options.apiKey ?? environment().OPENAI_API_KEY;
  if (!apiKey) throw new Error('gateway: no upstream API key (options.apiKey or OPENAI_API_KEY)');
  const baseURL = options.baseURL ?? (environment().OPENAI_BASE_URL || undefined);
  const upstream = new Upstream({
    apiKey,
    baseURL,
    retries: options.retries ?? 4,
    retryBaseMs: options.retryBaseMs ?? 500,
    retryMaxMs: options.retryMaxMs ?? 30_000,
    timeoutMs: options.timeoutMs ?? 10 * 60_000,
  });
  const { limits } = config;
  const runs = new RunRegistry();
  const rollouts = new RolloutWriter();
  const log = rootLog.child({ component: 'gateway' });
  const aliases = Object.keys(config.aliases);
  const onRolloutError = (runId: string) => (err: Error) => log.error({ err, runId }, 'rollout append failed');

  function authorize(req: http.IncomingMessage): GatewayRun {
    const run = runs.byBearer(bearer(req));
    if (!run)
      throw new HttpError(
        401,
        'invalid_request_error',
        'missing or unknown run token (Authorization: Bearer <run token>)',
        'invalid_api_key',
      );
    return run;
  }

  /** A line with the run's totals, counting the calls that got no line of their own (rollout.ts). */
  function checkpoint(run: GatewayRun): Promise<void> {
    run.checkpointed = run.unlogged;
    // Admitted calls still in flight get their own line later: not counted here.
    const usage = { ...run.usage, requests: run.usage.requests - run.unwritten, unansweredLines: run.unansweredLines };
    return rollouts.append(
      run.rolloutFile,
      { ts: new Date().toISOString(), runId: run.runId, checkpoint: usage },
      onRolloutError(run.runId),
    );
  }

  /** A refused or failed call: its own line up to the cap, then only counted. */
  function writeUnanswered(run: GatewayRun, line: RolloutLine): Promise<void> {
    if (run.unansweredLines < limits.maxUnansweredLines) {
      run.unansweredLines += 1;
      return rollouts.append(run.rolloutFile, line, onRolloutError(run.runId));
    }
    run.unlogged += 1;
    // A power of two: a handful of lines for any number of calls.
    return (run.unlogged & (run.unlogged - 1)) === 0 ? checkpoint(run) : Promise.resolve();
  }

  async function chat(run: GatewayRun, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now();
    let request: unknown = null;
    let upstreamModel: string | undefined;
    let attempts: number | undefined;
    let adjusted: Record<string, number> | undefined;
    let taken: Reservation | undefined;
    let entered = false;
    const line = (fields: Pick<RolloutLine, 'usage' | 'costUsd'> & Partial<RolloutLine>): RolloutLine => ({
      ts: new Date(started).toISOString(),
      runId: run.runId,
      request: capBody(request, limits.rolloutBodyBytes),
      ...fields,
      latencyMs: Date.now() - started,
      admitted: taken !== undefined,
      upstreamModel,
      attempts,
      ...(adjusted && Object.keys(adjusted).length ? { adjusted } : {}),
    });
    try {
      enter(run, limits.maxInFlightPerRun);
      entered = true;
      const body = await readJson(req, limits.maxBodyBytes);
      checkDepth(body);
      request = body;
      const prepared = prepareRequest(request, config);
      ({ upstreamModel, adjusted } = prepared);
      if (run.budget.maxDollars !== undefined && prepared.worst.dollars === undefined) {
        const model = (request as { model: string }).model;
        throw new HttpError(
          400,
          'invalid_request_error',
          `model ${model} (${upstreamModel}) has no price, so run ${run.runId}'s dollar budget cannot be enforced`,
          'model_not_priced',
        );
      }
      taken = admit(run, prepared.worst);
      const reply = await upstream.chat(prepared.body as unknown as ChatCompletionCreateParamsNonStreaming, (attempt, err, delayMs) =>
        log.warn({ runId: run.runId, attempt, delayMs, err: err.message }, 'upstream call failed; retrying'),
      );
      attempts = reply.attempts;
      const u = reply.completion.usage;
      const promptTokens = u?.prompt_tokens ?? 0;
      const completionTokens = u?.completion_tokens ?? 0;
      if (!u) log.warn({ runId: run.runId, upstreamModel }, 'upstream reply has no usage; counted as 0 tokens');
      if (promptTokens + completionTokens > taken.tokens) {
        log.warn(
          { runId: run.runId, upstreamModel, promptTokens, completionTokens, reserved: taken.tokens },
          'upstream used more tokens than the call could: its max tokens were not applied',
        );
      }
      const costUsd = costOf(config, upstreamModel, promptTokens, completionTokens);
      const settled = taken;
      taken = undefined;
      record(run, promptTokens, completionTokens, costUsd, settled);
      // The line is on disk before the agent sees the reply (and in the same tick as the settling, for checkpoints).
      const written = rollouts.append(
        run.rolloutFile,
        {
          ...line({
            response: capBody(reply.completion, limits.rolloutBodyBytes),
            usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
            costUsd: costUsd ?? null,
          }),
          admitted: true,
        },
        onRolloutError(run.runId),
      );
      await written;
      send(res, 200, reply.completion);
      log.debug({ runId: run.runId, upstreamModel, promptTokens, completionTokens, costUsd, attempts }, 'chat completion');
    } catch (err) {
      let e: HttpError;
      let budgetExhausted: BudgetKind | undefined;
      if (err instanceof HttpError) e = err;
      else if (err instanceof BudgetExhaustedError) {
        // 402, not 429: clients (AIDE among them) retry a 429 forever, and this one never passes.
        e = new HttpError(402, 'budget_exhausted', err.message, 'budget_exhausted', { 'x-should-retry': 'false' });
        budgetExhausted = err.kind;
        // Per call at debug: an agent's refused calls must not flood the worker's log.
        log.debug({ runId: run.runId, budget: err.kind }, 'budget exhausted; call refused');
      } else if (err instanceof RunBusyError) {
        // 429: this call can pass once calls in flight have finished, and clients retry it.
        e = new HttpError(429, 'rate_limit_error', err.message, err.code, { 'retry-after': '1' });
        log.debug({ runId: run.runId, reason: err.code }, 'call refused for now');
      } else if (err instanceof UpstreamError) {
        attempts = err.attempts;
        e = new HttpError(err.status, err.type, err.message, err.code);
        // The agent's own bad requests (4xx) are its business; the provider failing (5xx) is ours.
        log[err.status >= 500 ? 'warn' : 'debug'](
          { runId: run.runId, status: err.status, attempts, err: err.message },
          'upstream call failed',
        );
      } else {
        log.error({ err, runId: run.runId }, 'gateway error');
        e = new HttpError(500, 'server_error', `gateway error: ${(err as Error).message}`, 'gateway_error');
      }
      const admitted = taken !== undefined;
      // Released (failed upstream: no tokens known) or counted as refused, in the tick its line is queued.
      if (taken) release(run, taken);
      else refused(run);
      const l = {
        ...line({
          error: { status: e.status, type: e.type, message: e.message },
          usage: null,
          costUsd: null,
          ...(budgetExhausted ? { budgetExhausted } : {}),
        }),
        admitted,
      };
      taken = undefined;
      await writeUnanswered(run, l);
      answer(req, res, e.status, errorBody(e), e.headers);
    } finally {
      if (entered) leave(run);
    }
  }

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]?.replace(/\/+$/, '') ?? '';
    void (async () => {
      try {
        if (path === '/v1/chat/completions' || path === '/v1/models') {
          const want = path === '/v1/models' ? 'GET' : 'POST';
          if (req.method !== want)
            throw new HttpError(405, 'invalid_request_error', `${path} takes ${want}`, 'method_not_allowed', { allow: want });
          const run = authorize(req);
          if (want === 'GET') {
            send(res, 200, {
              object: 'list',
              data: aliases.map((id) => ({ id, object: 'model', created: 0, owned_by: 'mlebench-gateway' })),
            });
          } else {
            await chat(run, req, res);
          }
        } else {
          throw new HttpError(404, 'invalid_request_error', `no route ${req.method ?? ''} ${path}`, 'not_found');
        }
      } catch (err) {
        const e =
          err instanceof HttpError ? err : new HttpError(500, 'server_error', `gateway error: ${(err as Error).message}`, 'gateway_error');
        answer(req, res, e.status, errorBody(e), e.headers);
      }
    })();
  };

  const listeners = new Set<GatewayListener>();
  async function listen(host: string, port = 0): Promise<GatewayListener> {
    const server = http.createServer(handle);
    server.maxConnections = limits.maxConnections;
    server.on('drop', (data?: { remoteAddress?: string }) =>
      log.warn(
        { host, remote: data?.remoteAddress, maxConnections: limits.maxConnections },
        'connection refused: the listener has limits.maxConnections open',
      ),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`gateway: cannot listen on ${host}:${port}: ${err.message}`, { cause: err })));
      server.listen(port, host, () => resolve());
    });
    const bound = (server.address() as AddressInfo).port;
    const listener: GatewayListener = {
      host,
      port: bound,
      url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
      close: async () => {
        if (!listeners.delete(listener)) return;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        log.debug({ url: listener.url }, 'gateway listener closed');
      },
    };
    listeners.add(listener);
    return listener;
  }

  const main = await listen(options.host ?? '127.0.0.1', options.port ?? 0);
  log.info({ url: main.url, aliases, upstream: baseURL ?? 'https://api.openai.com/v1' }, 'gateway listening');

  return {
    url: main.url,
    port: main.port,
    aliases,
    registerRun: (input) => {
      const token = runs.register(input);
      log.info(
        { runId: input.runId, budget: input.budget, rolloutFile: input.rolloutFile, resumed: input.usage !== undefined },
        'run registered',
      );
      return token;
    },
    unregisterRun: (runId) => {
      const run = runs.byRunId(runId);
      if (run && run.unlogged > run.checkpointed) void checkpoint(run);
      return runs.unregister(runId);
    },
    usageOf: (runId) => runs.usageOf(runId),
    budgetExhausted: (runId) => runs.byRunId(runId)?.exhausted,
    listen,
    close: async () => {
      await Promise.all([...listeners].map((l) => l.close()));
      for (const run of runs.all()) if (run.unlogged > run.checkpointed) void checkpoint(run);
      await rollouts.flush();
      log.info({ url: main.url }, 'gateway closed');
    },
  };
}
