/**
 * The gateway's configuration: model aliases (what agents may ask for) and the price table
 * (dollars per million tokens, keyed by the upstream model). A bad file is rejected with the
 * file, the field and the reason.
 *
 *   aliases:                       # alias -> upstream model
 *     gpt-4o: qwen2.5-coder-32b
 *     gpt-4o-mini: qwen2.5-coder-7b
 *   prices:                        # optional; needed for dollar budgets
 *     qwen2.5-coder-32b: { inputPerMTok: 0.5, outputPerMTok: 1.5 }
 *   limits:                        # optional; each has a default (gatewayLimitsSchema)
 *     maxCompletionTokens: 8192
 */
import { z } from 'zod';
import { PermanentError } from '../errors';
import { formatZodError, readYamlFile } from '../validation';

export class GatewayConfigError extends PermanentError {
  override name = 'GatewayConfigError';
}

const modelName = z.string('a model name').min(1, 'a non-empty model name');
const price = z.number('a price in dollars per million tokens').finite().min(0, 'at least 0');

export const priceSchema = z.strictObject({ inputPerMTok: price, outputPerMTok: price });
export type Price = z.infer<typeof priceSchema>;

const count = (what: string) => z.number(what).int(`${what}: a whole number`).positive(`${what}: at least 1`);

/**
 * What one agent can make the gateway do. The defaults suit one AIDE-like agent per run: it calls
 * one at a time, prompts of tens of KiB, answers of a few thousand tokens.
 */
export const gatewayLimitsSchema = z.strictObject({
  /** Ceiling of max_tokens / max_completion_tokens, and their value when a request sets neither: what bounds a call's worst-case cost. */
  maxCompletionTokens: count('max completion tokens').default(8192),
  /** The field set to that ceiling when a request has neither: OpenAI's o-series accept only max_completion_tokens, some compatible servers read only max_tokens. */
  maxTokensField: z.enum(['max_completion_tokens', 'max_tokens'], 'max_completion_tokens or max_tokens').default('max_completion_tokens'),
  /** Calls of one run being read, forwarded or answered at once; more are refused with 429. */
  maxInFlightPerRun: count('calls in flight per run').default(4),
  /** Larger request bodies are refused with 413 before they are read. */
  maxBodyBytes: count('request body bytes').default(4 * 1024 * 1024),
  /** Open connections per listener (the main one and each run's); further ones are closed at once. */
  maxConnections: count('connections per listener').default(64),
  /** A rollout line keeps a request and a response up to this many bytes of JSON each (the head, marked truncated). */
  rolloutBodyBytes: count('rollout body bytes').default(256 * 1024),
  /** Calls of one run refused or failed that get a line of their own; past that they are only counted (in checkpoint lines). */
  maxUnansweredLines: z
    .number('unanswered rollout lines')
    .int('unanswered rollout lines: a whole number')
    .min(0, 'unanswered rollout lines: at least 0')
    .default(100),
});
export type GatewayLimits = z.infer<typeof gatewayLimitsSchema>;

export const gatewayConfigSchema = z.strictObject({
  aliases: z
    .record(modelName, modelName, 'a map of alias -> upstream model')
    .refine((a) => Object.keys(a).length > 0, 'at least one alias is required'),
  prices: z.record(modelName, priceSchema, 'a map of upstream model -> { inputPerMTok, outputPerMTok }').default({}),
  limits: gatewayLimitsSchema.default(() => gatewayLimitsSchema.parse({})),
});
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;

/** Validates a config object; `source` names where it came from in the error. */
export function parseGatewayConfig(raw: unknown, source = 'gateway config'): GatewayConfig {
  const parsed = gatewayConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new GatewayConfigError(`${source}: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

/** Reads and validates a YAML config file; throws GatewayConfigError naming the file and fields. */
export async function loadGatewayConfig(file: string): Promise<GatewayConfig> {
  return parseGatewayConfig(await readYamlFile(file, (message) => new GatewayConfigError(message)), file);
}

/** Dollars for one call, or undefined when the model has no price. */
export function costOf(config: GatewayConfig, upstreamModel: string, promptTokens: number, completionTokens: number): number | undefined {
  const p = config.prices[upstreamModel];
  if (!p) return undefined;
  return (promptTokens * p.inputPerMTok + completionTokens * p.outputPerMTok) / 1_000_000;
}
