/** `mlebench status`, `summary` and `cancel`: read or stop a run group (cancel: also one run) by id. */
import { Command } from 'commander';
import { formatFailure } from '../failure';
import { openSession } from './session';
import { printJson, resultsTable } from './format';

async function withClient<T>(fn: (session: Awaited<ReturnType<typeof openSession>>) => Promise<T>): Promise<T> {
  const session = await openSession({ startServer: false, worker: 'never' });
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

export function statusCommand(): Command {
  return new Command('status')
    .description('show a run group (or, with no id, the latest run groups)')
    .argument('[id]', 'run-group id')
    .option('--json', 'print JSON')
    .action((id: string | undefined, flags: { json?: boolean }) =>
      withClient(async ({ client }) => {
        if (!id) {
          const groups = await client.listRuns({ limit: 20 });
          if (flags.json) return printJson(groups);
          for (const g of groups) process.stdout.write(`${g.id}  ${g.status}  ${g.startTime.toISOString()}  ${g.groupDir ?? ''}\n`);
          return;
        }
        const run = await client.getRun(id);
        if (flags.json) return printJson(run);
        const p = run.progress;
        process.stdout.write(
          `${run.id}: ${run.status}${p ? ` — done ${p.done}/${p.total}, running ${p.running}, medals ${p.medals}` : ''}\n`,
        );
        for (const r of p?.runs ?? []) {
          process.stdout.write(`  ${r.competitionId} seed ${r.seed}: ${r.outcome ?? r.phase.replace('_', ' ')}\n`);
        }
        if (run.groupDir) process.stdout.write(`artifacts: ${run.groupDir}\n`);
        if (run.webUiUrl) process.stdout.write(`web ui:    ${run.webUiUrl}\n`);
      }),
    );
}

export function summaryCommand(): Command {
  return new Command('summary')
    .description("a finished run group's results and grading report")
    .argument('<id>', 'run-group id')
    .option('--json', 'print JSON')
    .action((id: string, flags: { json?: boolean }) =>
      withClient(async ({ client }) => {
        const summary = await client.getRunSummary(id);
        if (flags.json) return printJson(summary);
        if (summary.failure) process.stdout.write(`${id} failed: ${formatFailure(summary.failure)}\n`);
        const t = summary.techniqueGrades;
        if (summary.runs.length || t?.skipped.length) process.stdout.write(`${resultsTable(summary.kind, summary.runs, t?.skipped)}\n`);
        const g = summary.gradingReport;
        if (t) {
          const perTask = Object.entries(t.by_task).map(([task, s]) => `${task} ${s.mean_score ?? '—'}`);
          process.stdout.write(
            `${t.total_runs} technique runs, ${t.total_graded} graded, mean grade ${t.mean_score ?? '—'} (${perTask.join(', ')})\n`,
          );
        } else if (g) {
          process.stdout.write(
            `${g.total_runs} runs, ${g.total_valid_submissions} valid submissions, ${g.total_medals} medals (gold ${g.total_gold_medals}, silver ${g.total_silver_medals}, bronze ${g.total_bronze_medals}), above median ${g.total_above_median}, mean normalized score ${g.mean_normalized_score ?? '—'}\n`,
          );
        } else process.stdout.write(`${id}: ${summary.status} (no summary until it completes)\n`);
        if (summary.groupDir) process.stdout.write(`artifacts: ${summary.groupDir}\n`);
      }),
    );
}

export function cancelCommand(): Command {
  return new Command('cancel')
    .description(
      'cancel a run group (its runs stop their containers and end cancelled, then the group ends cancelled) or one run by its id <group-id>/<competition>/seed-<n> (it ends cancelled; its group goes on with the others)',
    )
    .argument('<id>', 'run-group id, or one run id')
    .action((id: string) =>
      withClient(async ({ client }) => {
        const target = await client.cancel(id);
        process.stdout.write(
          target === 'run'
            ? `cancellation requested for run ${id}: it stops its container and ends cancelled; its group goes on\n`
            : `cancellation requested for run group ${id}: its runs stop their containers and end cancelled\n`,
        );
      }),
    );
}
