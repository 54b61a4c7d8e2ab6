/** The normalized score (core/grading/normalized.ts): the formula both ways, clipping, null cases, and a graded report carrying it. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gradeSubmission, summarizeReports } from '../../core/grading';
import { meanNormalizedScore, normalizedScore } from '../../core/grading/normalized';
import { aggregateReports } from '../../core/stats/aggregate';
import { prepareCompetition } from '../../core/competitions';
import { readCsvFile, toCsv } from '../../core/csv';
import { writeSyntheticCompetition } from '../helpers/syntheticCompetition';

describe('normalizedScore', () => {
  it('is 0 at the sample, 1 at the best, linear between, in both directions', () => {
    expect(normalizedScore(0.5, 0.5, 0.9, false)).toBe(0);
    expect(normalizedScore(0.9, 0.5, 0.9, false)).toBe(1);
    expect(normalizedScore(0.6, 0.5, 0.9, false)).toBe(0.25);
    // lower is better: sample 1.1, best 0.1
    expect(normalizedScore(1.1, 1.1, 0.1, true)).toBe(0);
    expect(normalizedScore(0.1, 1.1, 0.1, true)).toBe(1);
    expect(normalizedScore(0.35, 1.1, 0.1, true)).toBe(0.75);
  });
  it('clips below the sample to 0 and past the best to 1', () => {
    expect(normalizedScore(0.2, 0.5, 0.9, false)).toBe(0);
    expect(normalizedScore(0.95, 0.5, 0.9, false)).toBe(1);
    expect(normalizedScore(3, 1.1, 0.1, true)).toBe(0);
    expect(normalizedScore(0, 1.1, 0.1, true)).toBe(1);
  });
  it('is null without a score or a sample score, and when the sample reaches the best', () => {
    expect(normalizedScore(null, 0.5, 0.9, false)).toBeNull();
    expect(normalizedScore(0.7, null, 0.9, false)).toBeNull();
    expect(normalizedScore(0.7, 0.9, 0.9, false)).toBeNull();
    expect(normalizedScore(0.7, 0.95, 0.9, false)).toBeNull();
    expect(normalizedScore(0.7, 0.05, 0.1, true)).toBeNull();
  });
  it('averages runs: an invalid run on a competition with a scale counts 0, one without a scale is left out', () => {
    const base = { is_lower_better: false, sample_score: 0.5, best_score: 0.9 };
    expect(
      meanNormalizedScore([
        { ...base, valid_submission: true, normalized_score: 0.5 },
        { ...base, valid_submission: false, normalized_score: null },
        { ...base, sample_score: 0.9, valid_submission: true, normalized_score: null },
        { is_lower_better: false, valid_submission: false }, // written before headroom
      ]),
    ).toBe(0.25);
    expect(meanNormalizedScore([{ is_lower_better: true, valid_submission: false }])).toBeNull();
  });
});

describe('a graded report', () => {
  it('carries the sample score, the leaderboard best and the normalized score; the group report its mean', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'normalized-'));
    const competitionsDir = path.join(root, 'competitions');
    const dataDir = path.join(root, 'data');
    await writeSyntheticCompetition(competitionsDir, {
      id: 'syn-acc',
      metric: 'accuracy',
      options: { task: 'labels', rows: 200, classes: 3 },
      targetColumn: 'label',
    });
    const prepared = await prepareCompetition('syn-acc', { dataDir, competitionsDir });
    const grade = (file: string) => gradeSubmission({ competitionId: 'syn-acc', submissionPath: file, dataDir, competitionsDir });
    const sample = await grade(prepared.sampleSubmissionPath);
    expect(sample).toMatchObject({ best_score: 1, sample_score: sample.score, normalized_score: 0 });
    const answers = await readCsvFile(prepared.answersPath);
    const perfect = path.join(root, 'perfect.csv');
    await fs.writeFile(perfect, toCsv(answers.header, answers.rows));
    expect(await grade(perfect)).toMatchObject({ score: 1, normalized_score: 1 });
    const missing = await grade(path.join(root, 'none.csv'));
    expect(missing).toMatchObject({ valid_submission: false, normalized_score: null, sample_score: sample.score, best_score: 1 });
    expect(summarizeReports([sample, await grade(perfect), missing]).mean_normalized_score).toBeCloseTo(1 / 3, 5);
  });
});

describe('aggregateReports', () => {
  it("gives each seed's mean normalized score and their mean with MLE-bench's interval", () => {
    const run = (id: string, normalized_score: number | null, valid = true) => ({
      competition_id: id,
      gold_medal: false,
      silver_medal: false,
      bronze_medal: false,
      above_median: false,
      submission_exists: true,
      valid_submission: valid,
      is_lower_better: false,
      sample_score: 0.5,
      best_score: 0.9,
      normalized_score,
    });
    const { normalized } = aggregateReports(
      [
        { file: 'a_grading_report.json', report: { competition_reports: [run('x', 0.5), run('y', 1)] } },
        { file: 'b_grading_report.json', report: { competition_reports: [run('x', null, false), run('y', 0.5)] } },
      ],
      ['x', 'y'],
    );
    expect(normalized.seeds).toEqual([0.75, 0.25]);
    // 0.75, 0.25 → mean 0.5, SEM 0.25, CI 0.5 ± 0.49.
    expect(normalized.mean?.mean).toBeCloseTo(0.5, 10);
    expect(normalized.mean?.standard_error).toBeCloseTo(0.25, 10);
    expect(normalized.mean?.ci_lower).toBeCloseTo(0.01, 10);
  });
});
