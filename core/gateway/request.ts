/**
 * What a chat completion request may carry through the gateway, and its worst-case cost.
 *
 * The allowlist. Anything not listed is refused with 400 naming the field, never dropped in
 * silence: an agent learns at once that the gateway did not do what it asked for.
 *   forwarded as sent   messages, temperature, top_p, stop, seed, presence_penalty,
 *                       frequency_penalty, logit_bias, logprobs, top_logprobs, user, tools,
 *                       tool_choice, parallel_tool_calls, response_format, reasoning_effort,
 *                       functions, function_call
 *   rewritten           model: an alias, replaced by its upstream model
 *                       n: always 1 (the budget pays for one answer)
 *                       max_tokens / max_completion_tokens: at most limits.maxCompletionTokens;
 *                       when neither is set, limits.maxTokensField is set to that ceiling, so
 *                       every call's worst case is bounded
 *   refused             stream: true (stream: false is accepted: it is what the gateway does),
 *                       stream_options, store and service_tier at any value, and every other
 *                       field (audio, modalities, prediction, web_search_options, metadata, ...)
 *   messages            role, content, name, tool_calls, tool_call_id, function_call, refusal;
 *                       content is a string, null or text parts: an image, audio or file part
 *                       costs what its body's size cannot bound, and an image URL would be
 *                       fetched by the provider from outside the sandbox
 */
import { z } from 'zod';
import { costOf, type GatewayConfig } from './config.js';
import { HttpError } from './http.js';

/** Fields refused by name, with the reason the agent is told. */
const REFUSED: Record<string, string> = {
  stream_options: 'streaming is not supported by the gateway',
  store: 'completions are not stored at the provider under the organisation’s account',
  service_tier: 'a service tier changes the price the run’s budget is computed with',
};

const num = z.number('a number').finite().nullish();
const textPart = z.strictObject({
  type: z.literal('text', 'only text parts (type "text") are accepted: the cost of images, audio and files cannot be bounded in advance'),
  text: z.string('a string'),
});
const content = z.unknown().superRefine((value, ctx) => {
  if (value === null || value === undefined || typeof value === 'string') return;
  if (!Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'a string, null or an array of text parts' });
    return;
  }
  value.forEach((part, i) => {
    const parsed = textPart.safeParse(part);
    if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [i, ...issue.path] });
  });
});
const message = z.strictObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content,
  name: z.string().optional(),
  tool_calls: z.array(z.looseObject({})).optional(),
  tool_call_id: z.string().optional(),
  function_call: z.looseObject({}).nullish(),
  refusal: z.string().nullish(),
});
const tool = z.strictObject({
  type: z.literal('function', 'only function tools are accepted'),
  function: z.looseObject({ name: z.string() }),
});
const maxTokens = z.number('a whole number').int('a whole number').positive('at least 1').nullish();

const chatRequestSchema = z.strictObject({
  model: z.string('a model name'),
  messages: z.array(message, 'an array of messages').min(1, 'at least one message'),
  temperature: num,
  top_p: num,
  presence_penalty: num,
  frequency_penalty: num,
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  logit_bias: z.record(z.string(), z.number()).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).nullish(),
  user: z.string().nullish(),
  tools: z.array(tool).nullish(),
  tool_choice: z.union([z.string(), z.looseObject({ type: z.string() })]).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: z.looseObject({ type: z.string() }).nullish(),
  reasoning_effort: z.string().nullish(),
  functions: z.array(z.looseObject({ name: z.string() })).nullish(),
  function_call: z.union([z.string(), z.looseObject({ name: z.string() })]).nullish(),
  n: z.number('a whole number').int('a whole number').positive('at least 1').nullish(),
  max_tokens: maxTokens,
  max_completion_tokens: maxTokens,
  stream: z.literal(false, 'streaming (stream: true) is not supported by the gateway yet; send stream: false').nullish(),
});

export const ALLOWED_FIELDS: readonly string[] = Object.keys(chatRequestSchema.shape);

