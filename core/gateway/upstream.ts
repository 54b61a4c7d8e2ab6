/**
 * Forwarding to the upstream OpenAI-compatible endpoint with the `openai` client. The client's
 * own retries are off (it also retries 408/409); here 429, 5xx and dropped connections are
 * retried with exponential backoff (honouring Retry-After up to the cap), anything else is
 * returned to the caller with its status and message.
 */
import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

export interface UpstreamOptions {
  apiKey: string;
  baseURL?: string;
  /** Retries after the first attempt for 429/5xx/connection errors. */
  retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  timeoutMs: number;
}

export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code: string | null,
    readonly attempts: number,
  ) {
    super(message);
  }
}

export interface UpstreamReply {
  completion: ChatCompletion;
  attempts: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function retryable(err: unknown): boolean {
  if (err instanceof OpenAI.APIConnectionTimeoutError) return false; // the call may have run; don't pay twice
  if (err instanceof OpenAI.APIConnectionError) return true;
  return err instanceof OpenAI.APIError && typeof err.status === 'number' && (err.status === 429 || err.status >= 500);
}

function retryAfterMs(err: unknown): number | undefined {
  if (!(err instanceof OpenAI.APIError)) return undefined;
  const headers = err.headers as { get(name: string): string | null } | undefined;
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const s = Number(headers.get('retry-after'));
  return Number.isFinite(s) && s > 0 ? s * 1000 : undefined;
}

function toUpstreamError(err: unknown, attempts: number): UpstreamError {
  if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
    const body = (err.error ?? {}) as { message?: unknown; type?: unknown; code?: unknown };
    const message = typeof body.message === 'string' ? body.message : err.message;
    const type = typeof body.type === 'string' ? body.type : 'upstream_error';
    const code = typeof body.code === 'string' ? body.code : null;
    return new UpstreamError(err.status, type, `upstream: ${message}`, code, attempts);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new UpstreamError(502, 'upstream_unreachable', `upstream unreachable: ${message}`, null, attempts);
}

export class Upstream {
  private readonly client: OpenAI;

  constructor(private readonly opts: UpstreamOptions) {
    this.client = new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 0, timeout: opts.timeoutMs });
  }

  /** One chat completion, retried on 429/5xx; throws UpstreamError otherwise or when retries run out. */
  async chat(
    body: ChatCompletionCreateParamsNonStreaming,
    onRetry?: (attempt: number, err: Error, delayMs: number) => void,
  ): Promise<UpstreamReply> {
    for (let attempt = 1; ; attempt++) {
      try {
        const completion = await this.client.chat.completions.create(body);
        return { completion, attempts: attempt };
      } catch (err) {
        if (!retryable(err) || attempt > this.opts.retries) throw toUpstreamError(err, attempt);
        const backoff = this.opts.retryBaseMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
        const delay = Math.min(this.opts.retryMaxMs, retryAfterMs(err) ?? backoff);
        onRetry?.(attempt, err as Error, delay);
        await sleep(delay);
      }
    }
  }
}
