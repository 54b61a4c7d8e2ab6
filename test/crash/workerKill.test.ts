/**
 * A worker SIGKILLed while its agent works: the container runs on, and the next worker's attempt
 * re-attaches to it — one container for the run, the agent's work intact, and the run late only
 * by the heartbeat time-out.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CRASH_HEARTBEAT_SECS, mlebenchWorker, watchContainerEvents } from '../helpers/crash';
import { temporalSuite } from '../helpers/temporalSuite';

const t = temporalSuite('processes');

describe('a worker killed while the agent runs', () => {
  it('is replaced by a worker that re-attaches to the same container, and the run succeeds', async () => {
    const first = mlebenchWorker(t.home);
    await first.waitFor('worker polling');
    const groupId = `crash-reattach-${Date.now()}`;
    const events = await watchContainerEvents(groupId);
    const startedAt = Date.now();
    await t.client.run({ agentId: 'dummy/steady', competitions: ['sotu-authorship'] }, { groupId });

    const start = await events.next('start');
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = mlebenchWorker(t.home);
    await second.waitFor(/"reattached":true[^\n]*"msg":"agent container attached"/);
    const takeoverMs = Date.now() - killedAt;
    const result = await t.client.waitForCompletion(groupId);
    const doneAt = Date.now();
    events.stop();

    const [run] = result.runs;
    expect(run).toMatchObject({ outcome: 'succeeded', grade: { valid_submission: true }, container: { reattached: true, exitCode: 0 } });
    expect(events.count('create')).toBe(1);
    expect(events.events.filter((e) => e.action === 'create').map((e) => e.run)).toEqual([run!.runId]);
    // The agent's own record: it worked its 20 s once, undisturbed.
    expect(await readFile(path.join(run!.runDir, 'submission', 'submission.csv'), 'utf8')).toContain('\n');
    const agentSecs = run!.timings.agentSecs!;
    expect(agentSecs).toBeGreaterThanOrEqual(20);

    const heartbeatSecs = CRASH_HEARTBEAT_SECS;
    const fromStartSecs = (doneAt - start.at) / 1000;
    console.log(
      `re-attach: worker killed ${((killedAt - start.at) / 1000).toFixed(1)} s after the container started; ` +
        `the next worker re-attached ${(takeoverMs / 1000).toFixed(1)} s after the kill (heartbeat time-out ${heartbeatSecs} s); ` +
        `agent ${agentSecs.toFixed(1)} s, container start → group done ${fromStartSecs.toFixed(1)} s, group total ${((doneAt - startedAt) / 1000).toFixed(1)} s`,
    );
    expect(fromStartSecs).toBeLessThan(agentSecs + heartbeatSecs + 30);
  });
});
