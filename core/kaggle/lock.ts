/** A competition's download lock: one process at a time may write its zip. */
import { promises as fs } from 'node:fs';
import type { CompetitionZipPaths } from './download';
import { KaggleDownloadError } from './errors';

/** One process at a time per competition: a lock file holding the owner's pid, taken over when that process is gone. */
export async function withDownloadLock<T>(paths: CompetitionZipPaths, competitionId: string, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(paths.dir, { recursive: true });
  for (let i = 0; ; i++) {
    try {
      await fs.writeFile(paths.lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || i > 0) throw err;
      const owner = Number((await fs.readFile(paths.lock, 'utf8').catch(() => '')).trim());
      let alive = false;
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid) {
        try {
          process.kill(owner, 0);
          alive = true;
        } catch (e) {
          alive = (e as NodeJS.ErrnoException).code === 'EPERM';
        }
      }
      if (alive) {
        throw new KaggleDownloadError(
          `another process (pid ${owner}) is downloading "${competitionId}" into ${paths.dir}; wait for it to finish`,
          competitionId,
        );
      }
      await fs.rm(paths.lock, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(paths.lock, { force: true });
  }
}
