/**
 * `mlebench aggregate`'s statistics (core/stats/aggregate.ts) on a hand-computed case, the same
 * numbers from numpy/scipy in the test virtualenv, and the grading report's fields that MLE-bench's
 * experiments/aggregate_grading_reports.py and mlebench/grade.py read or write.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeGroupReport } from '../../core/artifacts/records';
import { gradeJsonl } from '../../core/grading/batch';
import type { CompetitionReport } from '../../core/grading/report';
import type { CompetitionGroupPlan, CompetitionRunResult } from '../../core/runs/types';
import { AGGREGATED_FIELDS, aggregateReports, type ReadReport } from '../../core/stats/aggregate';
import { groupGradingReportFile, readGroupReports, resolveGroupFolder } from '../../core/stats/groups';
import { silverReport } from '../helpers/runKinds';
import { testPython } from '../helpers/python';
import { MLEBENCH_REPORT_KEYS, MLEBENCH_RUN_KEYS } from '../helpers/mlebenchReport';

const run = (competition_id: string, over: Partial<CompetitionReport>) =>
  silverReport({ competition_id, any_medal: false, silver_medal: false, above_median: false, ...over });

// Read as the script reads: files by name, then competitions by id; the k-th run of a competition is seed k.
const reports: ReadReport[] = [
  { file: '/g/b/grading_report.json', report: { competition_reports: [run('y', { valid_submission: true })] } },
  {
    file: '/g/a/grading_report.json',
    report: {
      competition_reports: [
        run('y', { bronze_medal: true, any_medal: true, above_median: true }),
        run('x', { gold_medal: true, any_medal: true, above_median: true }),
        run('x', { valid_submission: false, score: null }),
      ],
    },
  },
];

describe('aggregateReports', () => {
  it("gives MLE-bench's per-seed percentages, mean, 95% CI (mean ± 1.96·SEM, ddof=1) and standard error", () => {
    const { seeds, average } = aggregateReports(reports, ['x', 'y']);
    expect(seeds).toEqual([
      // seed 1: x gold, y bronze, both above the median
      {
        total_competitions: 2,
        submission_exists_percentage: 100,
        valid_submissions_percentage: 100,
        above_median_percentage: 100,
        gold_medal_percentage: 50,
        silver_medal_percentage: 0,
        bronze_medal_percentage: 50,
        any_medal_percentage: 100,
      },
      // seed 2: x invalid, y valid with nothing
      {
        total_competitions: 2,
        submission_exists_percentage: 100,
        valid_submissions_percentage: 50,
        above_median_percentage: 0,
        gold_medal_percentage: 0,
        silver_medal_percentage: 0,
        bronze_medal_percentage: 0,
        any_medal_percentage: 0,
      },
    ]);
    expect(average.num_seeds_averaged).toBe(2);
    expect(average.num_competitions_per_seed).toBe(2);
    // valid: 100, 50 → mean 75, SD 35.355, SEM 25, CI 75 ± 49.
    expect(average.metrics.valid_submissions_percentage).toEqual({ mean: 75, ci_lower: 26, ci_upper: 124, standard_error: 25 });
    expect(average.metrics.any_medal_percentage).toEqual({ mean: 50, ci_lower: -48, ci_upper: 148, standard_error: 50 });
    expect(average.metrics.submission_exists_percentage).toEqual({ mean: 100, ci_lower: 100, ci_upper: 100, standard_error: 0 });
    // One seed: its standard error is 0, as the script has it.
    expect(aggregateReports(reports, ['x', 'y'], { numSeeds: 1 }).average.metrics.gold_medal_percentage).toEqual({
      mean: 50,
      ci_lower: 50,
      ci_upper: 50,
      standard_error: 0,
    });
  });

  it('keeps complete seeds only, or pads the missing runs with nothing (--pad-missing); a seed count over what there is is refused', () => {
    expect(() => aggregateReports(reports, ['x', 'y', 'z'])).toThrow(/^Missing reports for competitions: z; cannot build complete seeds/);
    const padded = aggregateReports(reports, ['x', 'y', 'z'], { padMissing: true });
    expect(padded.seeds.map((s) => s.submission_exists_percentage)).toEqual([(2 / 3) * 100, (2 / 3) * 100]);
    // A competition with fewer runs limits the complete seeds; padding keeps the longest.
    const uneven = [...reports, { file: '/g/c/grading_report.json', report: { competition_reports: [run('x', {})] } }];
    expect(aggregateReports(uneven, ['x', 'y']).seeds).toHaveLength(2);
    expect(aggregateReports(uneven, ['x', 'y'], { padMissing: true }).seeds[2]).toMatchObject({ valid_submissions_percentage: 50 });
    expect(() => aggregateReports(reports, ['x', 'y'], { numSeeds: 3 })).toThrow('Requested 3 seeds, but only 2 complete seeds available.');
    expect(() => aggregateReports([{ file: 'r.json', report: { competition_reports: [{ competition_id: 'x' }] } }], ['x'])).toThrow(
      'r.json: competition_reports[0] has no gold_medal, silver_medal, bronze_medal, above_median, submission_exists, valid_submission',
    );
  });

  it('agrees with numpy and scipy (np.mean, scipy.stats.sem ddof=1) on uneven seeds', () => {
    const many: ReadReport[] = [0, 1, 2, 3, 4].map((k) => ({
      file: `/g/${k}/grading_report.json`,
      report: {
        competition_reports: ['p', 'q', 'r'].map((id, i) => run(id, { above_median: (k + i) % 3 !== 0, gold_medal: (k * i) % 4 === 1 })),
      },
    }));
    const ours = aggregateReports(many, ['p', 'q', 'r']);
    const seeds = JSON.stringify(ours.seeds.map((s) => [s.above_median_percentage, s.gold_medal_percentage]));
    const script = `import json,sys,numpy as np;from scipy import stats
cols=list(zip(*json.loads(sys.argv[1])))
print(json.dumps([[float(np.mean(c)),float(stats.sem(c,ddof=1))] for c in cols]))`;
    const [above, gold] = JSON.parse(execFileSync(testPython(), ['-c', script, seeds], { encoding: 'utf8' })) as [number, number][];
    expect(ours.average.metrics.above_median_percentage.mean).toBeCloseTo(above![0], 10);
    expect(ours.average.metrics.above_median_percentage.standard_error).toBeCloseTo(above![1], 10);
    expect(ours.average.metrics.gold_medal_percentage.mean).toBeCloseTo(gold![0], 10);
    expect(ours.average.metrics.gold_medal_percentage.standard_error).toBeCloseTo(gold![1], 10);
    expect(ours.average.metrics.gold_medal_percentage.standard_error).toBeGreaterThan(0);
  });
});

describe("a group's grading_report.json", () => {
  it("carries every field MLE-bench's aggregation reads and grade.py writes, is the folder's one *grading_report*.json, and aggregates", async () => {
    const runsDir = mkdtempSync(path.join(os.tmpdir(), 'aggregate-'));
    const groupDir = path.join(runsDir, '2026-01-01T00-00-00-UTC_run-group_dummy');
    const plan = {
      kind: 'competition',
      groupId: 'g-1',
      agentId: 'dummy',
      groupDir,
      competitionIds: ['spambase'],
    } as unknown as CompetitionGroupPlan;
    const result = (seed: number): CompetitionRunResult =>
      ({
        kind: 'competition',
        runId: `g-1/spambase/seed-${seed}`,
        competitionId: 'spambase',
        seed,
        outcome: 'succeeded',
        grade: silverReport(),
      }) as CompetitionRunResult;
    execFileSync('mkdir', ['-p', groupDir]);
    writeFileSync(path.join(groupDir, 'metadata.json'), JSON.stringify({ run_group_id: 'g-1' }));
    await writeGroupReport(plan, [result(1), result(2)], '2026-01-02T00:00:00Z');
    const file = await groupGradingReportFile(groupDir);
    expect(path.basename(file)).toBe('grading_report.json');
    const written = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & { competition_reports: Record<string, unknown>[] };
    expect(Object.keys(written)).toEqual(expect.arrayContaining([...MLEBENCH_REPORT_KEYS]));
    for (const r of written.competition_reports)
      expect(Object.keys(r)).toEqual(expect.arrayContaining([...MLEBENCH_RUN_KEYS, ...AGGREGATED_FIELDS]));
    // By id or by folder, as the other commands take a group.
    expect(await resolveGroupFolder('g-1', runsDir)).toBe(groupDir);
    expect(await resolveGroupFolder(groupDir, runsDir)).toBe(groupDir);
    await expect(resolveGroupFolder('g-2', runsDir)).rejects.toThrow(/no run group "g-2": neither a folder nor the id of a group in/);
    const read = await readGroupReports(['g-1', file], runsDir);
    expect(read.map((r) => r.file)).toEqual([file, file]); // a report file stands for itself
    expect(aggregateReports(read, ['spambase']).average).toMatchObject({
      num_seeds_averaged: 4,
      metrics: { silver_medal_percentage: { mean: 100 } },
    });
    // A second match is what makes MLE-bench's script refuse the group: so do we, and `mlebench grade --jsonl` writes none there.
    const jsonl = path.join(runsDir, 'none.jsonl');
    writeFileSync(jsonl, '');
    await expect(gradeJsonl(jsonl, groupDir)).rejects.toThrow(
      /is a run group's folder and has its grading report \(grading_report\.json\)/,
    );
    await expect(gradeJsonl(jsonl, runsDir)).rejects.toThrow(/none\.jsonl: no submissions/);
    writeFileSync(path.join(groupDir, '2026-01-03T00-00-00-UTC_grading_report.json'), '{}');
    await expect(groupGradingReportFile(groupDir)).rejects.toThrow(/expected one grading report, found 2/);
  });
});
