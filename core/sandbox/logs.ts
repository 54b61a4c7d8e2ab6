/**
 * The container's stdout+stderr, copied from Docker (which keeps them from the container's very
 * start) into the run's agent.log while it runs, and again from the start on every re-attach.
 *
 * agent.log is capped (MLEBENCH_AGENT_LOG_MAX, default 64 MiB): past the cap it keeps the first
 * half and the last half of the output, with a line in between saying how many bytes were
 * dropped. The head is written as it comes; the tail goes to a ring file of half the cap
 * (`logs/.agent.log.tail`) and is appended once the output ends, so a flood costs at most 1.5×
 * the cap on disk and a fixed amount of memory, whatever the agent prints.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import { log } from '../log';
import { InfraError, dockerCall } from './errors';

/** After the container stops, its log stream ends by itself; this bounds a stuck one. */
const LOG_DRAIN_TIMEOUT_MS = 15_000;
/** The ring's name next to agent.log (copy-out never lets an agent's file of that name in). */
export const TAIL_RING_FILE = '.agent.log.tail';
const COPY_CHUNK = 1 << 20;

/**
 * A new, empty file at `file` (never following a symlink there). Two attempts attached at once
 * each get their own file; the later one's stays visible, and both receive the whole log.
 */
async function createFresh(file: string, flags = 'wx'): Promise<fs.FileHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fs.rm(file, { recursive: true, force: true });
      return await fs.open(file, flags);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) {
        throw new InfraError(`cannot create ${file}: ${(err as Error).message}`, { cause: err });
      }
    }
  }
}

/** Docker's multiplexed stream (8-byte frame headers: stream, 0, 0, 0, size) to the frames' bytes. */
class DockerDemux extends Transform {
  private pending = Buffer.alloc(0);
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let off = 0;
    while (buf.length - off >= 8) {
      const size = buf.readUInt32BE(off + 4);
      if (buf.length - off - 8 < size) break;
      this.push(buf.subarray(off + 8, off + 8 + size));
      off += 8 + size;
    }
    this.pending = Buffer.from(buf.subarray(off));
    done();
  }
}

export interface AgentLogStats {
  /** Bytes the container printed (as far as this attempt followed them). */
  bytes: number;
  /** Bytes left out of agent.log between its head and its tail. */
  droppedBytes: number;
}

/** agent.log with a cap: the head written straight, the tail through a ring, joined at the end. */
class CappedLog extends Writable {
  private headWritten = 0;
  private ring: fs.FileHandle | undefined;
  private ringTotal = 0;
  private total = 0;
  private dropped = 0;
  private readonly headMax: number;
  private readonly tailMax: number;

  constructor(
    private readonly head: fs.FileHandle,
    private readonly ringFile: string,
    private readonly maxBytes: number,
  ) {
    super();
    this.headMax = Math.floor(maxBytes / 2);
    this.tailMax = maxBytes - this.headMax;
  }

  stats(): AgentLogStats {
    return { bytes: this.total, droppedBytes: this.dropped };
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.append(chunk).then(() => done(), done);
  }

  private async append(chunk: Buffer): Promise<void> {
    this.total += chunk.length;
    let buf = chunk;
    if (this.headWritten < this.headMax) {
      const take = Math.min(buf.length, this.headMax - this.headWritten);
      await this.head.write(buf, 0, take, this.headWritten);
      this.headWritten += take;
      buf = buf.subarray(take);
    }
    if (buf.length === 0) return;
    this.ring ??= await createFresh(this.ringFile, 'wx+');
    if (buf.length > this.tailMax) {
      // Older than the ring can hold: overwritten anyway.
      this.ringTotal += buf.length - this.tailMax;
      buf = buf.subarray(buf.length - this.tailMax);
    }
    const at = this.ringTotal % this.tailMax;
    const first = Math.min(buf.length, this.tailMax - at);
    await this.ring.write(buf, 0, first, at);
    if (first < buf.length) await this.ring.write(buf, first, buf.length - first, 0);
    this.ringTotal += buf.length;
  }

  override _final(done: (err?: Error | null) => void): void {
    this.finish().then(() => done(), done);
  }

  /** Appends the ring, oldest byte first, after a marker when something was dropped. */
  private async finish(): Promise<void> {
    let pos = this.headWritten;
    try {
      if (!this.ring) return;
      const kept = Math.min(this.ringTotal, this.tailMax);
      this.dropped = this.ringTotal - kept;
      if (this.dropped > 0) {
        const marker = Buffer.from(
          `\n[mlebench: ${this.dropped} bytes of the agent's output dropped here; agent.log keeps its first ${this.headMax} and last ${kept} bytes ` +
            `(cap ${this.maxBytes} bytes, MLEBENCH_AGENT_LOG_MAX)]\n`,
        );
        await this.head.write(marker, 0, marker.length, pos);
        pos += marker.length;
      }
      const start = this.ringTotal <= this.tailMax ? 0 : this.ringTotal % this.tailMax;
      const buf = Buffer.alloc(Math.min(COPY_CHUNK, kept));
      for (let done = 0; done < kept;) {
        const from = (start + done) % this.tailMax;
        const n = Math.min(buf.length, kept - done, this.tailMax - from);
        const { bytesRead } = await this.ring.read(buf, 0, n, from);
        if (bytesRead !== n) throw new Error(`${this.ringFile}: read ${bytesRead} of ${n} bytes at ${from}`);
        await this.head.write(buf, 0, n, pos);
        pos += n;
        done += n;
      }
    } finally {
      await this.ring?.close();
      if (this.ring) await fs.rm(this.ringFile, { force: true });
      await this.head.close();
    }
  }
}

