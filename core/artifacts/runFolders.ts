/**
 * The names of a group's run folders. Pure string work, no Node built-ins: the run-group workflow
 * derives each child's folder from the plan with it (layout.ts re-exports it for everyone else).
 */

/** `<competition-or-task>_<id>` where the id is the seed, stable across retries. */
export function runDirName(subject: string, seed: number): string {
  return `${subject}_seed-${seed}`;
}

/** The run's folder in its group's folder (an absolute, normalized path from claimGroupDir). */
export function runDir(groupDir: string, subject: string, seed: number): string {
  return `${groupDir.replace(/\/+$/, '')}/${runDirName(subject, seed)}`;
}
