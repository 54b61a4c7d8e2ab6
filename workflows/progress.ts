/** The run group's live progress as a few lines of markdown for the Web UI (`setCurrentDetails`). */
import type { GroupProgress } from '../core/runs/types';

export function progressDetails(p: GroupProgress): string {
  const outcomes = new Map<string, number>();
  for (const run of p.runs) if (run.outcome) outcomes.set(run.outcome, (outcomes.get(run.outcome) ?? 0) + 1);
  const byOutcome = [...outcomes].map(([o, n]) => `${o} ${n}`).join(', ') || 'none yet';
  return [
    `**${p.agentId}** — ${p.status}`,
    `done ${p.done}/${p.total} · running ${p.running} · medals ${p.medals}`,
    `outcomes: ${byOutcome}`,
    p.groupDir ? `artifacts: \`${p.groupDir}\`` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
}
