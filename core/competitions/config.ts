/**
 * `competitions/<id>/config.yaml`: the schema, and a loader whose errors name the file, the
 * field and the reason, so a typo in a competition never surfaces as a crash mid-run.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import YAML from 'yaml';
import { METRIC_NAMES } from '../grading/metrics';
import { getPrepareStep, PREPARE_STEP_NAMES } from './steps';
import { PermanentError } from '../errors';
import { isFile } from '../fsx';
import { formatIssues, zodFieldIssues } from '../validation';

export const COMPETITION_ID_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

/** A path inside a folder: relative, no `..`, so a config cannot point outside its data. */
const relativePath = z
  .string()
  .min(1)
  .refine((p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes('..'), 'must be a relative path without ".."');

/** A class label as the answers' CSV spells it; YAML reads `1` as a number, so numbers are taken as text. */
const labelValue = z.union([z.string().min(1), z.number().transform(String)]);

const configSchema = z
  .object({
    id: z.string().regex(COMPETITION_ID_PATTERN, 'must be lower case letters, digits, . _ -'),
    name: z.string().min(1),
    /** Markdown file in the competition's folder, copied into the public data. */
    description: relativePath.default('description.md'),
    /** In MLE-bench's Lite list (low complexity); bundled offline competitions set it. */
    lite: z.boolean().default(false),
    modality: z.enum(['text', 'image', 'tabular', 'time-series', 'audio']),
    metric: z.string().refine((m) => METRIC_NAMES.includes(m), { message: `must be one of: ${METRIC_NAMES.join(', ')}` }),
    /** CSV in the competition's folder with a `score` column, best team first. */
    leaderboard: relativePath.default('leaderboard.csv'),
    /** Paths relative to `<dataDir>/<id>/prepared/`. */
    dataset: z
      .object({
        answers: relativePath.refine((p) => p.startsWith('private/'), 'must be under private/ (answers are never public)'),
        sample_submission: relativePath.refine((p) => p.startsWith('public/'), 'must be under public/'),
        id_column: z.string().min(1).default('id'),
        /**
         * The answers' label column. For a multi-label metric the answers instead hold the sample
         * submission's columns (0 or 1 each), and this names any one of them.
         */
        target_column: z.string().min(1),
        /**
         * Binary metrics (roc-auc, binary-log-loss): the answers' label that counts as positive.
         * Default: 1 for 0/1 labels, else the greater of the two (scikit-learn's rule).
         */
        positive_label: labelValue.optional(),
        /**
         * Label metrics: every label a prediction may name. Default: the labels in the answers;
         * list them when a class may be absent from the test set.
         */
        labels: z.array(labelValue).min(2).optional(),
      })
      .strict(),
    source: z
      .object({
        name: z.string().min(1),
        licence: z.string().min(1),
      })
      .strict(),
    prepare: z
      .object({
        step: z.string().refine((s) => PREPARE_STEP_NAMES.includes(s), {
          message: `must be one of: ${PREPARE_STEP_NAMES.join(', ')}`,
        }),
        seed: z
          .number()
          .int()
          .min(0)
          .max(2 ** 32 - 1),
        /** The checksum prepare must produce; catches a changed data source that would invalidate the leaderboard. */
        checksum: z
          .string()
          .regex(/^[0-9a-f]{64}$/, 'must be a sha256 hex digest')
          .optional(),
        options: z.unknown().optional(),
      })
      .strict(),
  })
  .strict();

export type CompetitionConfig = z.output<typeof configSchema>;

export interface ConfigIssue {
  field: string;
  reason: string;
}

export class InvalidCompetitionConfigError extends PermanentError {
  override readonly name = 'InvalidCompetitionConfigError';
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    super(`invalid competition config ${file}: ${formatIssues(issues)}`);
  }
}

/**
 * Reads and validates one config.yaml. `expectedId` is the folder name: the two must agree,
 * or the registry and the data directory would disagree about where things live.
 */
export async function loadCompetitionConfig(file: string, expectedId: string): Promise<CompetitionConfig> {
  const text = await fs.readFile(file, 'utf8');
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) {
    throw new InvalidCompetitionConfigError(
      file,
      doc.errors.map((e) => ({ field: '(yaml)', reason: e.message })),
    );
  }
  const parsed = configSchema.safeParse(doc.toJS());
  if (!parsed.success) throw new InvalidCompetitionConfigError(file, zodFieldIssues(parsed.error));
  const config = parsed.data;

  const issues: ConfigIssue[] = [];
  if (config.id !== expectedId) issues.push({ field: 'id', reason: `must equal the folder name "${expectedId}"` });

  // The step's own schema checks its options, with defaults filled in for the step to use.
  const step = getPrepareStep(config.prepare.step)!;
  const options = step.options.safeParse(config.prepare.options ?? {});
  if (options.success) config.prepare.options = options.data;
  else issues.push(...zodFieldIssues(options.error, { prefix: ['prepare', 'options'] }));

  const dir = path.dirname(file);
  for (const field of ['description', 'leaderboard'] as const) {
    const target = path.join(dir, config[field]);
    if (!(await isFile(target))) issues.push({ field, reason: `file not found: ${target}` });
  }
  if (issues.length > 0) throw new InvalidCompetitionConfigError(file, issues);
  return config;
}
