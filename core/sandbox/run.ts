/**
 * Runs an agent's container to its end, surviving the caller's crashes: every call first looks
 * the run's container up by label, so a retry re-attaches to a running container (never a
 * second one), collects an exited one, and trusts the saved result once the container is gone.
 * A container that an earlier try saw running but that is now gone with no saved result is said
 * (AgentContainerVanishedError), never silently replaced.
 * The agent writes into the run's scratch space (scratch.ts); once its container has stopped, that
 * is copied into the run folder (never following a symlink), then unmounted: on every ending.
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { readJsonIfExists, writeJsonAtomic } from '../artifacts/atomic';
import { log } from '../log';
import { LABELS, STOP_GRACE_SECS, dockerClient, listAgentContainers, pingDocker, removeContainer } from './docker';
import { AgentContainerVanishedError, InfraError, SandboxAbortedError, dockerCall, dockerStatus } from './errors';
import { ensureAgentImage } from './images';
import { ensureMlebenchAgentImage } from './mlebenchImages';
import { ensureFreeDisk } from './disk';
import { followLogs } from './logs';
import { copyOutScratch, openScratch, releaseScratch } from './scratch';
import {
  DEADLINE_EXIT_CODE,
  containerCreateOptions,
  defaultInstructionsFile,
  defaultSandboxLimits,
  runPaths,
  type ImageCommand,
} from './spec';
import type { AgentContainerProgress, AgentContainerRequest, AgentContainerResult } from './types';

export interface RunAgentContainerOptions {
  /** Stops the waiting (not the container): see SandboxAbortedError. */
  signal?: AbortSignal;
  /** Called on attach and then at least every `progressIntervalMs` while the container runs. */
  onProgress?: (p: AgentContainerProgress) => void;
  progressIntervalMs?: number;
  docker?: Docker;
  /**
   * When this resolves (an LLM agent's budget ran out), the agent gets `graceMs` more to write its
   * submission and exit, then is stopped like at its time limit (result `stoppedForBudget`).
   */
  stopEarly?: { when: Promise<unknown>; graceMs: number };
  /**
   * The container an earlier try of this step started and watched (its last heartbeat). Gone with
   * no saved result, it was removed unwatched: AgentContainerVanishedError, never a fresh start.
   */
  startedBefore?: AgentContainerProgress;
}

/** What the harness keeps of a finished container once the container itself is removed. */
interface ContainerRecord {
  runId: string;
  containerName: string;
  image: string;
  result: AgentContainerResult;
}

/** A container that exited this long after its deadline ran past its limit unwatched. */
const OVERRUN_TOLERANCE_MS = (STOP_GRACE_SECS + 5) * 1000;

