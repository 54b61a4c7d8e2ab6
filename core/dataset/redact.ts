/**
 * Secrets out of a dataset: a run's gateway token and anything shaped like an API key, replaced
 * wherever it appears (a request an agent sent, a log it printed, a failure's reason). Applied to
 * each row's JSON text: no pattern matches a quote or a backslash, so the JSON stays valid.
 */
import { GATEWAY_TOKEN_PATTERN } from '../gateway/runs';

const PATTERNS: readonly [kind: string, re: RegExp][] = [
  ['gateway-token', new RegExp(GATEWAY_TOKEN_PATTERN, 'g')],
  // OpenAI-style keys (sk-…, sk-proj-…), Anthropic's (sk-ant-…).
  ['api-key', /\bsk-[A-Za-z0-9_-]{16,}/g],
  ['bearer', /\b[Bb]earer\s+[A-Za-z0-9._~+/=-]{12,}/g],
  ['github-token', /\bgh[pousr]_[A-Za-z0-9]{30,}/g],
  ['huggingface-token', /\bhf_[A-Za-z0-9]{30,}/g],
  ['aws-key', /\bAKIA[0-9A-Z]{16}\b/g],
  ['slack-token', /\bxox[abprs]-[A-Za-z0-9-]{10,}/g],
];

/** The text with every secret-looking string replaced by `[REDACTED:<kind>]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [kind, re] of PATTERNS) out = out.replace(re, `[REDACTED:${kind}]`);
  return out;
}

/** The redacted kinds, for the dataset card. */
export const REDACTED_KINDS = PATTERNS.map(([kind]) => kind);
