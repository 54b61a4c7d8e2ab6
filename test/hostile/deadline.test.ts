/**
 * Time (issue 15, item 8): an agent's time limit holds with no worker alive. The container's
 * PID 1 is the harness's clock (core/sandbox/init.ts); the hostile agent ignores SIGTERM, tries
 * to stop, kill, ptrace and read that PID 1, and leaves a detached grandchild, then sleeps
 * forever. The worker is gone from the first progress report on; the engine's own wait says
 * when the container ended, and a worker that comes back collects it as a timeout.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decideOutcome } from '../../core/runs/outcome';
import { containerName, listScratchMounts, runAgentContainer, type AgentContainerRequest } from '../../core/sandbox';
import { hostileSuite, parseFacts } from './setup';

const suite = hostileSuite('deadline');

/** Starts the run's container and loses its worker at the first progress report. */
async function startAndLoseWorker(req: AgentContainerRequest): Promise<void> {
  const abort = new AbortController();
  const first = await runAgentContainer(req, { signal: abort.signal, onProgress: () => abort.abort() }).catch((e: unknown) => e);
  expect((first as Error).name).toBe('AbortError');
}

/** Resolves once the container has printed `text` (Docker's log stream, followed). */
async function printed(req: AgentContainerRequest, text: string): Promise<void> {
  const stream = (await suite.docker
    .getContainer(containerName(req.runId))
    .logs({ follow: true, stdout: true, stderr: true })) as unknown as Readable;
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    stream.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.includes(text)) resolve();
    });
    stream.on('end', () => reject(new Error(`the container ended without printing ${text}: ${seen.slice(-2000)}`)));
  });
  stream.destroy();
}

describe('the time limit with no worker alive', () => {
  it('the container ends itself at its time limit plus the grace, whatever the agent does to its PID 1; a returning worker collects an agent_timeout', async () => {
    const timeLimitSecs = 3;
    const graceSecs = 2;
    const req = suite.request('no-worker', 'linger', { timeLimitSecs, limits: { deadlineGraceSecs: graceSecs } });
    await startAndLoseWorker(req);
    const container = suite.docker.getContainer(containerName(req.runId));
    // Nobody watches it now: only the engine's wait says when it ends.
    const waited = (await container.wait()) as { StatusCode: number };
    const state = (await container.inspect()).State;
    const ranMs = Date.parse(state.FinishedAt) - Date.parse(state.StartedAt);
    console.log(
      `with no worker: exit ${waited.StatusCode} after ${ranMs} ms (limit ${timeLimitSecs} s + grace ${graceSecs} s, then 10 s from SIGTERM to SIGKILL)`,
    );
    expect(waited.StatusCode).toBe(124);
    expect(ranMs).toBeGreaterThanOrEqual((timeLimitSecs + graceSecs) * 1000);
    expect(await listScratchMounts()).toContain(path.join(req.runDir, '.scratch')); // its work waits for a worker

    // What the agent tried against PID 1, from the log Docker kept.
    const started = Date.now();
    const result = await runAgentContainer(req);
    console.log(`a returning worker collected it in ${Date.now() - started} ms`);
    const agentLog = readFileSync(path.join(req.runDir, 'logs', 'agent.log'), 'utf8');
    const facts = parseFacts(agentLog);
    const first = <T>(key: string) => {
      expect(facts.get(key), `${key} in:\n${agentLog.slice(-3000)}`).toBeDefined();
      return facts.get(key)![0] as T;
    };
    expect(first<{ name: string; cmdline: string[] }>('init')).toMatchObject({ name: 'python3', cmdline: ['python3', '-I', '-c'] });
    // The kernel accepts the signals and drops them (SIGTERM reaches the agent itself, which ignores it); PID 1 sleeps on.
    expect(first('kill_init')).toEqual({
      sent: { SIGSTOP: 'sent', SIGKILL: 'sent', SIGTERM: 'sent', SIGINT: 'sent', SIGALRM: 'sent' },
      after: { name: 'python3', state: 'S' },
    });
    expect(first('ptrace_init')).toEqual({ PTRACE_ATTACH: 'Operation not permitted', PTRACE_SEIZE: 'Operation not permitted' });
    expect(first<string>('init_mem')).toMatch(/^<PermissionError/);
    expect(first('lingering')).toBeDefined();
    expect(agentLog).toContain(
      'mlebench-init: time limit reached (5 s since the container started): SIGTERM to every process, SIGKILL after 10 s',
    );

    expect(result).toMatchObject({ exitCode: 124, timedOut: true, reattached: true });
    expect(decideOutcome(result, null)).toEqual({ outcome: 'agent_timeout', reason: 'the agent was stopped at its time limit' });
    expect(await listScratchMounts()).not.toContain(path.join(req.runDir, '.scratch'));
  });

  it('a worker that re-attaches to the running container still stops it at its limit, measured from the container’s own start', async () => {
    const timeLimitSecs = 4;
    const graceSecs = 120;
    const req = suite.request('reattach', 'linger', { timeLimitSecs, limits: { deadlineGraceSecs: graceSecs } });
    await startAndLoseWorker(req);
    await printed(req, 'lingering '); // after its 0.5 s pause: the container is that old at least
    const progress: number[] = [];
    const result = await runAgentContainer(req, { progressIntervalMs: 500, onProgress: (p) => progress.push(p.elapsedSecs) });
    const ranMs = Date.parse(result.finishedAt) - Date.parse(result.startedAt);
    console.log(`re-attached: stopped after ${ranMs} ms; progress elapsed ${progress.map((s) => s.toFixed(1)).join(', ')} s`);
    // Stopped by the worker (exit code null), not by the container's clock, which was two minutes away.
    expect(result).toMatchObject({ exitCode: null, timedOut: true, reattached: true });
    expect(ranMs).toBeGreaterThanOrEqual(timeLimitSecs * 1000);
    expect(ranMs).toBeLessThan((timeLimitSecs + graceSecs) * 1000);
    expect(progress[0]).toBeGreaterThanOrEqual(0.5); // measured from the container's start, not from the re-attach
    expect(readFileSync(path.join(req.runDir, 'logs', 'agent.log'), 'utf8')).not.toContain('mlebench-init: time limit reached');
  });
});