export async function runAgentContainer(req: AgentContainerRequest, opts: RunAgentContainerOptions = {}): Promise<AgentContainerResult> {
  const docker = opts.docker ?? dockerClient();
  const paths = runPaths(req.runDir);
  throwIfAborted(opts.signal, req.runId);
  await pingDocker(docker);

  let container: Docker.Container;
  let reattached: boolean;
  const found = await findRunContainer(docker, req.runId, req.attempt ?? 0);
  if (found) {
    container = docker.getContainer(found.Id);
    reattached = true;
    // Still mounted after a worker crash; remounted from its image after a reboot.
    await openScratch(req.runDir, { create: false, ...limitsOf(req) });
  } else {
    const record = await readJsonIfExists<ContainerRecord>(paths.result);
    if (record) {
      if (record.runId !== req.runId) throw new InfraError(`${paths.result} belongs to run "${record.runId}", not "${req.runId}"`);
      log.info(
        { runId: req.runId, containerId: record.result.containerId },
        'container already finished and removed: using its saved result',
      );
      await releaseScratch(req.runDir); // copied out before the record was saved
      return record.result;
    }
    if (opts.startedBefore) {
      const { containerId, elapsedSecs } = opts.startedBefore;
      await keepPartialWork(req);
      throw new AgentContainerVanishedError(req.runId, { containerId, lastSeenElapsedSecs: elapsedSecs });
    }
    ({ container, reattached } = await createContainer(docker, req));
  }

  let info = await inspect(container);
  if (info.State.Status === 'created') {
    // Created by an attempt that died before starting it: start it now (it never ran).
    await startContainer(container);
    info = await inspect(container);
  }
  log.info({ runId: req.runId, containerId: info.Id, reattached, state: info.State.Status }, 'agent container attached');

  const logs = await followLogs(docker, container, paths.agentLog, limitsOf(req).logBytes);
  let stopped: Stopped = false;
  try {
    stopped = await waitForExit(container, info, req, reattached, opts);
  } catch (err) {
    logs.detach();
    throw err;
  }
  const logStats = await logs.drained();

  const final = await inspectIfExists(container);
  if (!final) {
    // Another attempt raced us to the end and already saved the result and removed the container.
    const record = await readJsonIfExists<ContainerRecord>(paths.result);
    if (record?.runId === req.runId) return record.result;
    throw new InfraError(`container ${info.Id} of run ${req.runId} disappeared before its result was saved`);
  }
  info = final;
  // The container has stopped: nothing changes in the scratch space any more. Copy it out for the grader.
  const copied = await copyOutScratch(req.runDir);
  const result = resultOf(info, req, { reattached, stopped });
  if (logStats.droppedBytes > 0) result.agentLogDroppedBytes = logStats.droppedBytes;
  if (copied.notCopiedCount > 0) {
    result.notCopied = copied.notCopied;
    if (copied.notCopiedCount > copied.notCopied.length)
      result.notCopied.push(`... and ${copied.notCopiedCount - copied.notCopied.length} more`);
  }
  const record: ContainerRecord = { runId: req.runId, containerName: info.Name.replace(/^\//, ''), image: req.agent.image, result };
  try {
    await writeJsonAtomic(paths.result, record);
  } catch (err) {
    throw new InfraError(`cannot save the container result to ${paths.result}: ${(err as Error).message}`, { cause: err });
  }
  await removeContainer(docker, info.Id);
  await releaseScratch(req.runDir);
  log.info({ runId: req.runId, ...result, copied: { files: copied.files, bytes: copied.bytes } }, 'agent container finished');
  return result;
}

/** What the agent of a vanished container wrote so far stays in the run folder, as after any stop. */
async function keepPartialWork(req: AgentContainerRequest): Promise<void> {
  try {
    await openScratch(req.runDir, { create: false, ...limitsOf(req) });
    await copyOutScratch(req.runDir);
  } catch (err) {
    log.warn({ runId: req.runId, error: (err as Error).message }, "cannot copy out the vanished container's scratch space");
  }
  await releaseScratch(req.runDir);
}

async function findRunContainer(docker: Docker, runId: string, attempt: number): Promise<Docker.ContainerInfo | undefined> {
  // Only this attempt's container: a retry never re-attaches to the one killed before it.
  const found = (await listAgentContainers({ runId }, docker)).filter((c) => (c.Labels[LABELS.attempt] ?? '0') === String(attempt));
  if (found.length > 1) {
    // Cannot happen through this module (the name is unique per run); prefer a running one.
    log.warn({ runId, ids: found.map((c) => c.Id) }, 'several containers carry this run id');
  }
  return found.find((c) => c.State === 'running') ?? found[0];
}

async function createContainer(docker: Docker, req: AgentContainerRequest): Promise<{ container: Docker.Container; reattached: boolean }> {
  if (req.agent.mlebench)
    await ensureMlebenchAgentImage(req.agent, { docker, onLog: (line) => log.info({ runId: req.runId }, line.trim()) });
  else await ensureAgentImage(req.agent, docker);
  const instructionsFile = req.instructionsFile ?? defaultInstructionsFile(req.agent);
  for (const [what, p] of [
    ['public data folder', req.publicDataDir],
    ['instructions file', instructionsFile],
  ] as const) {
    if (!existsSync(p)) throw new InfraError(`${what} ${p} does not exist (run ${req.runId})`);
  }
  const limits = limitsOf(req);
  const options = containerCreateOptions(req, { instructionsFile, limits, image: await imageCommand(docker, req.agent.image) });
  await ensureFreeDisk(req.runDir); // refuse (InfraError) rather than start an agent on a full disk
  try {
    await openScratch(req.runDir, { create: true, ...limits });
    const container = await docker.createContainer(options);
    try {
      await startContainer(container);
    } catch (err) {
      await removeContainer(docker, container.id); // never started: nothing of the agent's is lost
      await releaseScratch(req.runDir);
      throw err;
    }
    return { container, reattached: false };
  } catch (err) {
    // 409: another attempt created it between our lookup and now; the name makes it the same run.
    if (dockerStatus(err) === 409) return { container: await awaitNamedContainer(docker, options.name!), reattached: true };
    if (err instanceof InfraError) throw err;
    throw new InfraError(`docker: create container ${options.name} from ${req.agent.image}: ${(err as Error).message}`, { cause: err });
  }
}

async function imageCommand(docker: Docker, image: string): Promise<ImageCommand> {
  const info = await dockerCall(`inspect image ${image}`, () => docker.getImage(image).inspect());
  return { entrypoint: info.Config.Entrypoint as string[] | null | undefined, cmd: info.Config.Cmd };
}

/** Starts a container; one already started (by a concurrent attempt) is fine. */
async function startContainer(container: Docker.Container): Promise<void> {
  await dockerCall(`start container ${container.id}`, async () => {
    try {
      await container.start();
    } catch (err) {
      if (dockerStatus(err) !== 304) throw err;
    }
  });
}

/**
 * The container a concurrent attempt is creating: Docker reserves the name (our 409) a moment
 * before the container can be inspected, so wait for it, briefly.
 */
async function awaitNamedContainer(docker: Docker, name: string): Promise<Docker.Container> {
  const container = docker.getContainer(name);
  for (let i = 0; i < 50; i++) {
    if (await inspectIfExists(container)) return container;
    await sleep(100);
  }
  throw new InfraError(`container ${name} is reserved by another attempt but did not appear within 5s`);
}

function limitsOf(req: AgentContainerRequest) {
  return { ...defaultSandboxLimits(), ...req.limits };
}

async function inspect(container: Docker.Container): Promise<Docker.ContainerInspectInfo> {
  return dockerCall(`inspect container ${container.id}`, () => container.inspect());
}

/** Undefined when the container is gone (removed by a concurrent attempt or a cancel). */
async function inspectIfExists(container: Docker.Container): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await inspect(container);
  } catch (err) {
    if (isGone(err)) return undefined;
    throw err;
  }
}

