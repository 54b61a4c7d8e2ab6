/**
 * Small synthetic competitions for sandbox tests, laid out as prepared ones are:
 * `<root>/public/{train,test,sample_submission}.csv, description.md` and `<root>/private/answers.csv`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../../core/competitions/random';

export interface FakeCompetition {
  publicDir: string;
  privateDir: string;
  /** The answers by id: a class label, or for `tabular` the 0/1 target. */
  answers: Map<string, string>;
  classes: string[];
}

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const csv = (header: string[], rows: string[][]) => [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';

function layout(root: string, description: string) {
  const publicDir = path.join(root, 'public');
  const privateDir = path.join(root, 'private');
  mkdirSync(publicDir, { recursive: true });
  mkdirSync(privateDir, { recursive: true });
  writeFileSync(path.join(publicDir, 'description.md'), description);
  return { publicDir, privateDir };
}

const COMMON = 'the a of and to in that we our is for it this will with'.split(' ');
const STYLE: Record<string, string[]> = {
  AAA: 'economy jobs workers wages growth businesses markets trade tax budget'.split(' '),
  BBB: 'security freedom enemies terror troops nations liberty defend allies courage'.split(' '),
  CCC: 'children schools teachers health families college learning hope future dream'.split(' '),
};

/** A text competition shaped like sotu-authorship: id,text,author; probabilities per author. */
export function makeTextCompetition(root: string, nTrain = 600, nTest = 150, seed = 7): FakeCompetition {
  const { publicDir, privateDir } = layout(
    root,
    '# Fake authorship\n\nPredict the author of each sentence. Metric: multiclass log loss.\n',
  );
  const random = seededRandom(seed);
  const classes = Object.keys(STYLE);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
  const sentence = (author: string) => {
    const words = Array.from({ length: 8 + Math.floor(random() * 10) }, () => (random() < 0.35 ? pick(STYLE[author]!) : pick(COMMON)));
    return `${words.join(' ')}.`;
  };
  const rows = Array.from({ length: nTrain + nTest }, (_, i) => {
    const author = pick(classes);
    return { id: `id${String(i).padStart(5, '0')}`, text: sentence(author), author };
  });
  const train = rows.slice(0, nTrain);
  const test = rows.slice(nTrain);
  writeFileSync(
    path.join(publicDir, 'train.csv'),
    csv(
      ['id', 'text', 'author'],
      train.map((r) => [r.id, r.text, r.author]),
    ),
  );
  writeFileSync(
    path.join(publicDir, 'test.csv'),
    csv(
      ['id', 'text'],
      test.map((r) => [r.id, r.text]),
    ),
  );
  writeFileSync(
    path.join(publicDir, 'sample_submission.csv'),
    csv(
      ['id', ...classes],
      test.map((r) => [r.id, ...classes.map(() => String(1 / classes.length))]),
    ),
  );
  writeFileSync(
    path.join(privateDir, 'answers.csv'),
    csv(
      ['id', 'author'],
      test.map((r) => [r.id, r.author]),
    ),
  );
  return { publicDir, privateDir, answers: new Map(test.map((r) => [r.id, r.author])), classes };
}

/** A tabular binary competition: numbers with gaps, a category, an id-like column; P(target = 1). */
export function makeTabularCompetition(root: string, nTrain = 500, nTest = 150, seed = 11): FakeCompetition {
  const { publicDir, privateDir } = layout(root, '# Fake churn\n\nPredict the probability that target is 1. Metric: ROC AUC.\n');
  const random = seededRandom(seed);
  const rows = Array.from({ length: nTrain + nTest }, (_, i) => {
    const x = random() * 10;
    const z = random() * 10;
    const color = ['red', 'green', 'blue'][Math.floor(random() * 3)]!;
    const score = x - z + (color === 'red' ? 3 : 0) + (random() - 0.5) * 2;
    return {
      id: String(1000 + i),
      x: random() < 0.1 ? '' : x.toFixed(3),
      z: z.toFixed(3),
      color,
      ref: `R${Math.floor(random() * 1e9)}`,
      target: score > 0 ? '1' : '0',
    };
  });
  const train = rows.slice(0, nTrain);
  const test = rows.slice(nTrain);
  const features = (r: (typeof rows)[number]) => [r.id, r.x, r.z, r.color, r.ref];
  writeFileSync(
    path.join(publicDir, 'train.csv'),
    csv(
      ['id', 'x', 'z', 'color', 'ref', 'target'],
      train.map((r) => [...features(r), r.target]),
    ),
  );
  writeFileSync(path.join(publicDir, 'test.csv'), csv(['id', 'x', 'z', 'color', 'ref'], test.map(features)));
  writeFileSync(
    path.join(publicDir, 'sample_submission.csv'),
    csv(
      ['id', 'target'],
      test.map((r) => [r.id, '0.5']),
    ),
  );
  writeFileSync(
    path.join(privateDir, 'answers.csv'),
    csv(
      ['id', 'target'],
      test.map((r) => [r.id, r.target]),
    ),
  );
  return { publicDir, privateDir, answers: new Map(test.map((r) => [r.id, r.target])), classes: ['0', '1'] };
}

/** Parses the simple CSVs the agents write (quoted cells allowed, no embedded newlines). */
export function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const parseLine = (line: string) => {
    const cells: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (quoted && c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') {
        quoted = !quoted;
      } else if (c === ',' && !quoted) {
        cells.push(cur);
        cur = '';
      } else {
        cur += c;
      }
    }
    cells.push(cur);
    return cells;
  };
  const [header = [], ...rows] = text.trimEnd().split(/\r?\n/).map(parseLine);
  return { header, rows };
}
