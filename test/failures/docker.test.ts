/**
 * A Docker engine that does not answer, at the run level: the worker talks to Docker through a
 * unix-socket proxy this test controls (DOCKER_HOST), which can hold every request unanswered
 * and later let them through. The agent step fails with a clear, retryable message, retried with
 * backoff (visible in the workflow's history); once Docker answers the run completes; when it
 * never does, the run ends `infra_error` with that message — never the agent's failure.
 */
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HarnessWorker } from '../../worker/harnessWorker';
import { temporalSuite } from '../helpers/temporalSuite';
import { until } from '../helpers/runContainers';

const REAL_DOCKER = '/var/run/docker.sock';

/** A proxy to the real engine that, while `silent`, accepts requests and answers none. */
class DockerProxy {
  silent = true;
  /** When each request line was received (e.g. "GET /_ping"), in ms since the epoch. */
  readonly requests: { at: number; line: string }[] = [];
  private held: { client: net.Socket; chunks: Buffer[] }[] = [];
  private server: net.Server;

  constructor(readonly socketPath: string) {
    this.server = net.createServer((client) => {
      if (!this.silent) return this.forward(client, []);
      const entry = { client, chunks: [] as Buffer[] };
      this.held.push(entry);
      client.on('data', (chunk: Buffer) => {
        entry.chunks.push(chunk);
        this.note(chunk);
      });
      client.on('error', () => undefined);
      client.on('close', () => (this.held = this.held.filter((h) => h !== entry)));
    });
  }

  private note(chunk: Buffer): void {
    const line = /^([A-Z]+ \S+)/.exec(chunk.toString('latin1'));
    if (line) this.requests.push({ at: Date.now(), line: line[1]!.replace(/^(\S+ )\/v[\d.]+/, '$1') });
  }

  private forward(client: net.Socket, buffered: Buffer[]): void {
    client.removeAllListeners('data');
    const upstream = net.connect(REAL_DOCKER);
    for (const chunk of buffered) upstream.write(chunk);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.socketPath, resolve));
  }

  /** From now on every request, the held ones included, reaches the engine. */
  answer(): void {
    this.silent = false;
    for (const { client, chunks } of this.held.splice(0)) if (!client.destroyed) this.forward(client, chunks);
  }

  close(): Promise<void> {
    for (const { client } of this.held) client.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// The images are built through the real socket, before the worker is pointed at the proxy.
const h = temporalSuite('in-process');
let worker: HarnessWorker;
let running: Promise<void>;
let proxy: DockerProxy;
const dockerHostBefore = process.env.DOCKER_HOST;

beforeAll(async () => {
  proxy = new DockerProxy(path.join(mkdtempSync(path.join(os.tmpdir(), 'mlebench-docker-proxy-')), 'docker.sock'));
  await proxy.listen();
  process.env.DOCKER_HOST = `unix://${proxy.socketPath}`; // read by every dockerode client this worker makes
  worker = await h.newWorker();
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  if (dockerHostBefore === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = dockerHostBefore;
  await proxy?.close();
});

const NOT_ANSWERING = /InfraError: the Docker engine at unix:\/\/\S+docker\.sock is not answering \(no answer in 10s\)/;

describe('a Docker engine that does not answer, at the run level', () => {
  it('never answering: the run ends infra_error with the message after its attempts (infraAttempts: 2)', async () => {
    const groupId = 'docker-never';
    const result = await h.client
      .run({ agentId: 'dummy', competitions: ['sotu-authorship'], infraAttempts: 2 }, { groupId })
      .then(() => h.client.waitForCompletion(groupId));
    const run = result.runs[0]!;
    expect(run.outcome).toBe('infra_error');
    expect(run.reason).toMatch(NOT_ANSWERING);
    expect(run.container).toBeNull(); // no agent ever ran: nothing is scored as the agent's
    expect(proxy.requests.filter((r) => r.line === 'GET /_ping')).toHaveLength(2);
  });

  it('answering again: the failed attempts are retried with backoff, and the run then completes', async () => {
    const groupId = 'docker-back';
    const runId = `${groupId}/sotu-authorship/seed-1`;
    const pingsBefore = proxy.requests.filter((r) => r.line === 'GET /_ping').length;
    await h.client.run({ agentId: 'dummy', competitions: ['sotu-authorship'] }, { groupId });
    const client = await h.client.workflowClient();
    // While Docker is silent the agent step fails, with the reason, and is scheduled again.
    let lastFailure = '';
    await until(
      async () => {
        const pending = (
          await client.workflow
            .getHandle(runId)
            .describe()
            .catch(() => undefined)
        )?.raw.pendingActivities?.[0];
        lastFailure = pending?.lastFailure?.message ?? '';
        // The third attempt has started: its ping is held, and will be answered.
        return (pending?.attempt ?? 0) >= 3 && proxy.requests.filter((r) => r.line === 'GET /_ping').length - pingsBefore >= 3;
      },
      60_000,
      'the third attempt of runAgent to ping Docker',
    );
    expect(lastFailure).toMatch(/is not answering \(no answer in 10s\)/);
    proxy.answer();
    const result = await h.client.waitForCompletion(groupId);
    expect(result.runs[0]!.outcome).toBe('succeeded');

    // The history: runAgent started on attempt >= 3, carrying the last attempt's failure, under
    // the backoff policy (temporal/contract.ts AGENT_STEP_RETRY); the pings show the growing gaps (10 s wait + 1 s, then + 2 s).
    const history = await client.workflow.getHandle(runId).fetchHistory();
    const scheduled = history.events!.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runAgent',
    )!.activityTaskScheduledEventAttributes!;
    // Tries are not counted (0: unlimited) but bounded by the run's deadline, beyond one try's time.
    expect(scheduled.retryPolicy).toMatchObject({ backoffCoefficient: 2 });
    expect(scheduled.retryPolicy!.maximumAttempts ?? 0).toBe(0);
    expect(Number(scheduled.scheduleToCloseTimeout!.seconds)).toBeGreaterThan(Number(scheduled.startToCloseTimeout!.seconds));
    expect(Number(scheduled.retryPolicy!.initialInterval!.seconds)).toBe(1);
    // Failed attempts are not events of their own: the one that ran to the end says which attempt it was, and why the one before failed.
    const retried = history.events!.map((e) => e.activityTaskStartedEventAttributes).filter((a) => a && (a.attempt ?? 0) >= 3);
    expect(retried).toHaveLength(1);
    expect(retried[0]!.lastFailure?.message).toMatch(/is not answering/);
    const pings = proxy.requests
      .filter((r) => r.line === 'GET /_ping')
      .slice(pingsBefore)
      .map((r) => r.at);
    expect(pings.length).toBeGreaterThanOrEqual(3);
    const gaps = [pings[1]! - pings[0]!, pings[2]! - pings[1]!];
    expect(gaps[0]).toBeGreaterThanOrEqual(11_000 - 500);
    expect(gaps[1]).toBeGreaterThanOrEqual(12_000 - 500);
    expect(gaps[1]).toBeGreaterThan(gaps[0]!);
  });
});
