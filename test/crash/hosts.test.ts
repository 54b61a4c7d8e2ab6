/**
 * Several Docker hosts, played by two worker processes on this machine with different host ids
 * (`MLEBENCH_HOST_ID`): a run's agent step goes to the task queue of the host that claimed it. A
 * host whose worker restarts in time re-attaches to its container; a host that stays dead is
 * given up after `MLEBENCH_HOST_DEAD_SECS` and the run starts afresh on the other host, recorded
 * as a host restart (never the agent's failure). A container the given-up host still runs when it
 * comes back is removed by the periodic reaper, the run's current one never.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../core/runs/types';
import { groupContainers } from '../helpers/dockerEvents';
import { CRASH_HEARTBEAT_SECS, hostWorker as startHostWorker, watchContainerEvents, type Proc } from '../helpers/crash';
import { temporalSuite } from '../helpers/temporalSuite';

/** Small, so the test sees a host given up; the default is minutes. */
const DEAD_SECS = 10;

const t = temporalSuite('processes');

const hostWorker = (hostId: string, env: NodeJS.ProcessEnv = {}): Promise<Proc> => startHostWorker(t.home, hostId, DEAD_SECS, env);

const attached = (containerId: string) => new RegExp(`"containerId":"${containerId}"[^\\n]*"msg":"agent container attached"`);

function runJson(run: RunResult): RunResult {
  return JSON.parse(readFileSync(path.join(run.runDir, 'run.json'), 'utf8')) as RunResult;
}