function isGone(err: unknown): boolean {
  return dockerStatus(err) === 404 || (err instanceof InfraError && dockerStatus(err.cause) === 404);
}

/** Why the harness stopped the container, or false when it exited by itself. */
type Stopped = false | 'time_limit' | 'budget';

/**
 * Waits for the container to exit, reporting progress, and stops it at its deadline, measured
 * from its own start so that re-attaching does not reset the clock (or earlier: `stopEarly`).
 * Says whether, and why, the harness stopped it.
 */
async function waitForExit(
  container: Docker.Container,
  info: Docker.ContainerInspectInfo,
  req: AgentContainerRequest,
  reattached: boolean,
  opts: RunAgentContainerOptions,
): Promise<Stopped> {
  const startedMs = Date.parse(info.State.StartedAt);
  const limitDeadline = startedMs + req.timeLimitSecs * 1000;
  let deadline = limitDeadline;
  let why = 'time_limit' as Stopped;
  void opts.stopEarly?.when.then(() => {
    const early = Date.now() + opts.stopEarly!.graceMs;
    if (early < deadline) {
      deadline = early;
      why = 'budget';
      log.info({ runId: req.runId, graceMs: opts.stopEarly!.graceMs }, 'LLM budget exhausted: the agent has a grace period to finish');
    }
  });
  const interval = opts.progressIntervalMs ?? 5000;
  const progress = () => opts.onProgress?.({ containerId: info.Id, elapsedSecs: Math.max(0, (Date.now() - startedMs) / 1000), reattached });

  if (!info.State.Running) return false;
  const stop = new AbortController(); // ends our wait request and timers, never the container
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const exited = dockerCall(`wait for container ${info.Id}`, () =>
    container.wait({ condition: 'not-running', abortSignal: stop.signal }),
  ).then(
    () => 'exited' as const,
    (err: unknown) => {
      if (stop.signal.aborted) return 'aborted' as const; // our own abort, not Docker failing
      if (isGone(err)) return 'exited' as const; // removed by a concurrent attempt: it has ended
      throw err;
    },
  );
  exited.catch(() => undefined); // a Docker failure after we stopped racing it must not go unhandled
  try {
    while (true) {
      throwIfAborted(opts.signal, req.runId);
      const now = Date.now();
      if (now >= deadline) break;
      progress();
      const tick = sleep(Math.min(interval, deadline - now), 'tick' as const, { signal: stop.signal }).catch(() => 'aborted' as const);
      if ((await Promise.race([exited, tick])) === 'exited') return false;
    }
    // At the deadline: the agent may have finished just now; otherwise stop it.
    const current = await inspectIfExists(container);
    if (!current?.State.Running) return false;
    log.info(
      { runId: req.runId, containerId: info.Id, timeLimitSecs: req.timeLimitSecs, why },
      `${why === 'budget' ? 'LLM budget exhausted' : 'time limit reached'}: stopping the agent container`,
    );
    await dockerCall(`stop container ${info.Id}`, async () => {
      try {
        await container.stop({ t: STOP_GRACE_SECS });
      } catch (err) {
        if (dockerStatus(err) !== 304) throw err;
      }
    });
    return why;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    stop.abort();
  }
}

function resultOf(
  info: Docker.ContainerInspectInfo,
  req: AgentContainerRequest,
  how: { reattached: boolean; stopped: Stopped },
): AgentContainerResult {
  const { State } = info;
  const deadline = Date.parse(State.StartedAt) + req.timeLimitSecs * 1000;
  const finished = Date.parse(State.FinishedAt);
  // Ended by its own clock (init.ts) past the limit, with no worker there to stop it: a timeout.
  const endedByItsClock = State.ExitCode === DEADLINE_EXIT_CODE && finished >= deadline;
  const overran = finished > deadline + OVERRUN_TOLERANCE_MS || endedByItsClock;
  return {
    containerId: info.Id,
    exitCode: how.stopped ? null : State.ExitCode,
    startedAt: State.StartedAt,
    finishedAt: State.FinishedAt,
    timedOut: how.stopped === 'time_limit' || overran,
    oomKilled: State.OOMKilled,
    reattached: how.reattached,
    ...(how.stopped === 'budget' ? { stoppedForBudget: true } : {}),
  };
}

function throwIfAborted(signal: AbortSignal | undefined, runId: string): void {
  if (signal?.aborted) {
    throw new SandboxAbortedError(`stopped waiting for the agent container of ${runId} (it keeps running)`, { cause: signal.reason });
  }
}
