/**
 * The run options: one zod schema shared by the SDK, the CLI, the REST API and the `runGroup`
 * workflow input. Pure (no I/O), so workflows may import it; checks that need the file system
 * (does the competition exist? is the split file readable?) happen in `planRunGroup`.
 */
import { z } from 'zod';
import { PermanentError } from './errors';
import { formatIssues, zodFieldIssues } from './validation';
import { COMMIT_RE, GIT_SCHEMES, checkGitRequest } from './agents/gitSource';

export const TECHNIQUE_TASKS = ['imbalance', 'missing', 'encoding', 'cv', 'scaling', 'leakage'] as const;
export type TechniqueTask = (typeof TECHNIQUE_TASKS)[number];

/**
 * The arms of an experiment (`mlebench experiment`, docs/experiments.md): every competition and
 * seed runs once per arm in the same group, `injected` with the run option `context`, `plain`
 * without it, so the two are paired run by run.
 */
export const ARMS = ['plain', 'injected'] as const;
export type Arm = (typeof ARMS)[number];

const idPattern = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * What an LLM agent's run may spend through the harness's gateway; every field optional (no
 * cap). An agent's config gives defaults (`llmBudget`), the run options override them field by field.
 */
export const llmBudgetSchema = z.strictObject({
  maxTokens: z.number().int().min(1, 'at least 1 token').optional(),
  maxRequests: z.number().int().min(1, 'at least 1 request').optional(),
  maxDollars: z.number().finite().positive('more than 0 dollars').optional(),
});
export type LlmBudget = z.infer<typeof llmBudgetSchema>;
/**
 * How a run names a split (core/runs/splits.ts resolves it): `offline-dev`, `offline-dev.txt`,
 * `splits/offline-dev.txt` (the harness's folder), `experiments/splits/low.txt` (MLE-bench's, as
 * the seed system names them). A name, never a path.
 */
export const SPLIT_REFERENCE = /^(?:(splits|experiments\/splits)\/)?([A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*?)(?:\.txt)?$/;
export const SPLIT_REFERENCE_HINT =
  'must name a split, not a file: "offline-dev", "splits/offline-dev.txt", or an MLE-bench split such as "experiments/splits/low.txt" (mlebench list splits)';

const agentIdPattern = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)?$/;

/**
 * An agent from git (core/agents/git.ts): `agentId` is then its folder's name (or
 * `<name>/<variant>`). The clients pin `ref` to `commit` before the group starts; the workflow
 * input carries the commit, which every worker fetches. Which schemes a process accepts is its
 * operator's (MLEBENCH_GIT_SCHEMES), checked where the repository is read; the shape is checked here.
 */
