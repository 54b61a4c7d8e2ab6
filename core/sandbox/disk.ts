/**
 * Free disk before an agent starts: an agent on a full disk fails in ways that look like its own
 * fault, so the harness refuses to start it (InfraError → `infra_error`, retried with backoff, in
 * case space is freed) when the run folder's file system has less than MLEBENCH_MIN_FREE_DISK.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { humanBytes } from '../bytes';
import { InfraError } from './errors';
import { parseBytes } from './spec';
import { environment, type Env } from '../config';

export const DEFAULT_MIN_FREE_DISK = '5g';

/** The threshold in bytes: MLEBENCH_MIN_FREE_DISK (bytes, or e.g. "5g", "500m"), default 5 GiB; 0 turns the check off. */
export function minFreeDiskBytes(env: Env = environment()): number {
  const value = env.MLEBENCH_MIN_FREE_DISK?.trim() || DEFAULT_MIN_FREE_DISK;
  try {
    return parseBytes(value);
  } catch (err) {
    throw new Error(`MLEBENCH_MIN_FREE_DISK: ${(err as Error).message}`, { cause: err });
  }
}

/** Bytes available to an unprivileged user on the file system holding `dir` (or its nearest existing parent). */
export async function freeDiskBytes(dir: string): Promise<number> {
  let at = path.resolve(dir);
  for (;;) {
    try {
      const s = await fs.statfs(at);
      return s.bavail * s.bsize;
    } catch (err) {
      const parent = path.dirname(at);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === at) throw err;
      at = parent;
    }
  }
}

/** Throws InfraError naming the folder, its free bytes and the threshold when space is short. */
export async function ensureFreeDisk(dir: string, minBytes: number = minFreeDiskBytes()): Promise<void> {
  if (minBytes <= 0) return;
  let free: number;
  try {
    free = await freeDiskBytes(dir);
  } catch (err) {
    throw new InfraError(`cannot measure free disk space at ${dir}: ${(err as Error).message}`, { cause: err });
  }
  if (free < minBytes) {
    throw new InfraError(
      `not enough free disk space for the run folder ${dir}: ${free} bytes free (${humanBytes(free)}), ` +
        `below the threshold MLEBENCH_MIN_FREE_DISK=${minBytes} bytes (${humanBytes(minBytes)}); free some space or lower the threshold`,
    );
  }
}
