/**
 * Synthetic data of any size, for the grading benchmark (bench/grading.ts) and tests that need a
 * big competition: ids and seeded random labels, no features. No bundled competition uses it.
 *
 * Writes public/test.csv (ids), public/sample_submission.csv (a uniform guess) and
 * private/answers.csv (`id,target` with 0/1 for `binary`, `id,label` with `class_<k>` for
 * `multiclass`), streamed in chunks so a million rows take little memory.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { seededRandom } from '../random';
import type { PrepareStep } from './types';

const optionsSchema = z
  .object({
    task: z.enum(['binary', 'multiclass']),
    rows: z.number().int().min(1).max(100_000_000),
    /** Multiclass only: the number of classes. */
    classes: z.number().int().min(2).max(1000).default(10),
    /** Binary only: the share of positive rows. */
    positive_rate: z.number().gt(0).lt(1).default(0.3),
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
    if (options.task === 'binary') {
      await writeLines(path.join(privateDir, 'answers.csv'), 'id,target', options.rows, (i) => `${ids(i)},${random() < options.positive_rate ? 1 : 0}`);
      await writeLines(path.join(publicDir, 'sample_submission.csv'), 'id,target', options.rows, (i) => `${ids(i)},0.5`);
      return;
    }
    const classes = Array.from({ length: options.classes }, (_, k) => `class_${k}`);
    await writeLines(path.join(privateDir, 'answers.csv'), 'id,label', options.rows, (i) => `${ids(i)},${classes[Math.floor(random() * classes.length)]}`);
    const uniform = classes.map(() => String(1 / classes.length)).join(',');
    await writeLines(path.join(publicDir, 'sample_submission.csv'), `id,${classes.join(',')}`, options.rows, (i) => `${ids(i)},${uniform}`);
  },
};
