/**
 * A competition folder made on the fly (config.yaml, description, leaderboard) whose data the
 * `synthetic` prepare step generates: one for any metric, without touching competitions/.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { getMetric } from '../../core/grading/metrics';

export interface SyntheticSpec {
  id: string;
  metric: string;
  /** The synthetic step's options (task, rows, classes, labels, ...). */
  options: Record<string, unknown>;
  targetColumn: string;
  /** More `dataset:` fields (positive_label, labels). */
  dataset?: Record<string, unknown>;
}

export async function writeSyntheticCompetition(competitionsDir: string, spec: SyntheticSpec): Promise<void> {
  const dir = path.join(competitionsDir, spec.id);
  await fs.mkdir(dir, { recursive: true });
  // Ten teams, best first, in the metric's direction.
  const scores = Array.from({ length: 10 }, (_, i) => (getMetric(spec.metric).lowerIsBetter ? 0.1 * (i + 1) : 1 - 0.05 * i));
  await fs.writeFile(path.join(dir, 'leaderboard.csv'), `teamId,score\n${scores.map((s, i) => `${i},${s}`).join('\n')}\n`);
  await fs.writeFile(path.join(dir, 'description.md'), `# ${spec.id}\n\nSynthetic, for tests.\n`);
  const config = {
    id: spec.id,
    name: spec.id,
    modality: 'tabular',
    metric: spec.metric,
    dataset: {
      answers: 'private/answers.csv',
      sample_submission: 'public/sample_submission.csv',
      id_column: 'id',
      target_column: spec.targetColumn,
      ...spec.dataset,
    },
    source: { name: 'synthetic', licence: 'none' },
    prepare: { step: 'synthetic', seed: 3, options: spec.options },
  };
  // JSON is YAML.
  await fs.writeFile(path.join(dir, 'config.yaml'), JSON.stringify(config, null, 2));
}
