/**
 * The container's validator (images/validate-submission.py) and the grader (core/grading/submission.ts)
 * read the same format spec (core/grading/format.ts) and must reach the same verdict: every
 * malformed-submission kind the grading tests know, for every metric's cell rule, goes to both.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareCompetition } from '../../core/competitions';
import { gradeSubmission } from '../../core/grading';
import { idsDigest, type SubmissionFormat } from '../../core/grading/format';
import { validateSubmission } from '../../core/grading/submission';
import { testPython } from '../helpers/python';
import { writeSyntheticCompetition } from '../helpers/syntheticCompetition';

const VALIDATOR = path.resolve(__dirname, '../../images/validate-submission.py');
const IDS = ['1', '2', '3'];

interface Kind {
  metric: string;
  cells: SubmissionFormat['cells'];
  values: string[];
  labels?: string[];
  rowSum?: boolean;
  /** A valid value for each value column, and cells each marked valid or not. */
  good: string;
  cases: Record<string, boolean>;
}

const KINDS: Kind[] = [
  {
    metric: 'accuracy',
    cells: 'label',
    values: ['label'],
    labels: ['a', 'b'],
    good: 'a',
    cases: { b: true, ' a ': true, c: false, '': false, A: false },
  },
  {
    metric: 'quadratic-weighted-kappa',
    cells: 'integer',
    values: ['grade'],
    labels: ['1', '2', '3'],
    good: '2',
    cases: { '3': true, '1.0': false, x: false, '7': false, '': false },
  },
  {
    metric: 'rmse',
    cells: 'number',
    values: ['y'],
    good: '1.5',
    cases: { '-3': true, '1e3': true, ' 2 ': true, nan: false, inf: false, '1e999': false, abc: false, '': false },
  },
  { metric: 'rmsle', cells: 'above-minus-one', values: ['y'], good: '0', cases: { '-0.5': true, '-1': false, '-2': false, nan: false } },
  { metric: 'roc-auc', cells: 'number', values: ['p'], good: '0.5', cases: { '7': true, '-1': true, x: false } },
  {
    metric: 'binary-log-loss',
    cells: 'probability',
    values: ['p'],
    good: '0.5',
    cases: { '1': true, '0': true, '1.5': false, '-0.1': false },
  },
  {
    metric: 'multiclass-log-loss',
    cells: 'probability',
    values: ['a', 'b'],
    rowSum: true,
    good: '0.5',
    cases: { '0.2': true, '0': false, '2': false },
  },
  { metric: 'roc-auc-mean-columnwise', cells: 'number', values: ['t1', 't2'], good: '0.3', cases: { '0': true, '1e400': false } },
];

/** Files whose problem is in the file, header or ids; the same for every kind. */
function structural(k: Kind): Record<string, { text: string | Buffer; valid: boolean }> {
  const header = ['id', ...k.values];
  const row = (id: string) => [id, ...k.values.map(() => k.good)].join(',');
  const body = IDS.map(row);
  return {
    valid: { text: [header.join(','), ...body].join('\n') + '\n', valid: true },
    'reordered columns': {
      text: [[...header].reverse().join(','), ...IDS.map((i) => row(i).split(',').reverse().join(','))].join('\n'),
      valid: true,
    },
    'shuffled rows': { text: [header.join(','), ...[...body].reverse()].join('\n'), valid: true },
    'crlf line ends': { text: [header.join(','), ...body].join('\r\n'), valid: true },
    'zero bytes': { text: '', valid: false },
    whitespace: { text: '  \n\n', valid: false },
    'not utf-8': { text: Buffer.from([0x69, 0x64, 0x0a, 0xff, 0xfe, 0x0a]), valid: false },
    'bad quoting': { text: `${header.join(',')}\n"1,${k.good}\n`, valid: false },
    'header only': { text: `${header.join(',')}\n`, valid: false },
    'missing column': {
      text: [header.slice(0, -1).join(','), ...IDS.map((i) => row(i).split(',').slice(0, -1).join(','))].join('\n'),
      valid: false,
    },
    'extra column': { text: [`${header.join(',')},extra`, ...IDS.map((i) => `${row(i)},1`)].join('\n'), valid: false },
    'duplicate column': { text: [`${header.join(',')},id`, ...IDS.map((i) => `${row(i)},${i}`)].join('\n'), valid: false },
    'duplicate id': { text: [header.join(','), ...body, row('1')].join('\n'), valid: false },
    'unknown id': { text: [header.join(','), ...body, row('9')].join('\n'), valid: false },
    'missing id': { text: [header.join(','), ...body.slice(1)].join('\n'), valid: false },
    'empty id': { text: [header.join(','), ...body.slice(1), row('')].join('\n'), valid: false },
  };
}

interface Case {
  name: string;
  file: string;
  format: SubmissionFormat;
  sample: string;
  expected: boolean;
}

const cases: Case[] = [];
let dir: string;
let pythonVerdicts: Record<string, { valid: boolean; category: string | null; problems: string[] }>;

