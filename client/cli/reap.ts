/** `mlebench reap`: removes Docker leftovers (containers, networks, volumes) of runs that no longer exist. */
import { Command } from 'commander';
import { harnessPaths } from '../../core/config';
import { reapLeftovers, temporalPlacement, temporalWorkflowState } from '../../core/sandbox/reaper';
import { openSession } from './session';
import { printJson } from './format';

export function reapCommand(): Command {
  return new Command('reap')
    .description(
      "remove the containers, networks and volumes of this harness's runs whose workflow is closed or unknown to Temporal, and containers whose run moved to another attempt or host or that are past their deadline (a running run's current container is never touched)",
    )
    .option('--dry-run', 'list what would be removed, remove nothing')
    .option('--json', 'print JSON')
    .action(async (flags: { dryRun?: boolean; json?: boolean }) => {
      const session = await openSession({ startServer: false, worker: 'never' });
      try {
        const connection = await session.client.connection();
        const report = await reapLeftovers({
          runsDir: harnessPaths().runsDir,
          workflowState: temporalWorkflowState(connection.workflowService, session.client.namespace),
          placement: temporalPlacement(connection.workflowService, session.client.namespace),
          dryRun: flags.dryRun,
        });
        if (flags.json) return printJson(report);
        for (const r of report.reaped) {
          const verb = flags.dryRun ? 'would remove' : r.removed ? 'removed' : `could not remove (${r.error})`;
          process.stdout.write(`${verb} ${r.kind} ${r.name}  run ${r.runId}: ${r.why}\n`);
        }
        for (const k of report.kept) process.stdout.write(`kept ${k.kind} ${k.name}  run ${k.runId}: ${k.why}\n`);
        if (!report.reaped.length) process.stdout.write('no leftovers\n');
        if (report.reaped.some((r) => r.error)) process.exitCode = 1;
      } finally {
        await session.close();
      }
    });
}
