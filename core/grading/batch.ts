/**
 * MLE-bench's batch grading (`mlebench grade --submission FILE.jsonl --output-dir DIR` there):
 * a JSONL file of `{"competition_id", "submission_path"}` lines in, one grading report out, named
 * and shaped as MLE-bench writes it (mlebench/grade.py `grade_jsonl`, `aggregate_reports`), so
 * tools that read MLE-bench's reports read ours.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../artifacts/atomic';
import { listCompetitionIds } from '../competitions';
import { gradeSubmission, type GradeOptions } from './grade';
import type { CompetitionReport, GradingReport } from './report';
import { summarizeReports } from './summary';
import { GROUP_FILES } from '../artifacts/layout';
import { isGradingReportName } from '../stats/groups';

export interface BatchEntry {
  competitionId: string;
  submissionPath: string;
  /** Line in the JSONL file, for messages. */
  line: number;
}

/** One competition's report with exactly MLE-bench's fields, in its order (`CompetitionReport.to_dict`). */
export type MleBenchCompetitionReport = Omit<CompetitionReport, 'error'>;

/** The report file's content: MLE-bench's totals, in its order, then the reports (no `created_at`). */
export type MleBenchGradingReport = Omit<GradingReport, 'created_at' | 'competition_reports' | 'mean_normalized_score'> & {
  competition_reports: MleBenchCompetitionReport[];
};

/**
 * Parses the JSONL as MLE-bench reads it (`read_jsonl(..., skip_commented_out_lines=True)`): blank
 * lines and lines starting with `#` or `//` are skipped. Relative paths are taken from the
 * current directory, as MLE-bench does. Errors name the file, the line and the field.
 */
export function parseSubmissionsJsonl(text: string, file: string): BatchEntry[] {
  const entries: BatchEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('//')) return;
    const where = `${file}: line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new Error(`${where}: not JSON: ${(err as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: must be a JSON object`);
    const record = value as Record<string, unknown>;
    for (const field of ['competition_id', 'submission_path']) {
      if (typeof record[field] !== 'string' || record[field] === '')
        throw new Error(`${where}: field ${field}: must be a non-empty string`);
    }
    entries.push({ competitionId: record.competition_id as string, submissionPath: record.submission_path as string, line: i + 1 });
  });
  if (entries.length === 0) throw new Error(`${file}: no submissions (one {"competition_id", "submission_path"} object per line)`);
  return entries;
}

/** `YYYY-MM-DDTHH-MM-SS-GMT`, MLE-bench's `get_timestamp()` (UTC; Linux names the zone GMT). */
export function mleBenchTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replaceAll(':', '-')}-GMT`;
}

/**
 * MLE-bench's fields in its order, without our extra `error`; `created_at` with a `+00:00` offset,
 * which Python's `datetime.fromisoformat` reads on every version (`Z` only from 3.11).
 */
function toMleBench(r: CompetitionReport): MleBenchCompetitionReport {
  return {
    competition_id: r.competition_id,
    score: r.score,
    gold_threshold: r.gold_threshold,
    silver_threshold: r.silver_threshold,
    bronze_threshold: r.bronze_threshold,
    median_threshold: r.median_threshold,
    any_medal: r.any_medal,
    gold_medal: r.gold_medal,
    silver_medal: r.silver_medal,
    bronze_medal: r.bronze_medal,
    above_median: r.above_median,
    submission_exists: r.submission_exists,
    valid_submission: r.valid_submission,
    is_lower_better: r.is_lower_better,
    created_at: r.created_at.replace(/Z$/, '+00:00'),
    submission_path: r.submission_path,
  };
}

export function toMleBenchReport(reports: CompetitionReport[]): MleBenchGradingReport {
  const {
    created_at: _createdAt,
    competition_reports: _reports,
    mean_normalized_score: _normalized,
    ...totals
  } = summarizeReports(reports);
  return { ...totals, competition_reports: reports.map(toMleBench) };
}

export interface BatchResult {
  /** What was written. */
  report: MleBenchGradingReport;
  /** Our reports, with the reason of each invalid submission. */
  reports: CompetitionReport[];
  file: string;
}

/**
 * A run group's folder holds one grading report: a second would make MLE-bench's aggregation
 * (and `mlebench aggregate`) refuse the group. Any other folder takes one per batch, as MLE-bench's.
 */
async function refuseSecondGroupReport(outputDir: string): Promise<void> {
  const names = await fs.readdir(outputDir).catch(() => [] as string[]);
  const existing = names.filter(isGradingReportName);
  if (names.includes(GROUP_FILES.metadata) && existing.length > 0) {
    throw new Error(
      `${outputDir} is a run group's folder and has its grading report (${existing.join(', ')}): write the batch's report elsewhere`,
    );
  }
}

/**
 * Grades every line (an unknown competition id fails the batch before anything is graded; an
 * invalid or missing submission is that line's report) and writes the report into `outputDir`.
 */
export async function gradeJsonl(
  jsonlFile: string,
  outputDir: string,
  options: Pick<GradeOptions, 'dataDir' | 'competitionsDir'> = {},
  now: () => Date = () => new Date(),
): Promise<BatchResult> {
  await refuseSecondGroupReport(outputDir);
  let text: string;
  try {
    text = await fs.readFile(jsonlFile, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${jsonlFile}: ${(err as Error).message}`);
  }
  const entries = parseSubmissionsJsonl(text, jsonlFile);
  const known = await listCompetitionIds(options);
  const unknown = entries.find((e) => !known.includes(e.competitionId));
  if (unknown) {
    throw new Error(
      `${jsonlFile}: line ${unknown.line}: field competition_id: unknown competition "${unknown.competitionId}" (known: ${known.join(', ')})`,
    );
  }
  const reports: CompetitionReport[] = [];
  for (const entry of entries) {
    reports.push(await gradeSubmission({ ...options, competitionId: entry.competitionId, submissionPath: entry.submissionPath }));
  }
  const report = toMleBenchReport(reports);
  const file = path.join(outputDir, `${mleBenchTimestamp(now())}_grading_report.json`);
  await writeJsonAtomic(file, report);
  return { report, reports, file };
}
