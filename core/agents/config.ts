/**
 * The schema of agents/<name>/config.yaml. A bad file is rejected with the file, the field and
 * the reason, before anything runs.
 *
 *   description: what the agent does
 *   command: [python3, /opt/agent/start.py]   # optional: the image's CMD otherwise
 *   readOnlyRootfs: true                       # optional, default true
 *   retries: 1                                 # optional, default 0: fresh containers after one killed from outside
 *   llm: true                                  # optional, default false: gets the harness's LLM gateway (OPENAI_*)
 *   llmBudget: { maxTokens, maxRequests, maxDollars } # optional: per-run defaults; run options override
 *   gpus: 1                                    # optional, default 0: GPUs the container gets (reserved on its host)
 *   env: { KEY: value }                        # the default variant's env
 *   variants:
 *     <variant>: { description, env, command, retries, llmBudget, gpus } # env is merged over the default's; the others override
 */
import { z } from 'zod';
import { llmBudgetSchema } from '../options';
import { PermanentError } from '../errors';
import { formatZodError, readYamlFile } from '../validation';

/** The harness sets these itself; an agent may not override them. */
export const RESERVED_ENV = [
  'COMPETITION_ID',
  'TIME_LIMIT_SECS',
  'SEED',
  'TECHNIQUE_TASK',
  'STEP_LIMIT',
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
] as const;
export const DEFAULT_VARIANT = 'default';
/** Agent names become Docker repository names, so they follow Docker's rules. */
export const AGENT_NAME_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const VARIANT_NAME_RE = /^[a-z0-9][a-z0-9._-]*$/;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_AGENT_RETRIES = 10;

export class AgentConfigError extends PermanentError {
  override name = 'AgentConfigError';
}

const envSchema = z
  .record(
    z.string().regex(ENV_NAME_RE, 'an environment variable name (letters, digits, _)'),
    // YAML reads `SEEDS: 2` as a number; the container only has strings.
    z.union([z.string(), z.number(), z.boolean()], 'a string, number or boolean').transform(String),
  )
  .superRefine((env, ctx) => {
    for (const key of RESERVED_ENV) {
      if (key in env) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is set by the harness and cannot be overridden` });
    }
  });

const commandSchema = z.array(z.string().min(1), 'a list of strings (the argv)').min(1);

/** How many times a container killed from outside (a signal, not OOM, the time limit or a cancel) is replaced by a fresh one. */
const retriesSchema = z
  .number(`a whole number of retries (0 to ${MAX_AGENT_RETRIES})`)
  .int(`a whole number of retries (0 to ${MAX_AGENT_RETRIES})`)
  .min(0, 'at least 0')
  .max(MAX_AGENT_RETRIES, `at most ${MAX_AGENT_RETRIES}`);

/** GPUs the agent's container gets, reserved on its host like an agent slot (core/hosts). */
const gpusSchema = z.number('a whole number of GPUs').int('a whole number of GPUs').min(0, 'at least 0').max(64, 'at most 64');

const variantSchema = z.strictObject({
  description: z.string().min(1).optional(),
  retries: retriesSchema.optional(),
  gpus: gpusSchema.optional(),
  llmBudget: llmBudgetSchema.optional(),
  command: commandSchema.optional(),
  env: envSchema.default({}),
});

export const agentConfigSchema = z.strictObject({
  description: z.string('a description is required').min(1),
  command: commandSchema.optional(),
  readOnlyRootfs: z.boolean().default(true),
  retries: retriesSchema.default(0),
  gpus: gpusSchema.default(0),
  /** The agent calls an LLM: its container joins a network where only the harness's gateway answers. */
  llm: z.boolean().default(false),
  llmBudget: llmBudgetSchema.optional(),
  env: envSchema.default({}),
  variants: z
    .record(
      z
        .string()
        .regex(VARIANT_NAME_RE, 'a variant name: lowercase letters, digits, . _ -')
        .refine((v) => v !== DEFAULT_VARIANT, `"${DEFAULT_VARIANT}" is the id <name> itself`),
      variantSchema,
    )
    .default({}),
});

export type AgentConfig = z.infer<typeof agentConfigSchema>;

/** Reads and validates one config.yaml; throws AgentConfigError naming the file and fields. */
export async function loadAgentConfig(file: string): Promise<AgentConfig> {
  const raw = await readYamlFile(file, (message) => new AgentConfigError(message));
  const parsed = agentConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new AgentConfigError(`${file}: ${formatZodError(parsed.error)}`);
  }
  return parsed.data;
}