function categoryOf(reason: string): string {
  if (/^duplicate columns|missing columns|unexpected columns/.test(reason)) return 'header';
  if (/duplicate ids|unknown ids|rows, expected|header but no rows/.test(reason)) return 'ids';
  if (/line \d+ \(id /.test(reason) || /bad values/.test(reason)) return 'values';
  return 'file';
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'validator-agrees-'));
  for (const k of KINDS) {
    const kdir = path.join(dir, k.metric);
    await fs.mkdir(kdir);
    const header = ['id', ...k.values];
    const sample = path.join(kdir, 'sample_submission.csv');
    await fs.writeFile(sample, [header.join(','), ...IDS.map((i) => [i, ...k.values.map(() => k.good)].join(','))].join('\n') + '\n');
    const format: SubmissionFormat = {
      competition_id: k.metric,
      metric: k.metric,
      id_column: 'id',
      columns: header,
      ids: { count: IDS.length, sha256: idsDigest(IDS) },
      cells: k.cells,
      labels: k.labels ?? null,
      row_sum_nonzero: k.rowSum ?? false,
    };
    const add = async (name: string, text: string | Buffer, expected: boolean) => {
      const file = path.join(kdir, `${cases.length}.csv`);
      await fs.writeFile(file, text);
      cases.push({ name: `${k.metric}: ${name}`, file, format, sample, expected });
    };
    for (const [name, c] of Object.entries(structural(k))) await add(name, c.text, c.valid);
    for (const [cell, valid] of Object.entries(k.cases)) {
      const rows = IDS.map((i, n) => [i, ...k.values.map(() => (n === 1 ? cell : k.good))].join(','));
      await add(`value ${JSON.stringify(cell)}`, [header.join(','), ...rows].join('\n'), valid);
    }
  }
  const input = path.join(dir, 'cases.json');
  await fs.writeFile(input, JSON.stringify(cases.map((c) => ({ file: c.file, format: c.format, sample: c.sample }))));
  // One Python process for every case: the script is imported, not run once per file.
  const program = `
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("v", sys.argv[1]); v = importlib.util.module_from_spec(spec); spec.loader.exec_module(v)
out = {}
for c in json.load(open(sys.argv[2])):
    sample = v.read_rows(c["sample"], "sample")
    problems = v.validate(c["file"], sample, c["format"])
    out[c["file"]] = {"valid": not problems, "category": problems[0][0] if problems else None, "problems": [p[1] for p in problems]}
print(json.dumps(out))`;
  pythonVerdicts = JSON.parse(execFileSync(testPython(), ['-c', program, VALIDATOR, input], { encoding: 'utf8' })) as typeof pythonVerdicts;
});

describe('validate-submission and the grader agree', () => {
  it('reach the same verdict and reason category on every case of every metric kind', async () => {
    const disagreements: string[] = [];
    for (const c of cases) {
      const check = await validateSubmission(c.file, {
        idColumn: c.format.id_column,
        columns: c.format.columns,
        ids: IDS,
        cells: c.format.cells,
        labels: c.format.labels ? new Set(c.format.labels) : undefined,
        rowsRescaled: c.format.row_sum_nonzero,
      });
      const grader = check.valid ? { valid: true, category: null } : { valid: false, category: categoryOf(check.reason) };
      const py = pythonVerdicts[c.file]!;
      if (grader.valid !== c.expected || py.valid !== c.expected || grader.category !== py.category) {
        disagreements.push(`${c.name}: expected ${c.expected}; grader ${JSON.stringify(check)}; validator ${JSON.stringify(py)}`);
      }
    }
    expect(disagreements).toEqual([]);
    expect(cases.length).toBeGreaterThan(150);
  });
});

describe('the prepared submission_format.json', () => {
  it('is what the validator (as the container runs it) and the grader both read', async () => {
    const dirs = { competitionsDir: path.join(dir, 'competitions'), dataDir: path.join(dir, 'data') };
    await writeSyntheticCompetition(dirs.competitionsDir, {
      id: 's-labels',
      metric: 'accuracy',
      targetColumn: 'label',
      options: { task: 'labels', rows: 60, classes: 3 },
    });
    const prepared = await prepareCompetition('s-labels', dirs);
    const sample = await fs.readFile(prepared.sampleSubmissionPath, 'utf8');
    const unknownLabel = path.join(dir, 'unknown-label.csv');
    await fs.writeFile(unknownLabel, sample.replace(/,([^,\n]+)\n$/, ',no_such_class\n'));
    for (const [file, valid] of [
      [prepared.sampleSubmissionPath, true],
      [unknownLabel, false],
    ] as const) {
      const report = await gradeSubmission({ ...dirs, competitionId: 's-labels', submissionPath: file });
      let code = 0;
      try {
        execFileSync(testPython(), [VALIDATOR, file, '--sample', prepared.sampleSubmissionPath], { encoding: 'utf8' });
      } catch (err) {
        code = (err as { status: number }).status;
      }
      expect([report.valid_submission, code === 0]).toEqual([valid, valid]);
    }
  });
});
