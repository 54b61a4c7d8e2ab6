/**
 * The agent step against its workers' restarts (real Temporal, real Docker, workers as child
 * processes): a restart costs a try of the step, never the agent's work, however many there are,
 * since the step is bounded by the run's deadline, not by a count of tries. And a container that
 * vanished while no worker watched it is said, never silently replaced by a fresh one.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../core/runs/types';
import { TIMEOUTS } from '../../temporal/contract';
import { hostWorker, watchContainerEvents, type Proc } from '../helpers/crash';
import { temporalSuite } from '../helpers/temporalSuite';
import { until } from '../helpers/runContainers';

/** Short, so a SIGKILLed worker's try is given up in seconds (MLEBENCH_AGENT_HEARTBEAT_SECS; the default is 45 s). */
const HEARTBEAT_SECS = 3;
/** More than the step's old limit of 10 tries. */
const RESTARTS = 12;
/** How long dummy/marathon works (its DUMMY_SLEEP_SECS): longer than the restarts take. */
const MARATHON_SECS = 120;

const t = temporalSuite('processes', { env: { MLEBENCH_AGENT_HEARTBEAT_SECS: String(HEARTBEAT_SECS) } });

/** A worker of host `hostId` (its own queue), polling; a host is given up only after the default dead time. */
const worker = (hostId: string) => hostWorker(t.home, hostId, TIMEOUTS.hostDeadSecs);
const attached = /"msg":"agent container attached"/;
const reattached = /"reattached":true[^\n]*"msg":"agent container attached"/;

function runJson(run: RunResult): RunResult {
  return JSON.parse(readFileSync(path.join(run.runDir, 'run.json'), 'utf8')) as RunResult;
}

/** The tries the agent step took: the attempt of its recorded start (the server records only the last try's). */
async function agentStepTries(runId: string): Promise<number> {
  const history = await (await t.client.workflowClient()).workflow.getHandle(runId).fetchHistory();
  const scheduled = new Set(
    history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runAgent').map((e) => String(e.eventId)),
  );
  const started = history.events!.filter((e) => scheduled.has(String(e.activityTaskStartedEventAttributes?.scheduledEventId)));
  return Math.max(...started.map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1));
}

/** Resolves once the server holds a heartbeat of the run's agent step that names the container. */
async function heartbeatNamed(runId: string, containerId: string): Promise<void> {
  const handle = (await t.client.workflowClient()).workflow.getHandle(runId);
  const named = async () => {
    const { raw } = await handle.describe();
    const details = (raw.pendingActivities ?? []).flatMap((a) => a.heartbeatDetails?.payloads ?? []);
    return details.some((p) =>
      Buffer.from(p.data ?? [])
        .toString('utf8')
        .includes(containerId),
    );
  };
  await until(named, 30_000, `a heartbeat naming container ${containerId}`);
}

