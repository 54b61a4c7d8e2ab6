/**
 * The Docker engine as the sandbox sees it: the client, whether it answers, and the harness's
 * containers found by label (the labels, not any remembered id, are how a later attempt or a
 * cleanup finds them).
 */
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { InfraError, dockerCall, dockerStatus } from './errors';
import { collectAndReleaseScratch, scratchRunDirOf } from './scratch';
import { environment } from '../config';

export const LABELS = {
  group: 'mlebench.group',
  run: 'mlebench.run',
  competition: 'mlebench.competition',
  agent: 'mlebench.agent',
  seed: 'mlebench.seed',
  /** Set on a retry's container (attempt >= 1): the first attempt's has none. */
  attempt: 'mlebench.attempt',
  /** The host whose task queue started the container (absent before host queues, and on a step sent to no host). */
  host: 'mlebench.host',
  /** Seconds after its start past which the container has outlived its run's agent step: the reaper removes it. */
  deadline: 'mlebench.deadline-secs',
} as const;

/** On networks and volumes (which have no mounts to tell): the runs folder their run belongs to, so a reaper keeps to its own. */
export const RUNS_DIR_LABEL = 'mlebench.runs-dir';

/** Seconds between SIGTERM and SIGKILL when the harness stops a container. */
export const STOP_GRACE_SECS = 10;
const PING_TIMEOUT_MS = 10_000;

/** A client for the engine at DOCKER_HOST (unix://, tcp://; dockerode reads it), else the local socket. */
export function dockerClient(): Docker {
  return new Docker();
}

export function dockerHostDescription(): string {
  return environment().DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

/** Throws InfraError unless the engine answers within a few seconds. */
export async function pingDocker(docker: Docker = dockerClient()): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${PING_TIMEOUT_MS / 1000}s`)), PING_TIMEOUT_MS);
  });
  try {
    await Promise.race([docker.ping(), timeout]);
  } catch (err) {
    throw new InfraError(
      `the Docker engine at ${dockerHostDescription()} is not answering (${(err as Error).message}): start it, e.g. with "bash scripts/setup.sh" as root`,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
  }
}

export interface ContainerFilter {
  groupId?: string;
  runId?: string;
  /** Only running containers (default: all states). */
  running?: boolean;
}

/** The harness's agent containers matching the filter (any run when neither id is given). */
export async function listAgentContainers(filter: ContainerFilter = {}, docker: Docker = dockerClient()): Promise<Docker.ContainerInfo[]> {
  const label = [filter.runId === undefined ? LABELS.run : `${LABELS.run}=${filter.runId}`];
  if (filter.groupId !== undefined) label.push(`${LABELS.group}=${filter.groupId}`);
  return dockerCall('list containers', () => docker.listContainers({ all: !filter.running, filters: { label } }));
}

/** One event of Docker's event stream (`docker.getEvents()`), the fields the harness reads. */
export interface DockerEvent {
  /** create, start, die, destroy... (`status` on engines older than API 1.22). */
  action: string;
  /** The actor's id: the container's, for container events. */
  id: string;
  /** The actor's attributes: a container's labels and its name. */
  attributes: Record<string, string>;
  /** Docker's own time of the event (ms since the epoch). */
  at: number;
}

/**
 * Reads Docker's event stream, one JSON object a line (a chunk may end mid-line, even mid-character),
 * calling `onEvent` with each event in order. Resolves when the stream ends or is destroyed; rejects
 * when it fails or carries a line that is not JSON (the stream is then destroyed).
 */
export function dockerEventLines(stream: Readable, onEvent: (event: DockerEvent) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let buffer = '';
    stream.on('data', (chunk: Buffer | string) => {
      buffer += typeof chunk === 'string' ? chunk : decoder.write(chunk);
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (!line) continue;
        let raw: {
          Action?: string;
          status?: string;
          time?: number;
          timeNano?: number;
          Actor?: { ID?: string; Attributes?: Record<string, string> };
        };
        try {
          raw = JSON.parse(line) as typeof raw;
        } catch (err) {
          stream.destroy(
            new Error(`Docker's event stream sent a line that is not JSON (${(err as Error).message}): ${line.slice(0, 200)}`),
          );
          return;
        }
        const at = raw.timeNano !== undefined ? Math.round(raw.timeNano / 1e6) : raw.time !== undefined ? raw.time * 1000 : Date.now();
        onEvent({ action: raw.Action ?? raw.status ?? '', id: raw.Actor?.ID ?? '', attributes: raw.Actor?.Attributes ?? {}, at });
      }
    });
    stream.on('error', reject);
    stream.once('end', resolve);
    stream.once('close', resolve);
  });
}

export async function countRunningAgentContainers(groupId?: string, docker: Docker = dockerClient()): Promise<number> {
  return (await listAgentContainers({ groupId, running: true }, docker)).length;
}

/** Stops (SIGTERM, then SIGKILL after the grace period) and removes one container, then copies out and releases its scratch space; gone already is fine. */
export async function stopAndRemove(docker: Docker, id: string): Promise<void> {
  const container = docker.getContainer(id);
  const mounts = await container.inspect().then(
    (i) => i.Mounts,
    () => [],
  );
  await dockerCall(`stop container ${id}`, async () => {
    try {
      await container.stop({ t: STOP_GRACE_SECS });
    } catch (err) {
      // 304: already stopped; 404: already removed.
      if (dockerStatus(err) !== 304 && dockerStatus(err) !== 404) throw err;
    }
  });
  await removeContainer(docker, id);
  // Its scratch space: copied out (the agent's work is kept), unmounted, deleted.
  const runDir = scratchRunDirOf(mounts);
  if (runDir) await collectAndReleaseScratch(runDir);
}

/** Removes a container (and its anonymous volumes); one already gone, or being removed, is fine. */
export async function removeContainer(docker: Docker, id: string): Promise<void> {
  await dockerCall(`remove container ${id}`, async () => {
    try {
      await docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      if (dockerStatus(err) !== 404 && dockerStatus(err) !== 409) throw err;
    }
  });
}

/** Stops and removes the run's container(s): for a real cancel. Idempotent. */
export async function stopAgentContainer(runId: string, docker: Docker = dockerClient()): Promise<number> {
  const found = await listAgentContainers({ runId }, docker);
  await Promise.all(found.map((c) => stopAndRemove(docker, c.Id)));
  return found.length;
}

/** Stops and removes every container of a run group. Idempotent; returns how many there were. */
export async function removeGroupContainers(groupId: string, docker: Docker = dockerClient()): Promise<number> {
  const found = await listAgentContainers({ groupId }, docker);
  await Promise.all(found.map((c) => stopAndRemove(docker, c.Id)));
  return found.length;
}