describe('several Docker hosts (two workers as two hosts)', () => {
  it('a host whose worker restarts in time re-attaches its run: one container, on that host', async () => {
    const a1 = await hostWorker('host-a');
    const groupId = `hosts-reattach-${Date.now()}`;
    const events = await watchContainerEvents(groupId);
    await t.client.run({ agentId: 'dummy/steady', competitions: ['sotu-authorship'] }, { groupId });
    const start = await events.next('start');
    await a1.waitFor(attached(start.id));
    // Host B answers from now on: it must not take the run over from a host that comes back.
    const b = await hostWorker('host-b');

    a1.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await a1.exited).signal).toBe('SIGKILL');
    const a2 = await hostWorker('host-a');
    await a2.waitFor(/"reattached":true[^\n]*"msg":"agent container attached"/);
    const reattachMs = Date.now() - killedAt;
    const result = await t.client.waitForCompletion(groupId);
    events.stop();

    const [run] = result.runs;
    expect(run).toMatchObject({
      outcome: 'succeeded',
      host: 'host-a',
      container: { reattached: true, exitCode: 0, host: 'host-a', attempt: 0 },
    });
    expect(run!.hostRestarts).toBeUndefined();
    expect(runJson(run!)).toMatchObject({ host: 'host-a', outcome: 'succeeded' });
    expect(events.count('create')).toBe(1);
    expect(b.output()).not.toMatch(/agent container attached/);
    console.log(
      `host restarted in time: re-attached on host-a ${(reattachMs / 1000).toFixed(1)} s after the kill; agent ${run!.timings.agentSecs?.toFixed(1)} s`,
    );
    await a2.stop();
    await b.stop();
  });

  it('a host that stays dead is given up after MLEBENCH_HOST_DEAD_SECS: the run restarts on the other host, recorded', async () => {
    const a = await hostWorker('host-a');
    const groupId = `hosts-restart-${Date.now()}`;
    const events = await watchContainerEvents(groupId);
    await t.client.run({ agentId: 'dummy/steady', competitions: ['sotu-authorship'] }, { groupId });
    const first = await events.next('start');
    await a.waitFor(attached(first.id));
    const b = await hostWorker('host-b');

    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await a.exited).signal).toBe('SIGKILL');

    // B removes what the dead host left on this (shared) engine before its fresh container exists.
    const gone = await events.next((e) => e.action === 'destroy' && e.id === first.id);
    const second = await events.next((e) => e.action === 'start' && e.id !== first.id);
    const restartMs = second.at - killedAt;
    await b.waitFor(attached(second.id));
    const result = await t.client.waitForCompletion(groupId);
    const doneAt = Date.now();
    events.stop();

    const [run] = result.runs;
    expect(run).toMatchObject({
      outcome: 'succeeded',
      host: 'host-b',
      hostRestarts: 1,
      deadHosts: [
        {
          host: 'host-a',
          reason: expect.stringMatching(new RegExp(`no worker of host host-a took the agent step .* within ${DEAD_SECS} s`)) as unknown,
        },
      ],
      container: { reattached: false, exitCode: 0, host: 'host-b', attempt: 1 },
      grade: { valid_submission: true },
    });
    expect(run!.agentRetries).toBeUndefined();
    expect(runJson(run!)).toMatchObject({ outcome: 'succeeded', host: 'host-b', hostRestarts: 1, deadHosts: [{ host: 'host-a' }] });
    // Two containers in all, one after the other: the dead host's was gone before the new one was created.
    expect(events.count('create')).toBe(2);
    const created = events.events.filter((e) => e.action === 'create');
    expect(created[1]!.at).toBeGreaterThanOrEqual(gone.at);
    expect(created[1]!.attributes['mlebench.attempt']).toBe('1');
    // What the dead host's container wrote is kept aside, not mixed into the fresh run's folders.
    expect(existsSync(path.join(run!.runDir, 'attempts', '0', 'logs', 'agent.log'))).toBe(true);
    expect(await groupContainers(groupId)).toEqual([]);

    // Detected no sooner than the dead time, and no later than heartbeat time-out + a retry's backoff + the dead time (+ slack).
    const heartbeatSecs = CRASH_HEARTBEAT_SECS;
    expect(restartMs).toBeGreaterThanOrEqual(DEAD_SECS * 1000);
    expect(restartMs).toBeLessThan((heartbeatSecs + DEAD_SECS + 15) * 1000);
    const firstExited = events.events.find((e) => e.action === 'die' && e.id === first.id);
    console.log(
      `host lost: killed ${((killedAt - first.at) / 1000).toFixed(1)} s after its container started; the fresh container on host-b started ` +
        `${(restartMs / 1000).toFixed(1)} s after the kill (heartbeat ${heartbeatSecs} s + dead time ${DEAD_SECS} s); ` +
        `the dead host's container ${firstExited && firstExited.at < gone.at - 1000 ? 'had exited by itself' : 'was stopped'} and was removed ${((gone.at - killedAt) / 1000).toFixed(1)} s after the kill; ` +
        `group done ${((doneAt - killedAt) / 1000).toFixed(1)} s after the kill`,
    );
    await b.stop();
  });

  it('a container of a given-up host is removed by the periodic reaper once the run has moved on; the current one is kept', async () => {
    const docker = new Docker();
    const a = await hostWorker('host-a');
    const groupId = `hosts-reap-${Date.now()}`;
    const events = await watchContainerEvents(groupId);
    await t.client.run({ agentId: 'dummy/steady', competitions: ['sotu-authorship'] }, { groupId });
    const first = await events.next('start');
    await a.waitFor(attached(first.id));
    const lost = await docker.getContainer(first.id).inspect();
    expect(lost.Config.Labels).toMatchObject({ 'mlebench.host': 'host-a', 'mlebench.deadline-secs': expect.any(String) as unknown });
    const b = await hostWorker('host-b', { MLEBENCH_REAPER_INTERVAL_SECS: '2' });

    a.child.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    const second = await events.next((e) => e.action === 'start' && e.id !== first.id);
    await b.waitFor(attached(second.id));

    // Host A comes back, its engine still holding its container. Here both hosts share one engine,
    // where host B removed it before its fresh start (attempts.ts): host A's own engine would not
    // have. So it is made again as that engine holds it: its name, labels and run-folder mount.
    const submission = lost.Mounts.find((m) => m.Destination === '/home/submission')!;
    const again = await docker.createContainer({
      name: lost.Name.replace(/^\//, ''),
      Image: lost.Config.Image,
      Entrypoint: ['sleep'],
      Cmd: ['3600'],
      Labels: lost.Config.Labels,
      HostConfig: {
        NetworkMode: 'none',
        Mounts: [{ Type: 'bind', Source: submission.Source, Target: '/home/submission', ReadOnly: true }],
      },
    });
    await again.start();
    const reaped = await events.next((e) => e.action === 'destroy' && e.id === again.id);
    // While the run still works on host B, in its container, untouched.
    expect((await docker.getContainer(second.id).inspect()).State.Running).toBe(true);
    await b.waitFor(/"event":"reaper.leftover"/);
    const line = /^.*"event":"reaper.leftover".*$/m.exec(b.output())![0];
    const result = await t.client.waitForCompletion(groupId);
    events.stop();

    expect(JSON.parse(line)).toMatchObject({
      kind: 'container',
      runId: result.runs[0]!.runId,
      workflow: 'running',
      why: 'its run moved on to attempt 1 on host host-b (this is attempt 0 on host host-a)',
      removed: true,
    });
    expect(result.runs[0]).toMatchObject({
      outcome: 'succeeded',
      host: 'host-b',
      hostRestarts: 1,
      container: { attempt: 1, host: 'host-b' },
    });
    expect(events.count('create')).toBe(3); // host A's, host B's, host A's as it came back
    expect(await groupContainers(groupId)).toEqual([]);
    console.log(
      `host A's container, back while the run worked on host B, was removed ${((reaped.at - second.at) / 1000).toFixed(1)} s after B's started`,
    );
    await b.stop();
  });
});
