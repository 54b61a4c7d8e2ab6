/**
 * Errors of the sandbox, by class name: Temporal turns a thrown Error subclass into an
 * ApplicationFailure whose type is that name, so activities can classify them.
 */
import { PermanentError } from '../errors';
import type { VanishedContainer } from '../runs/types';
import { FAILURE_TYPES } from '../../temporal/contract';

/**
 * The infrastructure failed (Docker not answering, an image missing, a disk error): never the
 * agent's failure, and not its success either.
 */
export class InfraError extends Error {
  override name = 'InfraError';
}

/**
 * The caller's AbortSignal fired while waiting on a container. The container is left running:
 * the caller stops it (a real cancel) or leaves it for the next attempt to re-attach to.
 */
export class SandboxAbortedError extends Error {
  override name = 'AbortError';
}

/**
 * A re-attaching try found neither the run's started container nor its saved result: it was
 * removed while no worker watched it. Not retried: a fresh container would start the agent's clock
 * again with a new full time limit and hide the lost work; the run ends `infra_error`, saying so.
 */
export class AgentContainerVanishedError extends PermanentError {
  override name = FAILURE_TYPES.containerVanished;
  /** Travels with the failure (its details) for the workflow to record. */
  override readonly details: VanishedContainer;

  constructor(runId: string, vanished: VanishedContainer) {
    super(
      `the agent container ${vanished.containerId} of run ${runId} disappeared while no worker watched it ` +
        `(no container and no saved result; last seen after ${Math.round(vanished.lastSeenElapsedSecs)} s of work): ` +
        `not starting a fresh one with a new full time limit`,
    );
    this.details = vanished;
  }
}

interface DockerodeError {
  statusCode?: number;
  code?: string;
  reason?: string;
  json?: { message?: string } | null;
}

/** The HTTP status of a Docker API error (404, 409, 304...), if it is one. */
export function dockerStatus(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null ? (err as DockerodeError).statusCode : undefined;
}

/** The Docker engine's own message rather than dockerode's "(HTTP code 404) no such container - ...". */
export function dockerMessage(err: unknown): string {
  if (typeof err !== 'object' || err === null) return String(err);
  const e = err as DockerodeError & { message?: string };
  return e.json?.message ?? e.message ?? e.reason ?? 'unknown Docker error';
}

/** Runs one Docker call and turns any failure into an InfraError that says what was being done. */
export async function dockerCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InfraError || err instanceof SandboxAbortedError) throw err;
    throw new InfraError(`docker: ${what}: ${dockerMessage(err)}`, { cause: err });
  }
}
