/** `mlebench grade`: grade a submission file against a prepared competition, without Temporal. */
import { Command } from 'commander';
import { prepareCompetition } from '../../core/competitions';
import { gradeSubmission } from '../../core/grading';
import { harnessPaths } from '../../core/config';
import { printJson } from './format';

export function gradeCommand(): Command {
  return new Command('grade')
    .description('grade one submission file against a prepared competition')
    .requiredOption('-c, --competition <id>', 'competition id')
    .requiredOption('-f, --submission <file>', 'submission CSV')
    .option('--json', 'print the report as JSON')
    .action(async (flags: { competition: string; submission: string; json?: boolean }) => {
      const { dataDir } = harnessPaths();
      await prepareCompetition(flags.competition, { dataDir });
      const report = await gradeSubmission({ competitionId: flags.competition, submissionPath: flags.submission, dataDir });
      if (flags.json) return printJson(report);
      if (!report.valid_submission) {
        process.stdout.write(`invalid submission: ${report.error ?? 'unknown reason'}\n`);
        process.exitCode = 2;
        return;
      }
      const medal = report.gold_medal ? 'gold' : report.silver_medal ? 'silver' : report.bronze_medal ? 'bronze' : 'none';
      process.stdout.write(`score ${report.score} (${report.is_lower_better ? 'lower' : 'higher'} is better); medal ${medal}; above median ${report.above_median}\n`);
    });
}
