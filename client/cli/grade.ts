/**
 * `mlebench grade`: grade submission files against prepared competitions, without Temporal.
 *
 *   mlebench grade FILE --competition ID [--json]       one file; prints its report
 *   mlebench grade --jsonl FILE --output-dir DIR [--json]
 *       MLE-bench's batch mode: one {"competition_id", "submission_path"} per line; writes
 *       DIR/<timestamp>_grading_report.json with the run-group totals, as MLE-bench does.
 */
import { Command } from 'commander';
import { gradeSubmission, type CompetitionReport } from '../../core/grading';
import { harnessPaths } from '../../core/config';
import { gradeJsonl } from '../../core/grading/batch';
import { printJson } from './format';

interface GradeFlags {
  competition?: string;
  submission?: string;
  jsonl?: string;
  outputDir?: string;
  json?: boolean;
}

function medalOf(report: CompetitionReport): string {
  return report.gold_medal ? 'gold' : report.silver_medal ? 'silver' : report.bronze_medal ? 'bronze' : 'none';
}

/** Which mode the flags ask for; contradictions are refused before anything is read. */
function modeOf(
  file: string | undefined,
  flags: GradeFlags,
): { kind: 'file'; file: string; competition: string } | { kind: 'jsonl'; jsonl: string; outputDir: string } {
  if (file !== undefined && flags.submission !== undefined && file !== flags.submission) {
    throw new Error(`grade: two submission files given (${file} and --submission ${flags.submission}); give one`);
  }
  const submission = file ?? flags.submission;
  if (flags.jsonl !== undefined) {
    if (submission !== undefined) throw new Error('grade: give either a submission FILE or --jsonl, not both');
    if (flags.competition !== undefined) throw new Error('grade: --competition is read from each line of --jsonl, not given as a flag');
    if (flags.outputDir === undefined) throw new Error('grade: --jsonl needs --output-dir DIR (where the grading report is written)');
    return { kind: 'jsonl', jsonl: flags.jsonl, outputDir: flags.outputDir };
  }
  if (flags.outputDir !== undefined) throw new Error('grade: --output-dir goes with --jsonl');
  if (submission === undefined) throw new Error('grade: give a submission FILE (with --competition ID) or --jsonl FILE --output-dir DIR');
  if (flags.competition === undefined) throw new Error(`grade: --competition ID is needed to grade ${submission}`);
  return { kind: 'file', file: submission, competition: flags.competition };
}

export function gradeCommand(): Command {
  return new Command('grade')
    .description('grade a submission file, or a JSONL list of them as MLE-bench does')
    .argument('[file]', 'submission CSV')
    .option('-c, --competition <id>', 'competition id (with FILE)')
    .option('-f, --submission <file>', 'submission CSV (the same as FILE)')
    .option('--jsonl <file>', 'MLE-bench submissions JSONL: one {"competition_id", "submission_path"} per line')
    .option('-o, --output-dir <dir>', 'where --jsonl writes <timestamp>_grading_report.json')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  mlebench grade submission.csv --competition sotu-authorship\n  mlebench grade --jsonl submissions.jsonl --output-dir reports/\n',
    )
    .action(async (file: string | undefined, flags: GradeFlags) => {
      const mode = modeOf(file, flags);
      const { dataDir } = harnessPaths();
      if (mode.kind === 'jsonl') {
        const { report, reports, file: written } = await gradeJsonl(mode.jsonl, mode.outputDir, { dataDir });
        if (flags.json) return printJson(report);
        for (const r of reports) {
          const outcome = r.valid_submission
            ? `score ${r.score}, medal ${medalOf(r)}`
            : `invalid submission: ${r.error ?? 'unknown reason'}`;
          process.stdout.write(`${r.competition_id}: ${outcome} (${r.submission_path})\n`);
        }
        const { competition_reports: _reports, ...totals } = report;
        for (const [key, value] of Object.entries(totals)) process.stdout.write(`${key}: ${value}\n`);
        process.stdout.write(`grading report: ${written}\n`);
        return;
      }
      // gradeSubmission prepares the competition first when it is not (cached and verified otherwise).
      const report = await gradeSubmission({ competitionId: mode.competition, submissionPath: mode.file, dataDir });
      if (flags.json) return printJson(report);
      if (!report.valid_submission) {
        process.stdout.write(`invalid submission: ${report.error ?? 'unknown reason'}\n`);
        process.exitCode = 2;
        return;
      }
      process.stdout.write(
        `score ${report.score} (${report.is_lower_better ? 'lower' : 'higher'} is better); medal ${medalOf(report)}; above median ${report.above_median}\n`,
      );
    });
}