export interface PreparedRequest {
  /** The body sent upstream. */
  body: Record<string, unknown>;
  /** What the gateway changed besides the model, e.g. { n: 1, max_completion_tokens: 8192 }. */
  adjusted: Record<string, number>;
  upstreamModel: string;
  /** The most this call can cost: its prompt bounded by the body's size, its answer by its max tokens. */
  worst: { tokens: number; dollars: number | undefined };
}

const refuse = (code: string, message: string) => new HttpError(400, 'invalid_request_error', message, code);

/** Deeper JSON is refused: a chat request needs a few levels, and JSON.stringify recurses. */
export const MAX_JSON_DEPTH = 64;

/** Throws HttpError 400 when `value` nests deeper than MAX_JSON_DEPTH (walked without recursion). */
export function checkDepth(value: unknown): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MAX_JSON_DEPTH) throw refuse('invalid_request', `request body nests deeper than ${MAX_JSON_DEPTH} levels`);
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
}

function fieldOf(issue: z.core.$ZodIssue): string {
  return issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${String(p)}` : String(p))).join('');
}

/**
 * Checks a parsed body against the allowlist and prepares what is forwarded; throws HttpError 400
 * naming the field and the reason.
 */
export function prepareRequest(raw: unknown, config: GatewayConfig): PreparedRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw refuse('invalid_request', 'request body must be a JSON object');
  const body = raw as Record<string, unknown>;
  if (body.stream === true)
    throw refuse('stream_unsupported', 'streaming (stream: true) is not supported by the gateway yet; send stream: false');
  for (const [field, why] of Object.entries(REFUSED)) {
    if (Object.hasOwn(body, field)) throw refuse('field_not_allowed', `field "${field}" is not accepted by the gateway: ${why}`);
  }
  const parsed = chatRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const where = issue.path.length ? ` in ${fieldOf(issue)}` : '';
      const accepted = issue.path.length ? '' : `; the gateway accepts only: ${ALLOWED_FIELDS.join(', ')}`;
      throw refuse('field_not_allowed', `field "${issue.keys[0]}"${where} is not accepted by the gateway${accepted}`);
    }
    throw refuse('invalid_field', `field "${fieldOf(issue) || '(body)'}": ${issue.message}`);
  }
  const req = parsed.data;
  const upstreamModel = Object.hasOwn(config.aliases, req.model) ? config.aliases[req.model] : undefined;
  if (upstreamModel === undefined) {
    throw refuse('model_not_found', `unknown model ${JSON.stringify(req.model)}; known models: ${Object.keys(config.aliases).join(', ')}`);
  }

  const { maxCompletionTokens: ceiling, maxTokensField } = config.limits;
  const adjusted: Record<string, number> = {};
  const out: Record<string, unknown> = { ...req, model: upstreamModel, n: 1 };
  if (req.n !== undefined && req.n !== null && req.n !== 1) adjusted.n = 1;
  let output = 0;
  for (const field of ['max_tokens', 'max_completion_tokens'] as const) {
    const asked = req[field];
    if (asked === undefined || asked === null) continue;
    const kept = Math.min(asked, ceiling);
    if (kept !== asked) adjusted[field] = kept;
    out[field] = kept;
    output = Math.max(output, kept);
  }
  if (output === 0) {
    out[maxTokensField] = ceiling;
    adjusted[maxTokensField] = ceiling;
    output = ceiling;
  }
  // Every token a provider counts stands for at least one byte of what it was sent, and the JSON
  // around each message outweighs the few tokens the chat format adds per message: the forwarded
  // body's size in bytes bounds the prompt's tokens (text only, which the allowlist ensures).
  const promptBound = Buffer.byteLength(JSON.stringify(out));
  return {
    body: out,
    adjusted,
    upstreamModel,
    worst: { tokens: promptBound + output, dollars: costOf(config, upstreamModel, promptBound, output) },
  };
}
