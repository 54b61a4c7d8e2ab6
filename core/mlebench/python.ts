/**
 * Runs an MLE-bench checkout's own Python functions (a competition's `prepare` and `grade`) in a
 * container of the harness's base image (python3, numpy, pandas, scipy, scikit-learn), through
 * our driver (core/mlebench/driver.py, whose docstring is the contract):
 *
 * - the checkout mounted read-only at /mlebench-repo and on PYTHONPATH, the driver read-only at
 *   /mlebench-driver/driver.py, and only the files the call needs (for grading: the submission's
 *   copy and the answers, read-only; for preparing: raw/, public/ and private/, writable, since
 *   MLE-bench's prepare functions extract nested archives into raw/);
 * - no network, a non-root user, no capabilities, no new privileges, a read-only root with a
 *   small /tmp, memory (MLEBENCH_AGENT_MEMORY) and pids limits like an agent's sandbox;
 * - a time limit enforced by the container's PID 1 (the sandbox's init.ts, which the checkout's
 *   code, running as the same uid, can neither stop nor kill), so a container left by a crashed
 *   worker still ends and a wait for it is bounded; the container is removed once its output is read, and one left
 *   by a crashed worker is removed by the next call, ten minutes after it ended.
 *
 * The driver prints one JSON line; everything else the functions print is kept for errors.
 */
import path from 'node:path';
import type Docker from 'dockerode';
import { REPO_ROOT, environment } from '../config';
import { dockerClient } from '../sandbox/docker';
import { InfraError, dockerCall, dockerStatus } from '../sandbox/errors';
import { baseImageTag } from '../sandbox/imageTags';
import { DEADLINE_EXIT_CODE, deadlineEntrypoint, defaultSandboxLimits } from '../sandbox/spec';
import { AGENT_GID, AGENT_UID } from '../sandbox/user';
import { PermanentError } from '../errors';

export const DRIVER_PATH = path.join(REPO_ROOT, 'core', 'mlebench', 'driver.py');
const RESULT_MARKER = 'MLEBENCH_DRIVER_RESULT ';
const REPO_TARGET = '/mlebench-repo';
const DRIVER_TARGET = '/mlebench-driver/driver.py';
/** Label of the harness's own Python containers (never an agent's). */
export const PYTHON_LABEL = 'mlebench.harness-python';
/** The process that started it. */
export const PYTHON_PID_LABEL = 'mlebench.harness-python.pid';
/** Output kept for error messages. */
const MAX_LOG_CHARS = 64 * 1024;

export type DriverResult =
  | { ok: true; score?: number }
  | { ok: false; kind: 'invalid_submission' | 'grader_error' | 'import_error' | 'prepare_error'; error: string; traceback?: string };

/** The checkout's function could not run (import failed, the container died): the harness's problem, never the agent's. */
export class MleBenchPythonError extends PermanentError {
  override readonly name = 'MleBenchPythonError';
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

export interface DriverMount {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface RunDriverOptions {
  checkoutRoot: string;
  /** The files and folders the call needs, besides the checkout and the driver. */
  mounts: DriverMount[];
  timeoutSecs: number;
  /** What the container does, for its label and for messages ("grade spaceship-titanic"). */
  purpose: string;
  image?: string;
  docker?: Docker;
}

/** The container user: the base image's unprivileged user, or our own uid when we are not root (so outputs stay ours). */
function containerUser(): string {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  return uid === undefined || uid === 0 ? `${AGENT_UID}:${AGENT_GID}` : `${uid}:${gid}`;
}

/** The uid and gid the container writes as, for preparing the folders it writes into. */
export function containerOwner(): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? { uid: AGENT_UID, gid: AGENT_GID } : undefined;
}

/** Docker's multiplexed log stream (8-byte frame headers) to text. */
function demux(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  if (offset === 0 && buffer.length > 0) return buffer.toString('utf8');
  return Buffer.concat(parts).toString('utf8');
}

function tail(text: string, max = 2000): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `…${trimmed.slice(-max)}` : trimmed;
}

export function parseDriverOutput(output: string): DriverResult | undefined {
  const line = output
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(RESULT_MARKER));
  if (!line) return undefined;
  try {
    return JSON.parse(line.slice(RESULT_MARKER.length)) as DriverResult;
  } catch {
    return undefined;
  }
}

/** An exited Python container this old was left by a worker that died before removing it. */
const STALE_CONTAINER_MS = 10 * 60 * 1000;

