/** `mlebench replay`: before a deploy, replay a live server's recent workflows against this code (worker/replay.ts). */
import { Command, InvalidArgumentError } from 'commander';
import { Client } from '../sdk';
import { replayRecentWorkflows, sinceMs } from '../../worker/replay';
import { printJson } from './format';

interface ReplayFlags {
  since: string;
  limit: number;
  address?: string;
  namespace?: string;
  workflowBundle?: string;
  json?: boolean;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number ≥ 1');
  return n;
}

function duration(value: string): string {
  try {
    sinceMs(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return value;
}

export function replayCommand(): Command {
  return new Command('replay')
    .description(
      "replay the histories of a server's recent runGroup, competitionRun and techniqueRun workflows (running, or closed within --since) against this installation's workflow code; exit 1 on any nondeterminism",
    )
    .option('--since <duration>', 'workflows running now or closed within this (24h, 90m, 7 days)', duration, '24h')
    .option('--limit <n>', 'at most this many workflows: the running ones first, then the most recently closed', positiveInt, 500)
    .option('--address <host:port>', 'the Temporal frontend (default TEMPORAL_ADDRESS, else localhost:7233)')
    .option('--namespace <name>', 'the namespace (default TEMPORAL_NAMESPACE, else default)')
    .option('--workflow-bundle <file>', 'the workflow bundle to check (default: the one `npm run build` made)')
    .option('--json', 'print JSON')
    .action(async (flags: ReplayFlags) => {
      // A replay reads a live server: never an embedded dev server, never a worker.
      const client = new Client({ address: flags.address, namespace: flags.namespace, uiUrl: null });
      try {
        const report = await replayRecentWorkflows(await client.workflowClient(), {
          since: flags.since,
          limit: flags.limit,
          ...(flags.workflowBundle ? { workflowBundle: { codePath: flags.workflowBundle } } : {}),
        });
        if (flags.json) printJson(report);
        else {
          for (const [type, { replayed, failed }] of Object.entries(report.byType))
            process.stdout.write(`${type}: ${replayed} replayed, ${failed ? `${failed} FAILED` : 'all deterministic'}\n`);
          for (const f of report.failures)
            process.stdout.write(
              `FAILED ${f.workflowType} ${f.workflowId} (run ${f.runId})${f.event ? ` at event ${f.event.id} (${f.event.type})` : ''}: ${f.kind}: ${f.detail}\n`,
            );
        }
        if (report.failures.length) process.exitCode = 1;
      } finally {
        await client.close();
      }
    });
}
