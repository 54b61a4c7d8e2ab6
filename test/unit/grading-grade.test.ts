/** End to end: prepare sotu-authorship, grade submissions, summarise a run group. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadCompetition,
  prepareCompetition,
  PreparedDataChangedError,
  UnknownCompetitionError,
  type PreparedCompetition,
} from '../../core/competitions';
import { readCsvFile, toCsv } from '../../core/csv';
import { gradeSubmission, summarizeReports, type CompetitionReport } from '../../core/grading';
import { readLeaderboard } from '../../core/grading/leaderboard';
import { medalThresholds } from '../../core/grading/medals';

const ID = 'sotu-authorship';
let dataDir: string;
let prepared: PreparedCompetition;
let answers: Map<string, string>;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-e2e-'));
  prepared = await prepareCompetition(ID, { dataDir });
  answers = new Map((await readCsvFile(prepared.answersPath)).rows.map((r) => [r[0]!, r[1]!]));
});

afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

/** A submission giving the true author probability `p`, the others (1 - p) / 2. */
async function confidentSubmission(p: number): Promise<string> {
  const labels = ['WJC', 'GWB', 'BHO'];
  const rows = [...answers].map(([id, author]) => [id, ...labels.map((l) => String(l === author ? p : (1 - p) / 2))]);
  const file = path.join(dataDir, `submission-${p}.csv`);
  await fs.writeFile(file, toCsv(['id', ...labels], rows));
  return file;
}

describe('gradeSubmission', () => {
  it('grades the sample submission: valid, ln 3, no medal', async () => {
    const before = Date.now();
    const report = await gradeSubmission({ competitionId: ID, submissionPath: prepared.sampleSubmissionPath, dataDir });
    const lb = await readLeaderboard((await loadCompetition(ID)).leaderboardPath);
    const t = medalThresholds(lb.scores, true);
    expect(report).toEqual({
      competition_id: ID,
      score: 1.09861,
      gold_threshold: t.gold,
      silver_threshold: t.silver,
      bronze_threshold: t.bronze,
      median_threshold: t.median,
      any_medal: false,
      gold_medal: false,
      silver_medal: false,
      bronze_medal: false,
      above_median: false,
      submission_exists: true,
      valid_submission: true,
      is_lower_better: true,
      created_at: expect.any(String) as unknown,
      submission_path: prepared.sampleSubmissionPath,
      // The sample is the zero of the normalized score; the best is the leaderboard's first entry.
      sample_score: 1.09861,
      best_score: lb.scores[0],
      normalized_score: 0,
    });
    expect(report.score).toBeCloseTo(Math.log(3), 5);
    expect(t.gold).toBeLessThan(t.silver);
    expect(t.silver).toBeLessThan(t.bronze);
    expect(t.bronze).toBeLessThan(t.median);
    expect(Date.parse(report.created_at)).toBeGreaterThanOrEqual(before - 1000);
    expect('error' in report).toBe(false);
  });

  it('a perfect submission wins gold; a mediocre one lands between medals and median', async () => {
    const perfect = await gradeSubmission({ competitionId: ID, submissionPath: await confidentSubmission(1), dataDir });
    expect(perfect).toMatchObject({ valid_submission: true, gold_medal: true, silver_medal: false, any_medal: true, above_median: true });
    expect(perfect.score).toBeCloseTo(0, 10);

    // -ln(0.45) = 0.799: worse than bronze (0.77), better than the median (0.81).
    const mediocre = await gradeSubmission({ competitionId: ID, submissionPath: await confidentSubmission(0.45), dataDir });
    expect(mediocre.score).toBe(Number((-Math.log(0.45)).toFixed(5)));
    expect(mediocre).toMatchObject({ any_medal: false, above_median: true });
    expect(mediocre.score!).toBeGreaterThan(mediocre.bronze_threshold);
    expect(mediocre.score!).toBeLessThan(mediocre.median_threshold);
  });

  it('an unknown competition is an error, not a report', async () => {
    await expect(gradeSubmission({ competitionId: 'nope', submissionPath: prepared.sampleSubmissionPath, dataDir })).rejects.toBeInstanceOf(
      UnknownCompetitionError,
    );
  });

  it('never grades against edited answers', async () => {
    const otherDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-e2e-tamper-'));
    try {
      const p = await prepareCompetition(ID, { dataDir: otherDir });
      await fs.writeFile(p.answersPath, (await fs.readFile(p.answersPath, 'utf8')).replace(/,WJC\n/, ',GWB\n'));
      await expect(
        gradeSubmission({ competitionId: ID, submissionPath: p.sampleSubmissionPath, dataDir: otherDir }),
      ).rejects.toBeInstanceOf(PreparedDataChangedError);
    } finally {
      await fs.rm(otherDir, { recursive: true, force: true });
    }
  });
});

describe('summarizeReports', () => {
  function report(overrides: Partial<CompetitionReport>): CompetitionReport {
    return {
      competition_id: ID,
      score: 1,
      gold_threshold: 0.6,
      silver_threshold: 0.7,
      bronze_threshold: 0.8,
      median_threshold: 0.9,
      any_medal: false,
      gold_medal: false,
      silver_medal: false,
      bronze_medal: false,
      above_median: false,
      submission_exists: true,
      valid_submission: true,
      is_lower_better: true,
      created_at: '2025-01-01T00:00:00.000Z',
      submission_path: '/x/submission.csv',
      ...overrides,
    };
  }

  it("adds up MLE-bench's totals", () => {
    const reports = [
      report({ gold_medal: true, any_medal: true, above_median: true }),
      report({ silver_medal: true, any_medal: true, above_median: true }),
      report({ bronze_medal: true, any_medal: true, above_median: true }),
      report({ above_median: true }),
      report({}),
      report({ score: null, valid_submission: false, error: 'duplicate ids: id1' }),
      report({ score: null, valid_submission: false, submission_exists: false, error: 'no submission file' }),
    ];
    const summary = summarizeReports(reports, new Date('2025-02-03T04:05:06Z'));
    expect(summary).toEqual({
      created_at: '2025-02-03T04:05:06.000Z',
      total_runs: 7,
      total_runs_with_submissions: 6,
      total_valid_submissions: 5,
      total_medals: 3,
      total_gold_medals: 1,
      total_silver_medals: 1,
      total_bronze_medals: 1,
      total_above_median: 4,
      mean_normalized_score: null,
      competition_reports: reports,
    });
  });

  it('an empty run group has zero totals', () => {
    expect(summarizeReports([])).toMatchObject({ total_runs: 0, total_medals: 0, competition_reports: [] });
  });
});