export const agentGitSchema = z
  .strictObject({
    url: z.string().max(2000),
    ref: z.string().max(250),
    commit: z.string().regex(COMMIT_RE, 'a full commit id (40 or 64 hex digits)').optional(),
    subfolder: z.string().max(500).optional(),
  })
  .superRefine((req, ctx) => {
    try {
      checkGitRequest(req, { schemes: [...GIT_SCHEMES] });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

/**
 * Curated text added to what the agent reads (core/context/instructions.ts): an addendum to
 * /home/instructions.txt, recorded in run.json and the group's metadata. `source` names where it
 * came from (the CLI's --context file name).
 */
/** Bytes of UTF-8, not characters: the bound is what lands in run.json and the container. */
export const MAX_CONTEXT_BYTES = 64 * 1024;
const utf8 = new TextEncoder();

export const runContextSchema = z.strictObject({
  text: z
    .string()
    // Refuses a huge string before encoding it: UTF-8 never has fewer bytes than UTF-16 units.
    .max(MAX_CONTEXT_BYTES, `at most ${MAX_CONTEXT_BYTES} bytes (64 KiB) of context`)
    .refine((text) => utf8.encode(text).length <= MAX_CONTEXT_BYTES, {
      message: `at most ${MAX_CONTEXT_BYTES} bytes (64 KiB) of context, counted as UTF-8`,
    }),
  source: z.string().max(500).optional(),
});
export type RunContext = z.infer<typeof runContextSchema>;

export const runOptionsSchema = z
  .object({
    agentId: z
      .string({ error: 'agentId is required (e.g. "dummy", "baseline", "aide/dev")' })
      .regex(agentIdPattern, 'must look like "<agent>" or "<agent>/<variant>" (lower case, digits, . _ -)'),
    agentGit: agentGitSchema.optional(),
    /** A split's name (core/runs/splits.ts): never a path, so no caller names a file on the server. */
    competitionSet: z.string().max(200, 'too long for a split name').regex(SPLIT_REFERENCE, SPLIT_REFERENCE_HINT).optional(),
    competitions: z
      .array(z.string().regex(idPattern, 'must be a competition id (lower case, digits, . _ -)'))
      .min(1, 'must name at least one competition')
      .optional(),
    lite: z.boolean().default(false),
    techniqueTasks: z.boolean().default(false),
    tasks: z.array(z.enum(TECHNIQUE_TASKS)).min(1).optional(),
    nSeeds: z.number().int().min(1).max(100).default(1),
    maxParallel: z.number().int().min(1).max(256).default(4),
    timeLimitSecs: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .default(3600),
    notes: z.string().max(10_000).optional(),
    /**
     * Tries of a run's agent step when the infrastructure fails (Docker not answering, disk
     * below MLEBENCH_MIN_FREE_DISK), with backoff from 1 s doubling to 1 min, before the run ends
     * `infra_error`. Default 10 (several minutes: a Docker restart is survived).
     */
    infraAttempts: z.number().int().min(1).max(100).optional(),
    /** An LLM agent's budget per run (tokens, requests, dollars), over its config's `llmBudget`. */
    llmBudget: llmBudgetSchema.optional(),
    /**
     * An LLM agent runs only with a dollar budget per run (here or in its config), unless this
     * says, explicitly, that its spending is not capped.
     */
    llmUnlimited: z.boolean().default(false),
    /** An agent's step limit (e.g. AIDE's steps), given to the container as STEP_LIMIT. */
    stepLimit: z.number().int().min(1).max(100_000).optional(),
    /** Added to every run's instructions; in an experiment, to the injected arm's runs only. */
    context: runContextSchema.optional(),
    /** An experiment's arms: each competition × seed runs once per arm (core/runs/planned.ts). */
    arms: z
      .array(z.enum(ARMS))
      .min(1)
      .refine((a) => new Set(a).size === a.length, 'each arm at most once')
      .optional(),
  })
  .strict()
  .refine((o) => !(o.competitionSet && o.competitions), {
    message: 'give either competitionSet or competitions, not both',
    path: ['competitions'],
  })
  .refine((o) => !o.arms?.includes('injected') || o.context, {
    message: 'the injected arm is given the context: give one (--context FILE)',
    path: ['context'],
  })
  .refine((o) => !o.tasks || o.techniqueTasks, {
    message: 'tasks choose technique tasks: set techniqueTasks: true too',
    path: ['tasks'],
  });

/** What callers pass (defaults optional). */
export type RunOptionsInput = z.input<typeof runOptionsSchema>;
/** What the harness works with (defaults filled in). */
export type RunOptions = z.output<typeof runOptionsSchema>;

export class InvalidRunOptionsError extends PermanentError {
  override readonly name = 'InvalidRunOptionsError';
  constructor(
    readonly issues: { field: string; reason: string }[],
    source = 'run options',
  ) {
    super(`invalid ${source}: ${formatIssues(issues)}`);
  }
}

/** Parses run options, throwing an error that names each bad field and why. */
export function parseRunOptions(input: unknown, source?: string): RunOptions {
  const result = runOptionsSchema.safeParse(input);
  if (!result.success) {
    throw new InvalidRunOptionsError(zodFieldIssues(result.error, { topLevel: '(input)' }), source);
  }
  return result.data;
}
