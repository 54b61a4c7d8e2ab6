/** The ids of run groups and runs (their workflow ids too): readable, sortable by time, never clashing. */

/** `dummy-20261125-172233-k3f9`: readable, sortable by time, unique enough for one user. */
export function newRunGroupId(agentId: string, at: Date, randomSuffix: string): string {
  const stamp = at.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  return `${agentId.replace(/\//g, '-')}-${stamp}-${randomSuffix}`;
}

/** `<group-id>/<competition>/seed-<n>` */
export function competitionRunId(groupId: string, competitionId: string, seed: number): string {
  return `${groupId}/${competitionId}/seed-${seed}`;
}

/** `<group-id>/<task>/<competition>/seed-<n>`: one more segment than a competition run, so the two never clash. */
export function techniqueRunId(groupId: string, task: string, competitionId: string, seed: number): string {
  return `${groupId}/${task}/${competitionId}/seed-${seed}`;
}

/**
 * The id prefix of an experiment arm's runs, `<group-id>/arm-<arm>`, in place of the group id: a
 * run of each arm on the same competition and seed gets its own id, and no technique task is
 * called `arm-…`, so an armed id never reads as another kind's.
 */
export function armRunPrefix(groupId: string, arm: string | undefined): string {
  return arm ? `${groupId}/arm-${arm}` : groupId;
}