describe('worker restarts during one run', () => {
  it(`${RESTARTS} restarts, SIGTERM and SIGKILL mixed, each costing a try: one container, its clock never restarted, the run succeeds`, async () => {
    const groupId = `restarts-${Date.now()}`;
    const events = await watchContainerEvents(groupId);
    // Spare workers of the host, polling: the one whose try holds the step is killed, and the
    // retry goes to a spare, so a restart costs the retry's wait, not a worker's start.
    const live: Proc[] = await Promise.all([worker('restarts'), worker('restarts'), worker('restarts')]);
    const spawning: Promise<unknown>[] = [];
    const holder = async (): Promise<Proc> => {
      let found: Proc | undefined;
      await until(() => (found = live.find((p) => attached.test(p.output()))) !== undefined, 60_000, 'a worker attached to the container');
      return found!;
    };
    await t.client.run({ agentId: 'dummy/marathon', competitions: ['sotu-authorship'] }, { groupId });
    const start = await events.next('start');
    const signals: NodeJS.Signals[] = [];
    const exits: Promise<{ signal: NodeJS.Signals | null }>[] = [];
    const cycleMs: number[] = [];
    let killedAt = 0;
    for (let i = 0; i <= RESTARTS; i++) {
      const current = await holder();
      if (i > 0) {
        cycleMs.push(Date.now() - killedAt);
        // Its try re-attached to the running container: the killed worker's try was given up.
        expect(current.output()).toMatch(reattached);
      }
      if (i === RESTARTS) break;
      // Mixed, not alternating: runs of the same signal too.
      const signal: NodeJS.Signals = [0, 1, 4, 5, 7].includes(i % 8) ? 'SIGKILL' : 'SIGTERM';
      current.child.kill(signal);
      killedAt = Date.now();
      live.splice(live.indexOf(current), 1);
      signals.push(signal);
      exits.push(current.exited);
      spawning.push(worker('restarts').then((p) => live.push(p)));
    }
    const result = await t.client.waitForCompletion(groupId);
    events.stop();
    // SIGKILL: dead on the spot; SIGTERM: a graceful shutdown, the worker exits by itself.
    expect((await Promise.all(exits)).map((e) => e.signal)).toEqual(signals.map((s) => (s === 'SIGKILL' ? 'SIGKILL' : null)));
    // The next case's runs must be claimed by its own workers (claimHost goes to any worker).
    await Promise.all(spawning);
    await Promise.all(live.map((p) => p.stop()));

    const [run] = result.runs;
    expect(run).toMatchObject({ outcome: 'succeeded', grade: { valid_submission: true }, container: { exitCode: 0, reattached: true } });
    expect(events.count('create')).toBe(1);
    expect(events.count('start')).toBe(1);
    const record = runJson(run!);
    // The agent's clock is the container's own start, which never changed: it worked its MARATHON_SECS once.
    expect(Math.abs(Date.parse(record.container!.startedAt) - start.at)).toBeLessThan(2000);
    expect(record.timings.agentSecs).toBeGreaterThanOrEqual(MARATHON_SECS);
    expect(record.timings.agentSecs).toBeLessThan(MARATHON_SECS + 15);
    expect(record).not.toHaveProperty('previousContainers');
    expect(record).not.toHaveProperty('deadHosts');
    expect(record).not.toHaveProperty('vanishedContainer');
    // Every restart cost a try (today's limit was 10), and none of them cost the run.
    const tries = await agentStepTries(run!.runId);
    expect(tries).toBeGreaterThan(RESTARTS);
    expect(signals.filter((s) => s === 'SIGKILL').length).toBeGreaterThanOrEqual(RESTARTS / 3);
    expect(signals.filter((s) => s === 'SIGTERM').length).toBeGreaterThanOrEqual(RESTARTS / 3);
    const secs = (ms: number[]) => (ms.reduce((a, b) => a + b, 0) / ms.length / 1000).toFixed(1);
    console.log(
      `${RESTARTS} worker restarts: agent step took ${tries} tries; re-attach after SIGTERM ${secs(cycleMs.filter((_, i) => signals[i] === 'SIGTERM'))} s, ` +
        `after SIGKILL ${secs(cycleMs.filter((_, i) => signals[i] === 'SIGKILL'))} s on average (heartbeat time-out ${HEARTBEAT_SECS} s); ` +
        `agent ${record.timings.agentSecs!.toFixed(1)} s`,
    );
  }, 300_000);
});

describe('a container removed from outside while its worker is down', () => {
  it('ends the run infra_error saying the container disappeared, recorded in run.json, and no fresh container is started', async () => {
    const groupId = `vanished-${Date.now()}`;
    const events = await watchContainerEvents(groupId);
    const first = await worker('vanish');
    await t.client.run({ agentId: 'dummy/steady', competitions: ['sotu-authorship'] }, { groupId });
    const start = await events.next('start');
    await first.waitFor(attached);
    await heartbeatNamed(start.run, start.id);
    first.child.kill('SIGKILL');
    await first.exited;
    await promisify(execFile)('docker', ['rm', '-f', start.id]);

    const second = await worker('vanish');
    const result = await t.client.waitForCompletion(groupId);
    events.stop();

    const [run] = result.runs;
    expect(run!.outcome).toBe('infra_error');
    expect(run!.reason).toMatch(
      new RegExp(`AgentContainerVanishedError: the agent container ${start.id} of run ${run!.runId} disappeared`),
    );
    const record = runJson(run!);
    expect(record.vanishedContainer).toMatchObject({ containerId: start.id });
    expect(record.vanishedContainer!.lastSeenElapsedSecs).toBeGreaterThanOrEqual(0);
    expect(record.vanishedContainer!.lastSeenElapsedSecs).toBeLessThan(20);
    expect(record.container).toBeNull();
    // Never a fresh container with a new full time limit, and not retried on and on either.
    expect(events.count('create')).toBe(1);
    expect(second.output()).not.toMatch(attached);
    expect(await agentStepTries(run!.runId)).toBe(2);
  });
});
