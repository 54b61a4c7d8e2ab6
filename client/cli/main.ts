/** The `mlebench` command line: one file per command, wired here. */
import { serveCommand } from './serve';
import { Command } from 'commander';
import { runCommand } from './run';
import { cancelCommand, statusCommand, summaryCommand } from './status';
import { listCommand } from './list';
import { prepareCommand } from './prepare';
import { gradeCommand } from './grade';
import { serverCommand, workerCommand } from './server';
import { imagesCommand } from './images';
import { reapCommand } from './reap';
import { replayCommand } from './replay';
import { aggregateCommand } from './aggregate';
import { compareCommand } from './compare';
import { EXPERIMENT_COMMAND, experimentReportCommand } from './experiment';
import { exportCommand } from './export';
import { queryCommand } from './query';
import { contextCommand } from './context';
import { InvalidRunOptionsError } from '../../core/options';
import { useEnvironment } from '../../core/config';
import { explainFailure, formatFailure } from '../failure';
import { configureLog, LOG_FORMATS, logSettings } from '../../core/log';

// The command line is an entry point: core/ sees the environment through this (core/config.ts).
useEnvironment(process.env);

const program = new Command('mlebench')
  .description('MLE-bench Redux: run ML-engineering agents on competitions, durably, and grade them')
  .showHelpAfterError()
  .option(
    '--log-format <format>',
    `the harness's logs on stderr: ${LOG_FORMATS.join(' or ')} (default MLEBENCH_LOG_FORMAT, else pretty and quiet on a terminal, JSON otherwise and for the worker)`,
  )
  // Before any command runs: a person at a terminal reads warnings as lines; a pipe and the worker log JSON.
  .hook('preAction', (self, command) => {
    const { logFormat } = self.opts<{ logFormat?: string }>();
    const worker = command.name() === 'worker';
    configureLog(logSettings(process.env, { terminal: process.stderr.isTTY, requested: logFormat, fallback: worker ? 'json' : undefined }));
  })
  .addCommand(runCommand())
  .addCommand(contextCommand())
  .addCommand(statusCommand())
  .addCommand(summaryCommand())
  .addCommand(cancelCommand())
  .addCommand(listCommand())
  .addCommand(prepareCommand())
  .addCommand(gradeCommand())
  .addCommand(serveCommand())
  .addCommand(serverCommand())
  .addCommand(workerCommand())
  .addCommand(imagesCommand())
  .addCommand(reapCommand())
  .addCommand(replayCommand())
  .addCommand(aggregateCommand())
  .addCommand(compareCommand())
  .addCommand(runCommand(EXPERIMENT_COMMAND))
  .addCommand(experimentReportCommand())
  .addCommand(exportCommand())
  .addCommand(queryCommand());

program.parseAsync(process.argv).catch((err: unknown) => {
  // A failed group's own message is only "Workflow execution failed": say its root cause and what to do.
  const message = err instanceof InvalidRunOptionsError ? err.message : formatFailure(explainFailure(err));
  process.stderr.write(`mlebench: ${message}\n`);
  process.exitCode = 1;
});
