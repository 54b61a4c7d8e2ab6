/**
 * The six technique tasks, which competitions each applies to, and the text an agent reads.
 * Applicability is decided from a competition's config (modality, metric) so a plan can skip a
 * pair before any data is touched.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { harnessPaths } from '../config';
import { TECHNIQUE_TASKS } from '../options';
import type { Competition } from '../competitions';
import { problemOf } from './data';
import type { TechniqueTask, TechniqueTaskDefinition } from './types';
import { imbalance } from './tasks/imbalance';
import { missing } from './tasks/missing';
import { encoding } from './tasks/encoding';
import { cv } from './tasks/cv';
import { scaling } from './tasks/scaling';
import { leakage } from './tasks/leakage';
import { PermanentError } from '../errors';

const DEFINITIONS: Record<TechniqueTask, TechniqueTaskDefinition<never, never>> = {
  imbalance,
  missing,
  encoding,
  cv,
  scaling,
  leakage,
} as unknown as Record<TechniqueTask, TechniqueTaskDefinition<never, never>>;

export function taskDefinition(task: TechniqueTask): TechniqueTaskDefinition<unknown, unknown> {
  return DEFINITIONS[task];
}

export function listTechniqueTasks(): TechniqueTaskDefinition<unknown, unknown>[] {
  return TECHNIQUE_TASKS.map(taskDefinition);
}

/** `imbalance_analysis.json`: written by the agent beside its submission. */
export function analysisFileName(task: TechniqueTask): string {
  return `${task}_analysis.json`;
}

/** A pair the plan should have skipped reached prepare: not retryable. */
export class TechniqueNotApplicableError extends PermanentError {
  override readonly name = 'TechniqueNotApplicableError';
  constructor(
    readonly task: TechniqueTask,
    readonly competitionId: string,
    readonly reason: string,
  ) {
    super(`technique task ${task} does not apply to ${competitionId}: ${reason}`);
  }
}

/** Why `task` cannot transform `competition`, or undefined when it can. */
export function whyNotApplicable(task: TechniqueTask, competition: Competition): string | undefined {
  if (competition.modality !== 'tabular') {
    return `it transforms tabular data, and ${competition.id} is ${competition.modality === 'image' ? 'an' : 'a'} ${competition.modality} competition`;
  }
  const problem = problemOf(competition);
  const definition = taskDefinition(task);
  if (!problem || !definition.problems.includes(problem)) {
    return `it needs a ${definition.problems.join(' or ')} target, and ${competition.id} is scored by ${competition.metric}${problem ? ` (${problem})` : ''}`;
  }
  return undefined;
}

/**
 * What the agent reads at /home/data/description.md: the task's description, then the
 * competition's, for the meaning of the columns.
 */
export async function renderDescription(task: TechniqueTask, competition: Competition): Promise<string> {
  const file = path.join(harnessPaths().techniquesDir, task, 'description.md');
  const [taskText, competitionText] = await Promise.all([fs.readFile(file, 'utf8'), fs.readFile(competition.descriptionPath, 'utf8')]);
  return [
    taskText.trimEnd(),
    '',
    '---',
    '',
    `## The data: ${competition.name}`,
    '',
    `The data are those of the competition \`${competition.id}\`, changed as described above. Its`,
    'description follows for the meaning of the columns; its metric and submission format do not',
    'apply here: write what this task asks for (see also `/home/data/task.json`).',
    '',
    competitionText.trimEnd().replace(/^#/gm, '##'),
    '',
  ].join('\n');
}
