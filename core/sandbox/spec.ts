/**
 * What an agent container is: its name, labels, mounts, environment and limits, from a request.
 * Pure (no Docker calls), so the sandbox's rules can be read, and tested, in one place.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type Docker from 'dockerode';
import { harnessPaths, environment, type Env } from '../config';
import { INIT_SOURCE } from './init';
import { LABELS, STOP_GRACE_SECS } from './docker';
import { TIMEOUTS } from '../../temporal/contract';
import type { AgentContainerRequest, SandboxLimits } from './types';

import { AGENT_GID, AGENT_UID } from './user';
import { scratchPaths } from './scratch';
import { MLEBENCH_ENV_DIR } from './imageTags';

export { AGENT_GID, AGENT_UID };
const GIB = 1024 ** 3;

/** The run folder's parts the container sees, and the harness's own files. */
export function runPaths(runDir: string) {
  const logs = path.join(runDir, 'logs');
  return {
    submission: path.join(runDir, 'submission'),
    code: path.join(runDir, 'code'),
    logs,
    /** The container's stdout+stderr, rewritten from Docker's copy on every attach (host side: the agent cannot write it). */
    agentLog: path.join(logs, 'agent.log'),
    /**
     * The agent's writable folders while it runs (`scratch`/{submission,code,logs}), copied out
     * into the three folders above once the container has stopped: see scratch.ts.
     */
    ...scratchPaths(runDir),
    /**
     * The container's result, kept outside every folder the agent can write to, so an agent
     * cannot plant a result for a later attempt to trust.
     */
    result: path.join(runDir, 'container.json'),
  };
}

/** Ours, or for an agent in MLE-bench's format mlebench-env's, which speaks of its tools (/home/validate_submission.sh). */
export function defaultInstructionsFile(agent?: Pick<AgentContainerRequest['agent'], 'mlebench'>): string {
  if (agent?.mlebench) return path.join(MLEBENCH_ENV_DIR, 'instructions.txt');
  return path.join(harnessPaths().agentsDir, 'instructions.txt');
}

/** "4g", "512m", "1.5GiB", or a number of bytes. */
export function parseBytes(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value);
  if (!m) throw new Error(`not a size: "${value}" (use e.g. 4g, 512m or a number of bytes)`);
  const power = ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
  return Math.round(Number(m[1]) * 1024 ** power);
}

/**
 * Defaults, overridable per machine: MLEBENCH_AGENT_MEMORY (e.g. 8g), MLEBENCH_AGENT_CPUS,
 * MLEBENCH_AGENT_PIDS, MLEBENCH_AGENT_DISK (the run folders' scratch filesystem, e.g. 20g),
 * MLEBENCH_AGENT_FILES (its inode count, and each tmpfs's), MLEBENCH_AGENT_LOG_MAX (the cap
 * of logs/agent.log, default 64m) and MLEBENCH_AGENT_DEADLINE_GRACE (seconds past the time limit
 * at which the container ends itself when no worker stopped it, default 60).
 */
export function defaultSandboxLimits(env: Env = environment()): SandboxLimits {
  const cpus = env.MLEBENCH_AGENT_CPUS ? Number(env.MLEBENCH_AGENT_CPUS) : undefined;
  if (cpus !== undefined && !(cpus > 0)) throw new Error(`MLEBENCH_AGENT_CPUS must be a positive number, not "${env.MLEBENCH_AGENT_CPUS}"`);
  const pids = env.MLEBENCH_AGENT_PIDS ? Number(env.MLEBENCH_AGENT_PIDS) : 1024;
  if (!Number.isInteger(pids) || pids < 16)
    throw new Error(`MLEBENCH_AGENT_PIDS must be an integer >= 16, not "${env.MLEBENCH_AGENT_PIDS}"`);
  const files = env.MLEBENCH_AGENT_FILES ? Number(env.MLEBENCH_AGENT_FILES) : 200_000;
  if (!Number.isInteger(files) || files < 1000)
    throw new Error(`MLEBENCH_AGENT_FILES must be an integer >= 1000, not "${env.MLEBENCH_AGENT_FILES}"`);
  let logBytes = 64 * 1024 ** 2;
  try {
    if (env.MLEBENCH_AGENT_LOG_MAX) logBytes = parseBytes(env.MLEBENCH_AGENT_LOG_MAX);
  } catch (err) {
    throw new Error(`MLEBENCH_AGENT_LOG_MAX: ${(err as Error).message}`, { cause: err });
  }
  const grace = env.MLEBENCH_AGENT_DEADLINE_GRACE ? Number(env.MLEBENCH_AGENT_DEADLINE_GRACE) : 60;
  if (!(grace >= 0))
    throw new Error(`MLEBENCH_AGENT_DEADLINE_GRACE must be a number of seconds >= 0, not "${env.MLEBENCH_AGENT_DEADLINE_GRACE}"`);
  if (logBytes < 4096) throw new Error(`MLEBENCH_AGENT_LOG_MAX must be at least 4k, not "${env.MLEBENCH_AGENT_LOG_MAX}"`);
  return {
    memoryBytes: env.MLEBENCH_AGENT_MEMORY ? parseBytes(env.MLEBENCH_AGENT_MEMORY) : 4 * GIB,
    diskBytes: env.MLEBENCH_AGENT_DISK ? parseBytes(env.MLEBENCH_AGENT_DISK) : 20 * GIB,
    files,
    pidsLimit: pids,
    nanoCpus: cpus === undefined ? undefined : Math.round(cpus * 1e9),
    tmpBytes: 1 * GIB,
    homeBytes: GIB / 2,
    logBytes,
    deadlineGraceSecs: grace,
  };
}

