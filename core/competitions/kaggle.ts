/**
 * MLE-bench's Kaggle competitions, known by id (competitions/kaggle.yaml) but not bundled: their
 * data comes from Kaggle through the user's own account. A run that names one fails before any
 * container starts, with what is missing and how to get it.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import YAML from 'yaml';
import { harnessPaths } from '../config';
import { PermanentError } from '../errors';
import { formatIssues, zodFieldIssues } from '../validation';

const catalogSchema = z
  .object({ competitions: z.array(z.object({ id: z.string().min(1), lite: z.boolean().default(false) }).strict()) })
  .strict();

export type KaggleCompetition = z.output<typeof catalogSchema>['competitions'][number];

export class CompetitionDataMissingError extends PermanentError {
  override readonly name = 'CompetitionDataMissingError';
  constructor(
    readonly competitionId: string,
    message: string,
  ) {
    super(message);
  }
}

export async function kaggleCatalog(competitionsDir = harnessPaths().competitionsDir): Promise<KaggleCompetition[]> {
  const file = path.join(competitionsDir, 'kaggle.yaml');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const parsed = catalogSchema.safeParse(YAML.parse(text));
  if (!parsed.success) {
    throw new Error(`${file}: ${formatIssues(zodFieldIssues(parsed.error, { topLevel: '(file)' }).slice(0, 1))}`);
  }
  return parsed.data.competitions;
}

/** Why a Kaggle competition of the catalogue cannot run here, or undefined when `id` is not one. */
export async function kaggleCompetitionProblem(
  id: string,
  opts: { dataDir?: string; competitionsDir?: string } = {},
): Promise<CompetitionDataMissingError | undefined> {
  const known = (await kaggleCatalog(opts.competitionsDir)).some((c) => c.id === id);
  if (!known) return undefined;
  const prepared = path.join(opts.dataDir ?? harnessPaths().dataDir, id, 'prepared');
  if (!existsSync(path.join(prepared, 'public')) || !existsSync(path.join(prepared, 'private'))) {
    return new CompetitionDataMissingError(
      id,
      `"${id}" is a Kaggle competition of MLE-bench and its data is not here: ${prepared}/public and ${prepared}/private are missing. ` +
        `Get it with MLE-bench: accept the competition's rules on Kaggle, put your API token in ~/.kaggle/kaggle.json, then in an ` +
        `MLE-bench checkout run "mlebench prepare -c ${id} --data-dir ${path.dirname(path.dirname(prepared))}". ` +
        'To run offline instead, use splits/offline.txt or splits/offline-dev.txt.',
    );
  }
  return new CompetitionDataMissingError(
    id,
    `"${id}" is a Kaggle competition of MLE-bench: its data is prepared at ${prepared}, but grading it needs MLE-bench's own ` +
      'grader: set MLEBENCH_REPO to a checkout of MLE-bench (github.com/openai/mle-bench, with its Git LFS files) that has this ' +
      'competition; or use splits/offline.txt or splits/offline-dev.txt.',
  );
}
