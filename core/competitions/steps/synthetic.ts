/**
 * Synthetic answers of any size and of every shape a metric kind reads, for the grading benchmark
 * (bench/grading.ts) and grading tests: ids and seeded random targets, no features. No bundled
 * competition uses it.
 *
 * Writes public/test.csv (ids), public/sample_submission.csv (a constant guess) and
 * private/answers.csv, streamed in chunks so a million rows take little memory:
 *
 * | task         | answers                                   | sample submission          |
 * |--------------|-------------------------------------------|----------------------------|
 * | `binary`     | `id,target`: `labels` (default 0 and 1)   | `id,target`: 0.5           |
 * | `multiclass` | `id,label`: `class_<k>`                   | `id,class_0,...`: 1/classes|
 * | `labels`     | `id,label`: `class_<k>`                   | `id,label`: class_0        |
 * | `ordinal`    | `id,grade`: 0 to classes - 1              | `id,grade`: 0              |
 * | `regression` | `id,target`: a positive number            | `id,target`: 1             |
 * | `multilabel` | `id,label_0,...`: 0 or 1 each             | `id,label_0,...`: 0.5      |
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { seededRandom } from '../random';
import type { PrepareStep } from './types';

const optionsSchema = z
  .object({
    task: z.enum(['binary', 'multiclass', 'labels', 'ordinal', 'regression', 'multilabel']),
    rows: z.number().int().min(1).max(100_000_000),
    /** Multiclass only: the number of classes. */
    classes: z.number().int().min(2).max(1000).default(10),
    /** Binary only: the share of positive rows. */
    positive_rate: z.number().gt(0).lt(1).default(0.3),
    /** Binary only: the negative and the positive label, as the answers spell them. */
    labels: z.tuple([z.string().min(1), z.string().min(1)]).default(['0', '1']),
  })
  .strict();

type Options = z.output<typeof optionsSchema>;

/** Writes `header` then `rows` lines made by `line(i)`, a megabyte at a time. */
async function writeLines(file: string, header: string, rows: number, line: (i: number) => string): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    let chunk = `${header}\n`;
    for (let i = 0; i < rows; i += 1) {
      chunk += `${line(i)}\n`;
      if (chunk.length >= 1 << 20) {
        await handle.write(chunk);
        chunk = '';
      }
    }
    await handle.write(chunk);
  } finally {
    await handle.close();
  }
}

export const synthetic: PrepareStep<Options> = {
  name: 'synthetic',
  options: optionsSchema,
  async run({ seed, options, publicDir, privateDir }) {
    const random = seededRandom(seed);
    const ids = (i: number) => `id${i}`;
    await writeLines(path.join(publicDir, 'test.csv'), 'id', options.rows, ids);
    const { rows } = options;
    const answers = path.join(privateDir, 'answers.csv');
    const sample = path.join(publicDir, 'sample_submission.csv');
    const classes = Array.from({ length: options.classes }, (_, k) => `class_${k}`);
    const pick = () => Math.floor(random() * options.classes);
    switch (options.task) {
      case 'binary': {
        const [negative, positive] = options.labels;
        await writeLines(answers, 'id,target', rows, (i) => `${ids(i)},${random() < options.positive_rate ? positive : negative}`);
        return writeLines(sample, 'id,target', rows, (i) => `${ids(i)},0.5`);
      }
      case 'multiclass': {
        await writeLines(answers, 'id,label', rows, (i) => `${ids(i)},${classes[pick()]}`);
        const uniform = classes.map(() => String(1 / classes.length)).join(',');
        return writeLines(sample, `id,${classes.join(',')}`, rows, (i) => `${ids(i)},${uniform}`);
      }
      case 'labels':
        await writeLines(answers, 'id,label', rows, (i) => `${ids(i)},${classes[pick()]}`);
        return writeLines(sample, 'id,label', rows, (i) => `${ids(i)},class_0`);
      case 'ordinal':
        await writeLines(answers, 'id,grade', rows, (i) => `${ids(i)},${pick()}`);
        return writeLines(sample, 'id,grade', rows, (i) => `${ids(i)},0`);
      case 'regression':
        await writeLines(answers, 'id,target', rows, (i) => `${ids(i)},${(Math.exp(3 * random()) - 1).toFixed(4)}`);
        return writeLines(sample, 'id,target', rows, (i) => `${ids(i)},1`);
      case 'multilabel': {
        const labels = Array.from({ length: options.classes }, (_, k) => `label_${k}`);
        await writeLines(
          answers,
          `id,${labels.join(',')}`,
          rows,
          (i) => `${ids(i)},${labels.map(() => (random() < 0.3 ? 1 : 0)).join(',')}`,
        );
        return writeLines(sample, `id,${labels.join(',')}`, rows, (i) => `${ids(i)},${labels.map(() => '0.5').join(',')}`);
      }
    }
  },
};