/** Removes the harness's exited Python containers left by crashed workers (best effort). */
export async function removeStalePythonContainers(
  docker: Docker = dockerClient(),
  { now = Date.now(), label = PYTHON_LABEL }: { now?: number; label?: string } = {},
): Promise<number> {
  let removed = 0;
  try {
    const exited = await docker.listContainers({ all: true, filters: { label: [label], status: ['exited', 'dead', 'created'] } });
    for (const info of exited) {
      const state = (await docker.getContainer(info.Id).inspect()).State;
      const since = Date.parse(
        state.FinishedAt && !state.FinishedAt.startsWith('0001') ? state.FinishedAt : new Date(info.Created * 1000).toISOString(),
      );
      if (now - since < STALE_CONTAINER_MS) continue;
      await docker.getContainer(info.Id).remove({ force: true });
      removed += 1;
    }
  } catch {
    // Another worker removed it first, or Docker is busy: the next call tries again.
  }
  return removed;
}

/** Runs the driver with one request; returns its result and its other output. */
export async function runDriver(
  request: Record<string, unknown>,
  opts: RunDriverOptions,
): Promise<{ result: DriverResult; output: string }> {
  const docker = opts.docker ?? dockerClient();
  const image = opts.image ?? baseImageTag();
  const present = await docker
    .getImage(image)
    .inspect()
    .then(
      () => true,
      (err: unknown) => {
        if (dockerStatus(err) === 404) return false;
        throw new InfraError(`docker: inspect image ${image}: ${(err as Error).message}`, { cause: err });
      },
    );
  if (!present) {
    throw new InfraError(
      `image ${image} (the harness's base image, which runs MLE-bench's Python) not found: run "bash scripts/setup.sh" (or "mlebench images")`,
    );
  }
  await removeStalePythonContainers(docker);
  const limits = defaultSandboxLimits();
  const bind = (m: DriverMount) => ({ Type: 'bind' as const, Source: path.resolve(m.source), Target: m.target, ReadOnly: m.readOnly });
  const container = await dockerCall(`create the Python container to ${opts.purpose}`, () =>
    docker.createContainer({
      Image: image,
      Entrypoint: deadlineEntrypoint(Math.max(1, Math.ceil(opts.timeoutSecs))),
      Cmd: ['python3', DRIVER_TARGET, JSON.stringify(request)],
      Env: [`PYTHONPATH=${REPO_TARGET}`, 'PYTHONDONTWRITEBYTECODE=1', 'PYTHONUNBUFFERED=1', 'HOME=/tmp', 'MPLCONFIGDIR=/tmp'],
      Labels: { [PYTHON_LABEL]: opts.purpose, [PYTHON_PID_LABEL]: String(process.pid) },
      User: containerUser(),
      WorkingDir: '/tmp',
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: 'none',
        Mounts: [
          bind({ source: opts.checkoutRoot, target: REPO_TARGET, readOnly: true }),
          bind({ source: DRIVER_PATH, target: DRIVER_TARGET, readOnly: true }),
          ...opts.mounts.map(bind),
        ],
        Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${limits.tmpBytes},mode=1777` },
        ReadonlyRootfs: true,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        PidsLimit: Math.min(limits.pidsLimit, 512),
        Memory: limits.memoryBytes,
        MemorySwap: limits.memoryBytes,
        ...(limits.nanoCpus ? { NanoCpus: limits.nanoCpus } : {}),
        IpcMode: 'private',
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '1' } },
        RestartPolicy: { Name: 'no' },
        AutoRemove: false,
      },
    }),
  );
  try {
    await dockerCall(`start the Python container to ${opts.purpose}`, () => container.start());
    const waited = (await dockerCall(`wait for the Python container to ${opts.purpose}`, () => container.wait())) as { StatusCode: number };
    const raw: unknown = await dockerCall(`read the output of the Python container to ${opts.purpose}`, () =>
      container.logs({ stdout: true, stderr: true, follow: false }),
    );
    const output = demux(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    const kept = output.length > MAX_LOG_CHARS ? output.slice(-MAX_LOG_CHARS) : output;
    const result = parseDriverOutput(output);
    if (!result) {
      const inspect = await container.inspect().catch(() => undefined);
      const why = inspect?.State?.OOMKilled
        ? `it ran out of memory (${Math.round(limits.memoryBytes / 2 ** 20)} MiB; raise MLEBENCH_AGENT_MEMORY)`
        : waited.StatusCode === DEADLINE_EXIT_CODE
          ? `it was stopped at its time limit (${opts.timeoutSecs} s)`
          : waited.StatusCode === 137
            ? `it was killed (time limit ${opts.timeoutSecs} s, or memory)`
            : `it exited with code ${waited.StatusCode} without a result`;
      throw new MleBenchPythonError(`MLE-bench's Python could not ${opts.purpose}: ${why}; output: ${tail(output)}`, kept);
    }
    if (!result.ok && result.kind === 'import_error') {
      throw new MleBenchPythonError(
        `MLE-bench's Python could not ${opts.purpose}: ${result.error}${result.traceback ? `\n${tail(result.traceback)}` : ''}`,
        kept,
      );
    }
    return { result, output: kept };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

function secsFromEnv(name: string, fallback: number): number {
  const v = environment()[name];
  if (!v) return fallback;
  const n = Number(v);
  if (!(n > 0)) throw new Error(`${name} must be a positive number of seconds, not "${v}"`);
  return n;
}

/** Time limits: below the prepare (30 min) and grade (10 min) steps' own timeouts. */
export const prepareTimeoutSecs = () => secsFromEnv('MLEBENCH_PYTHON_PREPARE_SECS', 25 * 60);
export const gradeTimeoutSecs = () => secsFromEnv('MLEBENCH_PYTHON_GRADE_SECS', 8 * 60);

/** `prepare(raw=…, public=…, private=…)` of the checkout, writing into `publicDir` and `privateDir`. */
export async function runCheckoutPrepare(
  spec: { checkoutRoot: string; preparer: string; id: string },
  dirs: { rawDir: string; publicDir: string; privateDir: string },
  opts: { docker?: Docker; timeoutSecs?: number } = {},
): Promise<void> {
  const { result } = await runDriver(
    { op: 'prepare', fn: spec.preparer, raw: '/data/raw', public: '/data/public', private: '/data/private' },
    {
      checkoutRoot: spec.checkoutRoot,
      mounts: [
        // Writable: MLE-bench's prepare functions extract nested archives into raw/ (aerial-cactus-identification, jigsaw-…, leaf-classification...).
        { source: dirs.rawDir, target: '/data/raw', readOnly: false },
        { source: dirs.publicDir, target: '/data/public', readOnly: false },
        { source: dirs.privateDir, target: '/data/private', readOnly: false },
      ],
      timeoutSecs: opts.timeoutSecs ?? prepareTimeoutSecs(),
      purpose: `prepare ${spec.id}`,
      docker: opts.docker,
    },
  );
  if (!result.ok) {
    throw new MleBenchPythonError(
      `${spec.preparer} failed: ${result.error}${result.traceback ? `\n${tail(result.traceback)}` : ''}`,
      result.traceback ?? '',
    );
  }
}

export type GraderOutcome = { valid: true; score: number } | { valid: false; reason: string };

/** `grade(submission, answers)` of the checkout on one submission (a file the harness owns). */
export async function runCheckoutGrader(
  spec: { checkoutRoot: string; gradeFn: string; id: string },
  files: { submissionFile: string; answersFile: string },
  opts: { docker?: Docker; timeoutSecs?: number } = {},
): Promise<GraderOutcome> {
  const answersTarget = `/grade/answers${path.extname(files.answersFile)}`;
  const { result } = await runDriver(
    { op: 'grade', fn: spec.gradeFn, submission: '/grade/submission.csv', answers: answersTarget },
    {
      checkoutRoot: spec.checkoutRoot,
      mounts: [
        { source: files.submissionFile, target: '/grade/submission.csv', readOnly: true },
        { source: files.answersFile, target: answersTarget, readOnly: true },
      ],
      timeoutSecs: opts.timeoutSecs ?? gradeTimeoutSecs(),
      purpose: `grade ${spec.id}`,
      docker: opts.docker,
    },
  );
  if (result.ok) {
    if (typeof result.score !== 'number' || !Number.isFinite(result.score)) {
      throw new MleBenchPythonError(`the driver returned no score for ${spec.id}`, JSON.stringify(result));
    }
    return { valid: true, score: result.score };
  }
  return {
    valid: false,
    reason: result.kind === 'invalid_submission' ? `invalid submission: ${result.error}` : `the grader failed: ${result.error}`,
  };
}
