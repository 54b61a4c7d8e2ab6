/**
 * Errors of the sandbox, by class name: Temporal turns a thrown Error subclass into an
 * ApplicationFailure whose type is that name, so activities can classify them.
 */

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
