/**
 * The container's stdout+stderr, copied from Docker (which keeps them from the container's very
 * start) into the run's agent.log while it runs, and again from the start on every re-attach.
 */
import { promises as fs, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { log } from '../log';
import { InfraError, dockerCall } from './errors';

/** After the container stops, its log stream ends by itself; this bounds a stuck one. */
const LOG_DRAIN_TIMEOUT_MS = 15_000;

/**
 * A new, empty file at `file` (never following a symlink there). Two attempts attached at once
 * each get their own file; the later one's stays visible, and both receive the whole log.
 */
async function createFresh(file: string): Promise<WriteStream> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fs.rm(file, { recursive: true, force: true });
      return (await fs.open(file, 'wx')).createWriteStream();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) {
        throw new InfraError(`cannot create ${file}: ${(err as Error).message}`, { cause: err });
      }
    }
  }
}

export interface LogFollower {
  /** Resolves once the stream ended (the container stopped) and the file is flushed. */
  drained(): Promise<void>;
  /** Stops following, keeping what was written; the next attempt rewrites the file. */
  detach(): void;
}

/**
 * Copies the container's stdout+stderr, from its very start, into agent.log. The folder is the
 * agent's to write, so the old file is removed rather than opened: an agent-made symlink there
 * must not redirect the harness's writes (O_EXCL does not follow one).
 */
export async function followLogs(docker: Docker, container: Docker.Container, file: string): Promise<LogFollower> {
  const out = await createFresh(file);
  const abort = new AbortController();
  let stream: Readable;
  try {
    stream = (await dockerCall(`follow the logs of ${container.id}`, () =>
      container.logs({ follow: true, stdout: true, stderr: true, abortSignal: abort.signal }),
    )) as unknown as Readable;
  } catch (err) {
    out.destroy();
    throw err;
  }
  docker.modem.demuxStream(stream, out, out);
  const done = new Promise<void>((resolve, reject) => {
    stream.on('end', () => out.end());
    stream.on('error', (err) => (abort.signal.aborted ? out.end() : reject(new InfraError(`docker: logs of ${container.id}: ${err.message}`))));
    out.on('finish', resolve);
    out.on('error', (err) => reject(new InfraError(`cannot write ${file}: ${err.message}`)));
  });
  done.catch(() => undefined); // observed by drained(); a detached follower's errors do not matter
  return {
    drained: async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          log.warn({ containerId: container.id }, 'log stream did not end after the container stopped');
          abort.abort();
          resolve();
        }, LOG_DRAIN_TIMEOUT_MS);
      });
      try {
        await Promise.race([done, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    detach: () => {
      abort.abort();
      stream.destroy();
      out.end();
    },
  };
}

