/** `mlebench prepare` and `mlebench grade`: the data and grading steps, without Temporal. */
import { Command } from 'commander';
import { listCompetitions, prepareCompetition } from '../../core/competitions';
import { gradeSubmission } from '../../core/grading';
import { harnessPaths } from '../../core/config';
import { printJson } from './format';

export function prepareCommand(): Command {
  return new Command('prepare')
    .description('prepare competitions into the data dir (cached; verifies checksums)')
    .option('-c, --competitions <ids>', 'comma-separated ids (default: all)')
    .option('--force', 're-prepare even when prepared')
    .action(async (flags: { competitions?: string; force?: boolean }) => {
      const { dataDir } = harnessPaths();
      const ids = flags.competitions ? flags.competitions.split(',').map((s) => s.trim()) : (await listCompetitions()).map((c) => c.id);
      for (const id of ids) {
        const started = Date.now();
        const prepared = await prepareCompetition(id, { dataDir, force: flags.force });
        process.stdout.write(`${id}: prepared in ${((Date.now() - started) / 1000).toFixed(1)} s → ${prepared.publicDir}\n`);
      }
    });
}

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
