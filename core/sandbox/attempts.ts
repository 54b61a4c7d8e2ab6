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