export interface LogFollower {
  /**
   * Once the container has stopped: waits for the live stream to end, then writes agent.log
   * again from Docker's complete copy (see followLogs) and says how much was dropped.
   */
  drained(): Promise<AgentLogStats>;
  /** Stops following, keeping what was written; the next attempt rewrites the file. */
  detach(): void;
}

/** The container's logs as a stream, followed or (follow: false) everything Docker kept, unbuffered. */
async function logStream(docker: Docker, container: Docker.Container, follow: boolean, signal: AbortSignal): Promise<Readable> {
  return dockerCall(
    `${follow ? 'follow' : 'read'} the logs of ${container.id}`,
    () =>
      new Promise<Readable>((resolve, reject) => {
        // dockerode's container.logs() buffers a non-followed log whole in memory; dial for a stream instead.
        docker.modem.dial(
          {
            path: `/containers/${container.id}/logs?`,
            method: 'GET',
            abortSignal: signal,
            isStream: true,
            statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
            options: { follow, stdout: true, stderr: true },
          },
          (err: unknown, data: unknown) =>
            err ? reject(err instanceof Error ? err : new Error(JSON.stringify(err))) : resolve(data as Readable),
        );
      }),
  );
}

interface Copy {
  out: CappedLog;
  stream: Readable;
  /** Resolves once the file is complete; rejects when Docker's stream or the file failed. */
  done: Promise<void>;
}

/** One copy of the container's output into a fresh, capped `file`. */
async function copyLogs(
  docker: Docker,
  container: Docker.Container,
  file: string,
  maxBytes: number,
  follow: boolean,
  abort: AbortController,
): Promise<Copy> {
  const out = new CappedLog(await createFresh(file), path.join(path.dirname(file), TAIL_RING_FILE), maxBytes);
  let stream: Readable;
  try {
    stream = await logStream(docker, container, follow, abort.signal);
  } catch (err) {
    out.end();
    throw err;
  }
  const demux = new DockerDemux();
  // pipe(), not pipeline(): a source that is aborted or fails still ends the file properly (head, marker, tail).
  stream.pipe(demux).pipe(out);
  const done = new Promise<void>((resolve, reject) => {
    let failed: Error | undefined;
    const endInput = () => {
      if (!demux.writableEnded) demux.end();
    };
    stream.on('error', (err) => {
      if (!abort.signal.aborted) failed = new InfraError(`docker: logs of ${container.id}: ${err.message}`);
      endInput();
    });
    stream.on('close', endInput);
    out.on('finish', () => (failed ? reject(failed) : resolve()));
    out.on('error', (err) => reject(new InfraError(`cannot write ${file}: ${err.message}`)));
  });
  done.catch(() => undefined); // observed by drained(); a detached follower's errors do not matter
  return { out, stream, done };
}

/**
 * Copies the container's stdout+stderr, from its very start, into agent.log while it runs, at
 * most `maxBytes` of it (head and tail). Docker 20.10 ends a followed stream when the container
 * stops even if the reader lags behind (a fast flood loses its end), so once it has stopped the
 * file is written again from Docker's whole copy: the live file is for watching, the final one
 * is complete. The folder is the agent's to write, so the old file is removed rather than
 * opened: an agent-made symlink there must not redirect the harness's writes (O_EXCL does not
 * follow one).
 */
export async function followLogs(docker: Docker, container: Docker.Container, file: string, maxBytes: number): Promise<LogFollower> {
  const abort = new AbortController();
  const live = await copyLogs(docker, container, file, maxBytes, true, abort);
  return {
    drained: async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          log.warn({ containerId: container.id }, 'log stream did not end after the container stopped');
          abort.abort();
          live.stream.destroy();
          resolve();
        }, LOG_DRAIN_TIMEOUT_MS);
      });
      try {
        await Promise.race([live.done, timeout]);
        await live.done.catch(() => undefined);
      } finally {
        clearTimeout(timer);
      }
      const final = await copyLogs(docker, container, file, maxBytes, false, new AbortController());
      await final.done;
      return final.out.stats();
    },
    detach: () => {
      abort.abort();
      live.stream.destroy();
    },
  };
}