/**
 * A stable, valid Docker name for a run: the sanitised run id (readable in `docker ps`) plus a
 * hash of the exact id (distinct runs never collide after sanitising or truncating).
 */
export function containerName(runId: string, attempt = 0): string {
  const readable = runId
    .replace(/[^a-zA-Z0-9_.-]+/g, '-')
    .replace(/^[^a-zA-Z0-9]+/, '')
    .slice(0, 100)
    .replace(/[-_.]+$/, '');
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 8);
  return `mlebench-${readable ? `${readable}-` : ''}${hash}${attempt > 0 ? `-retry${attempt}` : ''}`;
}

/**
 * Only these reach the container: the contract's three variables (and TECHNIQUE_TASK on a
 * technique run, STEP_LIMIT when the run sets one, an LLM agent's gateway token and URL) and the
 * variant's env, never the host's.
 */
export function containerEnv(req: AgentContainerRequest): string[] {
  const env: Record<string, string> = {
    ...req.agent.env,
    COMPETITION_ID: req.competitionId,
    TIME_LIMIT_SECS: String(req.timeLimitSecs),
    SEED: String(req.seed),
    ...(req.techniqueTask ? { TECHNIQUE_TASK: req.techniqueTask } : {}),
    ...(req.stepLimit ? { STEP_LIMIT: String(req.stepLimit) } : {}),
    ...req.llm?.env,
  };
  // An MLE-bench agent's `${{ secrets.OPENAI_API_KEY }}` variables: the run's gateway token, never a real key.
  const token = req.llm?.env.OPENAI_API_KEY;
  for (const name of req.agent.mlebench?.tokenEnv ?? []) if (token) env[name] = token;
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

export function containerLabels(req: AgentContainerRequest): Record<string, string> {
  return {
    [LABELS.group]: req.groupId,
    [LABELS.run]: req.runId,
    [LABELS.competition]: req.competitionId,
    [LABELS.agent]: req.agent.id,
    [LABELS.seed]: String(req.seed),
    ...(req.attempt ? { [LABELS.attempt]: String(req.attempt) } : {}),
    ...(req.host ? { [LABELS.host]: req.host } : {}),
    // The agent step's own bound (temporal/contract.ts): no worker waits on the container past it.
    [LABELS.deadline]: String(req.timeLimitSecs + TIMEOUTS.agentGraceSecs),
  };
}

export { INIT_SOURCE };
/** init.ts's exit code when it ended the container at its deadline (timeout(1)'s). */
export const DEADLINE_EXIT_CODE = 124;

/**
 * An entrypoint that runs the command after it under init.ts as PID 1, which ends the container
 * `deadlineSecs` after it started (SIGTERM to all, SIGKILL `STOP_GRACE_SECS` later, exit 124)
 * whether or not any worker is watching. Needs python3 on the image's PATH.
 */
export function deadlineEntrypoint(deadlineSecs: number): string[] {
  return ['python3', '-I', '-c', INIT_SOURCE, String(deadlineSecs), String(STOP_GRACE_SECS), '--'];
}

/** What the agent's image would run: its entrypoint (less tini, which init.ts replaces as PID 1) and command. */
export interface ImageCommand {
  entrypoint: string[] | null | undefined;
  cmd: string[] | null | undefined;
}

/** The command init.ts runs: the image's entrypoint without tini, then the variant's command or the image's. */
export function agentCommand(req: AgentContainerRequest, image: ImageCommand): string[] {
  let entrypoint = image.entrypoint ?? [];
  if (entrypoint[0] && /^tini(-static)?$/.test(path.basename(entrypoint[0]))) {
    const dashes = entrypoint.indexOf('--');
    if (dashes >= 0) entrypoint = entrypoint.slice(dashes + 1);
    else if (entrypoint.slice(1).every((a) => !a.startsWith('-'))) entrypoint = entrypoint.slice(1);
  }
  const command = [...entrypoint, ...(req.agent.command ?? image.cmd ?? [])];
  if (command.length === 0)
    throw new Error(`image ${req.agent.image} has neither an entrypoint nor a command, and agent ${req.agent.id} gives none`);
  return command;
}

/**
 * An LLM agent's DNS: Docker's embedded resolver (127.0.0.11, always in resolv.conf on a
 * user-defined network) forwards what it cannot answer to the container's DNS servers; by default
 * the host's, and from the host's own namespace when those are loopback addresses (systemd-resolved,
 * dnsmasq): on Docker 20.10 a way out of an internal network. Naming the container's own loopback
 * instead makes it forward, from inside the container's namespace, to where nothing answers (or
 * only the agent itself): nothing leaves. One short try, no search domains: a lookup fails in a second.
 */
export const NO_FORWARDING_DNS = { Dns: ['127.0.0.1'], DnsSearch: ['.'], DnsOptions: ['timeout:1', 'attempts:1'] };

export interface ContainerSpecInput {
  instructionsFile: string;
  limits: SandboxLimits;
  /** The image's own entrypoint and command (docker image inspect), run under init.ts. */
  image: ImageCommand;
}

/** `docker run --gpus '"device=0,1"'`: exactly the devices reserved for the run, through the NVIDIA runtime's device request. */
export function gpuDevices(gpus: string[] | undefined): Pick<Docker.HostConfig, 'DeviceRequests'> {
  if (!gpus?.length) return {};
  return { DeviceRequests: [{ Driver: '', Count: 0, DeviceIDs: gpus, Capabilities: [['gpu']], Options: {} }] };
}

/**
 * The create options of a run's container: no privileges, no answers, and no network, but for an
 * LLM agent its run's internal network, where only the gateway answers (llmNetwork.ts).
 */
export function containerCreateOptions(req: AgentContainerRequest, input: ContainerSpecInput): Docker.ContainerCreateOptions {
  const paths = runPaths(req.runDir);
  const { limits } = input;
  const bind = (source: string, target: string, readOnly: boolean) => ({
    Type: 'bind' as const,
    Source: path.resolve(source),
    Target: target,
    ReadOnly: readOnly,
  });
  const tmpfs: Record<string, string> = { '/tmp': `rw,nosuid,nodev,size=${limits.tmpBytes},nr_inodes=${limits.files},mode=1777` };
  // A read-only root leaves the agent no home to write caches to: give it a small tmpfs one.
  if (req.agent.readOnlyRootfs) {
    tmpfs['/home/agent'] = `rw,nosuid,nodev,size=${limits.homeBytes},nr_inodes=${limits.files},uid=${AGENT_UID},gid=${AGENT_GID},mode=0700`;
  }
  return {
    name: containerName(req.runId, req.attempt),
    Image: req.agent.image,
    // PID 1 is the harness's clock: the time limit holds with no worker alive (init.ts).
    Entrypoint: deadlineEntrypoint(req.timeLimitSecs + limits.deadlineGraceSecs),
    Cmd: agentCommand(req, input.image),
    Env: containerEnv(req),
    Labels: containerLabels(req),
    User: `${AGENT_UID}:${AGENT_GID}`,
    WorkingDir: '/home',
    NetworkDisabled: !req.llm,
    HostConfig: {
      NetworkMode: req.llm?.networkName ?? 'none',
      ...(req.llm ? NO_FORWARDING_DNS : {}),
      // The answers are never among these: only the public folder, the run's three folders, the instructions.
      Mounts: [
        bind(req.publicDataDir, '/home/data', true),
        bind(path.join(paths.scratch, 'submission'), '/home/submission', false),
        bind(path.join(paths.scratch, 'code'), '/home/code', false),
        bind(path.join(paths.scratch, 'logs'), '/home/logs', false),
        bind(input.instructionsFile, '/home/instructions.txt', true),
      ],
      Tmpfs: tmpfs,
      ReadonlyRootfs: req.agent.readOnlyRootfs,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: limits.pidsLimit,
      Memory: limits.memoryBytes,
      MemorySwap: limits.memoryBytes,
      ...(limits.nanoCpus ? { NanoCpus: limits.nanoCpus } : {}),
      ...gpuDevices(req.gpus),
      IpcMode: 'private',
      // Docker keeps the logs so a re-attach can rewrite agent.log; rotation bounds a chatty agent.
      LogConfig: { Type: 'json-file', Config: { 'max-size': '50m', 'max-file': '4' } },
      RestartPolicy: { Name: 'no' },
      AutoRemove: false,
    },
  };
}
