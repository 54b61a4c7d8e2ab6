/**
 * The modules every technique task shares: the scoring arithmetic, the prediction measures
 * (against hand-computed values), the safe reading of agent files, and the table helpers.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import type { Competition } from '../../../core/competitions';
import { seededRandom } from '../../../core/competitions/random';
import { toCsv, type CsvTable } from '../../../core/csv';
import { readAgentFile, readAnalysis } from '../../../core/techniques/agentFiles';
import {
  column,
  formatNumber,
  insertColumn,
  isNumberCell,
  numericFeatures,
  pickSome,
  problemOf,
  selectRows,
  stringFeatures,
  withColumn,
} from '../../../core/techniques/data';
import {
  accuracyOf,
  balancedAccuracy,
  checkPredictions,
  classPrecision,
  classRecall,
  clip01,
  predictionCriterion,
  predictionQuality,
  r2,
  type PredictionCheck,
  type PredictionTruth,
  type Ceiling,
} from '../../../core/techniques/predictions';
import { fmt, linearCredit, listSome, matchSets, totalScore, withoutAnalysis } from '../../../core/techniques/scoring';
import type { TabularData } from '../../../core/techniques/types';
import { listCompetitions } from '../../../core/competitions';
import { harnessPaths } from '../../../core/config';
import { TECHNIQUE_TASKS } from '../../../core/options';
import { ATTAINABLE_FILE, ceilingOf } from '../../../core/techniques/grade';
import { FRACTION_MIN as IMBALANCE_FRACTION_MIN } from '../../../core/techniques/tasks/imbalance';
import { MIN_ROWS, MIN_ROWS_PER_CLASS } from '../../../core/techniques/tasks/cv';
import { whyNotApplicable } from '../../../core/techniques/registry';
import { tempDir } from './fixtures';

const tmp = tempDir('mlebench-techniques-common-');
const write = (content: string | Uint8Array): Promise<string> => tmp.write(content);

describe('scoring', () => {
  it('linearCredit: full at or below `full`, none at or above `zero`, linear between', () => {
    expect(linearCredit(0, 0.02, 0.1)).toBe(1);
    expect(linearCredit(0.02, 0.02, 0.1)).toBe(1);
    expect(linearCredit(0.06, 0.02, 0.1)).toBeCloseTo(0.5, 12);
    expect(linearCredit(0.08, 0.02, 0.1)).toBeCloseTo(0.25, 12);
    expect(linearCredit(0.1, 0.02, 0.1)).toBe(0);
    expect(linearCredit(5, 0.02, 0.1)).toBe(0);
    expect(linearCredit(0.01, 0, 0.02)).toBeCloseTo(0.5, 12);
    expect(linearCredit(Number.NaN, 0.02, 0.1)).toBe(0);
    expect(linearCredit(Number.POSITIVE_INFINITY, 0.02, 0.1)).toBe(0);
  });

  it('matchSets: precision, recall, F1, and what was missed or extra', () => {
    expect(matchSets([], [])).toEqual({ precision: 1, recall: 1, f1: 1, missed: [], extra: [] });
    expect(matchSets(['a'], [])).toEqual({ precision: 0, recall: 1, f1: 0, missed: [], extra: ['a'] });
    expect(matchSets([], ['a'])).toEqual({ precision: 0, recall: 0, f1: 0, missed: ['a'], extra: [] });
    const m = matchSets(['x', 'b', 'a', 'a'], ['c', 'a', 'b']);
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    expect(m.missed).toEqual(['c']);
    expect(m.extra).toEqual(['x']);
    const half = matchSets(['a'], ['a', 'b']);
    expect([half.precision, half.recall, half.f1]).toEqual([1, 0.5, 2 / 3]);
  });

  it('listSome, withoutAnalysis, fmt', () => {
    expect(listSome([])).toBe('(none)');
    expect(listSome(['a', 'b'])).toBe('a, b');
    expect(listSome(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).toBe('a, b, c, d, e and 2 more');
    expect(listSome(['a', 'b', 'c'], 1)).toBe('a and 2 more');
    expect(withoutAnalysis('x', 0.3, undefined)).toEqual({ name: 'x', weight: 0.3, score: 0, detail: 'no valid analysis: missing' });
    expect(withoutAnalysis('x', 0.3, 'bad JSON').detail).toBe('no valid analysis: bad JSON');
    expect(fmt(0.123456)).toBe('0.1235');
    expect(fmt(1234567)).toBe('1235000');
    expect(fmt(0.5)).toBe('0.5');
    expect(fmt(Number.NaN)).toBe('NaN');
  });

  it('totalScore: Σ weight × clamped score, 4 decimals; weights must sum to 1', () => {
    const c = (weight: number, score: number): { name: string; weight: number; score: number; detail: string } => ({
      name: 'c',
      weight,
      score,
      detail: '',
    });
    expect(totalScore([c(0.3, 1), c(0.3, 0.5), c(0.4, 0)])).toBe(0.45);
    expect(totalScore([c(0.5, 1.5), c(0.5, -1)])).toBe(0.5);
    expect(totalScore([c(1 / 3, 1), c(2 / 3, 0.123456)])).toBe(0.4156);
    expect(totalScore([c(0.1, 1), c(0.2, 1), c(0.7, 1)])).toBe(1);
    expect(() => totalScore([c(0.5, 1), c(0.4, 1)])).toThrow(/sum to 0\.9/);
    expect(() => totalScore([])).toThrow();
  });
});

describe('prediction measures', () => {
  it('classRecall and classPrecision', () => {
    expect(classRecall(['a', 'b', 'a'], ['a', 'a', 'b'], 'a')).toBe(0.5);
    expect(classRecall(['a', 'b', 'a'], ['a', 'a', 'b'], 'b')).toBe(0);
    expect(classRecall(['a', 'a'], ['a', 'a'], 'z')).toBeNaN();
    expect(classPrecision(['a', 'b', 'a'], ['a', 'a', 'b'], 'a')).toBe(0.5);
    expect(classPrecision(['a', 'b', 'a'], ['a', 'a', 'a'], 'a')).toBeCloseTo(2 / 3, 12);
    expect(classPrecision(['a', 'b'], ['a', 'a'], 'b')).toBe(0);
  });

  it('balancedAccuracy: the mean recall over the classes of the truth', () => {
    expect(balancedAccuracy(['a', 'a', 'a', 'b'], ['a', 'a', 'b', 'b'])).toBeCloseTo((2 / 3 + 1) / 2, 12);
    // A class only predicted (c) does not count; a class never predicted right counts 0.
    expect(balancedAccuracy(['a', 'a', 'b', 'b'], ['a', 'c', 'b', 'b'])).toBeCloseTo(0.75, 12);
    expect(balancedAccuracy(['a', 'a', 'b', 'b', 'c', 'c'], ['a', 'b', 'b', 'b', 'a', 'c'])).toBeCloseTo(2 / 3, 12);
    expect(balancedAccuracy(['a', 'b', 'b', 'b'], ['b', 'b', 'b', 'b'])).toBe(0.5);
    expect(balancedAccuracy(['x', 'y'], ['x', 'y'])).toBe(1);
  });

  it('accuracyOf', () => {
    expect(accuracyOf(['a', 'b', 'a', 'b'], ['a', 'b', 'b', 'b'])).toBe(0.75);
    expect(accuracyOf([], [])).toBeNaN();
  });

  it('r2: 1 − SS_res / SS_tot', () => {
    expect(r2([1, 2, 3, 4], [1, 2, 3, 4])).toBe(1);
    expect(r2([1, 2, 3, 4], [1, 2, 3, 5])).toBeCloseTo(1 - 1 / 5, 12);
    expect(r2([1, 2, 3, 4], [2.5, 2.5, 2.5, 2.5])).toBe(0);
    expect(r2([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(1 - 20 / 5, 12);
    expect(r2(Float64Array.from([10, 20]), Float64Array.from([12, 18]))).toBeCloseTo(1 - 8 / 50, 12);
    expect(r2([3, 3, 3], [3, 3, 3])).toBeNaN();
  });

  it('clip01', () => {
    expect([clip01(-1), clip01(0.3), clip01(2), clip01(Number.NaN), clip01(Number.NEGATIVE_INFINITY)]).toEqual([0, 0.3, 1, 0, 0]);
  });

  const classes: PredictionTruth = {
    problem: 'multiclass',
    ids: ['1', '2', '3', '4'],
    labels: ['a', 'b', 'c', 'd'],
    values: new Float64Array(0),
    classes: ['a', 'b', 'c', 'd'],
  };
  const numbers: PredictionTruth = {
    problem: 'regression',
    ids: ['1', '2', '3', '4'],
    labels: [],
    values: Float64Array.from([1, 2, 3, 4]),
    classes: [],
  };

  it('predictionQuality: chance-corrected balanced accuracy, or R² clipped', () => {
    // Two of four classes right: balanced accuracy 0.5, chance 0.25 → (0.5 − 0.25) / 0.75.
    const q = predictionQuality({ valid: true, predicted: ['a', 'b', 'a', 'a'], values: new Float64Array(0), truth: classes });
    expect(q.metric).toBe('balanced_accuracy');
    expect(q.value).toBe(0.5);
    expect(q.score).toBeCloseTo(1 / 3, 12);
    expect(predictionQuality({ valid: true, predicted: ['b', 'a', 'd', 'c'], values: new Float64Array(0), truth: classes }).score).toBe(0);
    const worse = predictionQuality({ valid: true, predicted: [], values: Float64Array.from([4, 3, 2, 1]), truth: numbers });
    expect([worse.metric, worse.value, worse.score]).toEqual(['r2', -3, 0]);
    expect(predictionQuality({ valid: true, predicted: [], values: Float64Array.from([1, 2, 3, 5]), truth: numbers }).score).toBeCloseTo(
      0.8,
      12,
    );
  });

  it('predictionCriterion: the quality, or 0 with the reason', () => {
    const ok = predictionCriterion({ valid: true, predicted: ['a', 'b', 'c', 'd'], values: new Float64Array(0), truth: classes }, 0.4);
    expect(ok).toMatchObject({ name: 'predictions', weight: 0.4, score: 1 });
    expect(ok.detail).toMatch(/balanced accuracy 1 on 4 held-out rows \(chance 0\.25\)/);
    const reg = predictionCriterion({ valid: true, predicted: [], values: Float64Array.from([1, 2, 3, 5]), truth: numbers }, 0.3, 'model');
    expect(reg.name).toBe('model');
    expect(reg.detail).toMatch(/R² 0\.8 on 4 held-out rows/);
    const bad = predictionCriterion({ valid: false, exists: true, reason: 'missing ids: 3', truth: classes }, 0.4);
    expect(bad).toEqual({ name: 'predictions', weight: 0.4, score: 0, detail: 'no valid predictions: missing ids: 3' });
  });

  it('predictionCriterion: scaled to the competition ceiling, full credit at what a strong model attains', () => {
    const ceiling = { metric: 'balanced_accuracy' as const, value: 0.625, score: 0.5, model: 'gradient boosting', source_checksum: 'x' };
    // Two of four right: 1/3 on the predictions scale, two thirds of the ceiling's 0.5.
    const half = predictionCriterion(
      { valid: true, predicted: ['a', 'b', 'a', 'a'], values: new Float64Array(0), truth: { ...classes, ceiling } },
      0.4,
    );
    expect(half.score).toBeCloseTo(2 / 3, 12);
    expect(half.detail).toMatch(/full credit at 0\.5 \(balanced_accuracy 0\.625, a gradient boosting on the untouched data\)/);
    const all = predictionCriterion(
      { valid: true, predicted: ['a', 'b', 'c', 'd'], values: new Float64Array(0), truth: { ...classes, ceiling } },
      0.4,
    );
    expect(all.score).toBe(1);
    // A ceiling of another metric does not apply.
    const reg = predictionCriterion(
      { valid: true, predicted: [], values: Float64Array.from([1, 2, 3, 5]), truth: { ...numbers, ceiling } },
      0.3,
    );
    expect(reg.score).toBeCloseTo(0.8, 12);
    // Another level (the small_train one) replaces the ceiling, named by what it was measured on.
    const small = predictionCriterion(
      { valid: true, predicted: ['a', 'b', 'a', 'a'], values: new Float64Array(0), truth: { ...classes, ceiling } },
      0.4,
      'predictions',
      { ...ceiling, score: 0.25, value: 0.4375 },
      '250 train rows',
    );
    expect(small.score).toBe(1);
    expect(small.detail).toMatch(/full credit at 0\.25 \(balanced_accuracy 0\.4375, a gradient boosting on 250 train rows\)/);
  });

  it('every applicable competition has a ceiling measured on the data its config pins (techniques/attainable.json)', async () => {
    // A ceiling of other data is ignored by the grader, and hpc-job-class, whose noisy target caps
    // every model far below perfect, would stop telling the reference from the naive agent.
    const attainable = JSON.parse(await fs.readFile(path.join(harnessPaths().techniquesDir, ATTAINABLE_FILE), 'utf8')) as Record<
      string,
      Ceiling
    >;
    const applicable = (await listCompetitions()).filter((c) => TECHNIQUE_TASKS.some((t) => !whyNotApplicable(t, c)));
    expect(applicable.map((c) => c.id)).toContain('hpc-job-class');
    for (const c of applicable) {
      expect(attainable[c.id]?.source_checksum, c.id).toBe(c.config.prepare.checksum);
      expect(attainable[c.id]!.score, c.id).toBeGreaterThan(0);
    }
    // cv keeps as few as MIN_ROWS train rows (20 per class): its level is measured at that size.
    for (const c of applicable.filter((x) => !whyNotApplicable('cv', x))) {
      const small = attainable[c.id]!.small_train;
      expect(small?.rows, c.id).toBeGreaterThanOrEqual(MIN_ROWS);
      if (small!.rows > MIN_ROWS) expect(small!.rows % MIN_ROWS_PER_CLASS, c.id).toBe(0); // 20 rows for each class
      expect(small!.score, c.id).toBeGreaterThan(0);
      expect(small!.score, c.id).toBeLessThanOrEqual(attainable[c.id]!.score);
    }
    expect(attainable['letter-recognition']?.small_train?.rows).toBe(MIN_ROWS_PER_CLASS * 26);
    // imbalance cuts one class to a few rows: per class it can draw, the level with that cut at
    // the plant's smallest share (the rarer class of two, any of several).
    for (const c of applicable.filter((x) => !whyNotApplicable('imbalance', x))) {
      const rare = attainable[c.id]!.rare_class;
      expect(rare?.fraction, c.id).toBe(IMBALANCE_FRACTION_MIN);
      const classes = Object.keys(rare!.classes);
      if (problemOf(c) === 'binary') expect(classes, c.id).toHaveLength(1);
      else expect(classes.length, c.id).toBeGreaterThan(2);
      if (c.config.dataset.labels) expect(classes.sort(), c.id).toEqual(c.config.dataset.labels.map(String).sort());
      for (const level of Object.values(rare!.classes)) {
        expect(level.rows, c.id).toBeGreaterThanOrEqual(1);
        expect(level.minority_recall, c.id).toBeGreaterThan(0);
        expect(level.score, c.id).toBeGreaterThan(0);
      }
    }
    expect(await ceilingOf('hpc-job-class', attainable['hpc-job-class']!.source_checksum)).toMatchObject({ metric: 'balanced_accuracy' });
    expect(await ceilingOf('hpc-job-class', 'other data')).toBeUndefined();
  });

  describe('checkPredictions', () => {
    const spec = (truth: PredictionTruth): { idColumn: string; targetColumn: string; truth: PredictionTruth } => ({
      idColumn: 'id',
      targetColumn: 'y',
      truth,
    });
    const csv = (rows: (string | number)[][]): string => toCsv(['id', 'y'], rows);

    it('reads labels in the answers order, whatever the file order', async () => {
      const file = await write(
        csv([
          ['3', 'c'],
          ['1', 'a'],
          ['4', 'a'],
          ['2', 'b'],
        ]),
      );
      const check = await checkPredictions(file, spec(classes));
      expect(check.valid).toBe(true);
      if (check.valid) expect(check.predicted).toEqual(['a', 'b', 'c', 'a']);
    });

    it('reads numbers for regression', async () => {
      const check = await checkPredictions(
        await write(
          csv([
            ['1', '1.5'],
            ['2', 2],
            ['3', '3'],
            ['4', '-4e1'],
          ]),
        ),
        spec(numbers),
      );
      expect(check.valid).toBe(true);
      if (check.valid) expect([...check.values]).toEqual([1.5, 2, 3, -40]);
    });

    it('refuses a missing file, an unknown label, a missing id, a non-number', async () => {
      const missing = await checkPredictions(path.join(tmp.path, 'nothing.csv'), spec(classes));
      expect(missing).toMatchObject({ valid: false, exists: false });
      const cases: [string, PredictionTruth][] = [
        [
          csv([
            ['1', 'a'],
            ['2', 'b'],
            ['3', 'z'],
            ['4', 'a'],
          ]),
          classes,
        ],
        [
          csv([
            ['1', 'a'],
            ['2', 'b'],
            ['3', 'c'],
          ]),
          classes,
        ],
        [
          csv([
            ['1', '1'],
            ['2', 'two'],
            ['3', '3'],
            ['4', '4'],
          ]),
          numbers,
        ],
        [
          toCsv(
            ['id', 'target'],
            [
              ['1', 'a'],
              ['2', 'b'],
              ['3', 'c'],
              ['4', 'd'],
            ],
          ),
          classes,
        ],
      ];
      for (const [content, truth] of cases) {
        const check: PredictionCheck = await checkPredictions(await write(content), spec(truth));
        expect(check.valid).toBe(false);
        if (!check.valid) {
          expect(check.exists).toBe(true);
          expect(check.reason.length).toBeGreaterThan(0);
        }
      }
    });
  });
});

describe('agent files', () => {
  it('reads a regular UTF-8 file', async () => {
    const file = await write('{"a": "é"}');
    expect(await readAgentFile(file)).toEqual({ ok: true, text: '{"a": "é"}' });
  });

  it('reports a missing file as not existing', async () => {
    const read = await readAgentFile(path.join(tmp.path, 'absent.json'));
    expect(read).toMatchObject({ ok: false, exists: false });
  });

  it('refuses a symbolic link, even to a readable file, and a dangling one', async () => {
    const target = await write('{"secret": true}');
    const link = tmp.next('link');
    await fs.symlink(target, link);
    const read = await readAgentFile(link);
    expect(read).toMatchObject({ ok: false, exists: true });
    if (!read.ok) expect(read.reason).toMatch(/symbolic link/);
    const dangling = tmp.next('dangling');
    await fs.symlink(path.join(tmp.path, 'no-such-target'), dangling);
    expect(await readAgentFile(dangling)).toMatchObject({ ok: false, exists: true });
  });

  it('does not block on a FIFO (no writer) and refuses it', async () => {
    const fifo = tmp.next('fifo');
    execFileSync('mkfifo', [fifo]);
    const read = await readAgentFile(fifo);
    expect(read).toMatchObject({ ok: false, exists: true });
    if (!read.ok) expect(read.reason).toMatch(/not a regular file/);
  }, 5000);

  it('refuses a directory', async () => {
    const sub = await tmp.folder();
    const read = await readAgentFile(sub);
    expect(read).toMatchObject({ ok: false, exists: true });
    if (!read.ok) expect(read.reason).toMatch(/not a regular file/);
  });

  it('refuses a file over the size cap before reading it', async () => {
    const file = await write('0123456789');
    expect((await readAgentFile(file, 10)).ok).toBe(true);
    const read = await readAgentFile(file, 9);
    expect(read).toMatchObject({ ok: false, exists: true });
    if (!read.ok) expect(read.reason).toMatch(/10 bytes, over the limit of 9/);
  });

  it('refuses bytes that are not UTF-8', async () => {
    const read = await readAgentFile(await write(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])));
    expect(read).toMatchObject({ ok: false, exists: true });
    if (!read.ok) expect(read.reason).toMatch(/not UTF-8/);
  });

  describe('readAnalysis', () => {
    const schema = z.object({ columns: z.array(z.string()), rate: z.number().min(0).max(1) });

    it('parses a valid analysis, a UTF-8 byte order mark allowed', async () => {
      const value = { columns: ['a'], rate: 0.5 };
      expect(await readAnalysis(await write(JSON.stringify(value)), schema)).toEqual({ ok: true, value });
      expect(await readAnalysis(await write(`\uFEFF${JSON.stringify(value)}`), schema)).toEqual({ ok: true, value });
    });

    it('names the file and the reason: not JSON, a wrong field, the wrong top level', async () => {
      const notJson = await write('{columns: [');
      const r1 = await readAnalysis(notJson, schema);
      expect(r1).toMatchObject({ ok: false, exists: true });
      if (!r1.ok) expect(r1.reason).toMatch(new RegExp(`^${notJson.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not valid JSON`));
      const r2 = await readAnalysis(await write(JSON.stringify({ columns: ['a', 3], rate: 2 })), schema);
      expect(r2.ok).toBe(false);
      if (!r2.ok) {
        expect(r2.reason).toContain('columns.1:');
        expect(r2.reason).toContain('rate:');
      }
      const r3 = await readAnalysis(await write('[1, 2]'), schema);
      expect(r3.ok).toBe(false);
      if (!r3.ok) expect(r3.reason).toContain('(top level):');
      const r4 = await readAnalysis(path.join(tmp.path, 'absent-analysis.json'), schema);
      expect(r4).toMatchObject({ ok: false, exists: false });
    });
  });
});

describe('table helpers', () => {
  const table: CsvTable = {
    header: ['id', 'x', 'y', 'target'],
    rows: [
      ['1', '0.5', 'red', 'a'],
      ['2', '', 'blue', 'b'],
      ['3', '2e3', 'red', 'a'],
    ],
  };

  it('column, and a missing column names the columns there are', () => {
    expect(column(table, 'y')).toEqual(['red', 'blue', 'red']);
    expect(() => column(table, 'z')).toThrow(/no column "z" \(columns: id, x, y, target\)/);
  });

  it('withColumn replaces or appends, on a copy', () => {
    const replaced = withColumn(table, 'x', ['7', '8', '9']);
    expect(column(replaced, 'x')).toEqual(['7', '8', '9']);
    expect(replaced.header).toEqual(table.header);
    expect(column(table, 'x')).toEqual(['0.5', '', '2e3']);
    const appended = withColumn(table, 'w', ['p', 'q', 'r']);
    expect(appended.header).toEqual(['id', 'x', 'y', 'target', 'w']);
    expect(appended.rows[1]).toEqual(['2', '', 'blue', 'b', 'q']);
    expect(table.rows[1]).toHaveLength(4);
    expect(() => withColumn(table, 'w', ['p'])).toThrow(/1 cells for 3 rows/);
  });

  it('insertColumn before a column, or at the end when it is absent', () => {
    const t = insertColumn(table, 'w', ['p', 'q', 'r'], 'target');
    expect(t.header).toEqual(['id', 'x', 'y', 'w', 'target']);
    expect(t.rows[2]).toEqual(['3', '2e3', 'red', 'r', 'a']);
    expect(insertColumn(table, 'w', ['p', 'q', 'r'], 'nope').header).toEqual(['id', 'x', 'y', 'target', 'w']);
  });

  it('selectRows keeps the given order', () => {
    expect(selectRows(table, [2, 0]).rows.map((r) => r[0])).toEqual(['3', '1']);
    expect(selectRows(table, []).rows).toEqual([]);
  });

  it('isNumberCell', () => {
    for (const yes of ['0', '-2.5', '1e3', ' 3 ', '.5']) expect(isNumberCell(yes)).toBe(true);
    for (const no of ['', ' ', 'abc', 'NaN', 'Infinity', '1,5']) expect(isNumberCell(no)).toBe(false);
  });

  it('numericFeatures and stringFeatures: numeric only when every train and test cell is', () => {
    const data = {
      featureColumns: ['a', 'b', 'c', 'd'],
      train: {
        header: ['id', 'a', 'b', 'c', 'd', 't'],
        rows: [
          ['1', '1', 'x', '3', '', 'p'],
          ['2', '2.5', 'y', '4', '1', 'q'],
        ],
      },
      test: { header: ['id', 'a', 'b', 'c', 'd'], rows: [['3', '0', 'x', 'n/a', '2']] },
    } as unknown as TabularData;
    expect(numericFeatures(data)).toEqual(['a']);
    expect(stringFeatures(data)).toEqual(['b', 'c', 'd']);
  });

  it('formatNumber: shortest round-trip form without float noise', () => {
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(123.456000000001)).toBe('123.456');
    expect(formatNumber(-7)).toBe('-7');
    expect(formatNumber(250000.5)).toBe('250000.5');
  });

  it('pickSome: k distinct items, deterministic in the seed', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const a = pickSome(items, 10, seededRandom(1));
    expect(a).toEqual(pickSome(items, 10, seededRandom(1)));
    expect(a).not.toEqual(pickSome(items, 10, seededRandom(2)));
    expect(new Set(a).size).toBe(10);
    expect(a.every((x) => items.includes(x))).toBe(true);
    expect(pickSome(items, 80, seededRandom(1)).sort((x, y) => x - y)).toEqual(items);
    expect(items).toHaveLength(50);
  });

  it('problemOf: from the metric, and from the labels for label metrics', () => {
    const competition = (metric: string, labels?: string[]): Competition =>
      ({ metric, config: { dataset: { labels } } }) as unknown as Competition;
    expect(problemOf(competition('accuracy', ['no', 'yes']))).toBe('binary');
    expect(problemOf(competition('accuracy', ['a', 'b', 'c']))).toBe('multiclass');
    expect(problemOf(competition('accuracy'))).toBe('multiclass');
    expect(problemOf(competition('rmse'))).toBe('regression');
    expect(problemOf(competition('roc-auc'))).toBe('binary');
    expect(problemOf(competition('multiclass-log-loss'))).toBe('multiclass');
  });
});
