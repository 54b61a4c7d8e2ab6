/**
 * A retry's fresh start: before the n-th retry's container is created, what the killed container
 * left in the run folder (submission/, code/, logs/, container.json) moves to
 * `<run>/attempts/<n-1>/`, so the new container starts clean, its result is never mistaken for
 * the old one's, and nothing the killed one wrote is lost. Idempotent across crashes: renames
 * into a `.partial` folder, then one rename makes it final.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { InfraError } from './errors';
import { dockerClient, LABELS, listAgentContainers, stopAndRemove } from './docker';
import { collectAndReleaseScratch } from './scratch';
import { log } from '../log';

const MOVED = ['submission', 'code', 'logs', 'container.json'];

export function attemptDir(runDir: string, attempt: number): string {
  return path.join(runDir, 'attempts', String(attempt));
}

/** Moves the run folder's agent files of `attempt` aside (once; later calls find it done). */
export async function archiveAttempt(runDir: string, attempt: number): Promise<string> {
  const final = attemptDir(runDir, attempt);
  if (existsSync(final)) return final;
  const partial = `${final}.partial`;
  try {
    await fs.mkdir(partial, { recursive: true });
    for (const name of MOVED) {
      const from = path.join(runDir, name);
      if (existsSync(from) && !existsSync(path.join(partial, name))) await fs.rename(from, path.join(partial, name));
    }
    await fs.rename(partial, final);
  } catch (err) {
    throw new InfraError(`cannot move attempt ${attempt} of ${runDir} aside to ${final}: ${(err as Error).message}`, { cause: err });
  }
  return final;
}

/**
 * Before a run's container number `attempt` starts afresh (none of that number exists yet): what
 * earlier containers left is made safe to archive. An earlier container this host's Docker still
 * holds is stopped and removed — none after an agent retry (the killed one was collected), the
 * lost host's when hosts share an engine —, its scratch space copied out first. A scratch space
 * with no container here (a lost host on another machine, the runs folder on shared storage) is
 * copied out and released too, so the new container starts clean and archiveAttempt keeps what
 * the old one wrote. Re-attaching to container `attempt` changes nothing.
 */
export async function clearEarlierContainers(runId: string, runDir: string, attempt: number): Promise<void> {
  const docker = dockerClient();
  const containers = await listAgentContainers({ runId }, docker);
  const numberOf = (c: (typeof containers)[number]) => Number(c.Labels[LABELS.attempt] ?? '0');
  if (containers.some((c) => numberOf(c) === attempt)) return;
  for (const c of containers.filter((c) => numberOf(c) < attempt)) {
    log.info({ runId, containerId: c.Id, attempt: numberOf(c) }, 'stopping an earlier container of the run before a fresh start');
    await stopAndRemove(docker, c.Id);
  }
  await collectAndReleaseScratch(runDir);
}
