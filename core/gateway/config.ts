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
 */
import { promises as fs } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export class GatewayConfigError extends Error {
  override name = 'GatewayConfigError';
}

const modelName = z.string('a model name').min(1, 'a non-empty model name');
const price = z.number('a price in dollars per million tokens').finite().min(0, 'at least 0');

export const priceSchema = z.strictObject({ inputPerMTok: price, outputPerMTok: price });
export type Price = z.infer<typeof priceSchema>;

export const gatewayConfigSchema = z.strictObject({
  aliases: z
    .record(modelName, modelName, 'a map of alias -> upstream model')
    .refine((a) => Object.keys(a).length > 0, 'at least one alias is required'),
  prices: z.record(modelName, priceSchema, 'a map of upstream model -> { inputPerMTok, outputPerMTok }').default({}),
});
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length ? issue.path.join('.') : '(top level)';
  const reason = issue.code === 'invalid_key' && issue.issues[0] ? issue.issues[0].message : issue.message;
  return `${field}: ${reason}`;
}

/** Validates a config object; `source` names where it came from in the error. */
export function parseGatewayConfig(raw: unknown, source = 'gateway config'): GatewayConfig {
  const parsed = gatewayConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new GatewayConfigError(`${source}: ${parsed.error.issues.map(describeIssue).join('; ')}`);
  return parsed.data;
}

/** Reads and validates a YAML config file; throws GatewayConfigError naming the file and fields. */
export async function loadGatewayConfig(file: string): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new GatewayConfigError(`${file}: cannot read: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new GatewayConfigError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  return parseGatewayConfig(raw, file);
}

/** Dollars for one call, or undefined when the model has no price. */
export function costOf(config: GatewayConfig, upstreamModel: string, promptTokens: number, completionTokens: number): number | undefined {
  const p = config.prices[upstreamModel];
  if (!p) return undefined;
  return (promptTokens * p.inputPerMTok + completionTokens * p.outputPerMTok) / 1_000_000;
}
