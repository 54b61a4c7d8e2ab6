/**
 * The Temporal dev server stopped and started again (same port, same SQLite file) while an agent
 * works: the worker reconnects by itself, the agent's container runs on untouched, and the group
 * completes as if nothing happened.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Client } from '../../client/sdk';
import { isPortOpen } from '../../temporal/devServer';
import { CRASH_HEARTBEAT_SECS, mlebenchWorker, watchContainerEvents } from '../helpers/crash';
import { temporalSuite } from '../helpers/temporalSuite';

const OUTAGE_MS = CRASH_HEARTBEAT_SECS * 1000 + 2000;
const t = temporalSuite('processes');

describe('the Temporal server restarted mid-run', () => {
  it('the worker reconnects and the group completes, the agent undisturbed', async () => {
    const worker = mlebenchWorker(t.home);
    await worker.waitFor('worker polling');
    const groupId = `crash-server-${Date.now()}`;
    const events = await watchContainerEvents(groupId);
    const before = new Client({ address: t.home.env.TEMPORAL_ADDRESS, uiUrl: null });
    const startedAt = Date.now();
    await before.run({ agentId: 'dummy/steady', competitions: ['sotu-authorship'] }, { groupId });
    await before.close();

    await events.next('start');
    const stoppedAt = Date.now();
    await t.server.stop();
    expect(await isPortOpen(t.home.port)).toBe(false);
    // The outage's length (not a wait for anything): longer than the agent step's heartbeat
    // time-out, so the worker's polls and heartbeats fail for a while, as in a real outage.
    await sleep(OUTAGE_MS);
    t.server = await t.home.startServer();
    const downSecs = (Date.now() - stoppedAt) / 1000;

    const client = new Client({ address: t.home.env.TEMPORAL_ADDRESS, uiUrl: null });
    const result = await client.waitForCompletion(groupId);
    const totalSecs = (Date.now() - startedAt) / 1000;
    await client.close();
    events.stop();

    const [run] = result.runs;
    expect(run).toMatchObject({ outcome: 'succeeded', grade: { valid_submission: true }, container: { exitCode: 0 } });
    expect(events.count('create')).toBe(1);
    expect(events.count('start')).toBe(1);
    expect(worker.child.exitCode).toBeNull(); // the same worker, reconnected
    const agentSecs = run!.timings.agentSecs!;
    console.log(
      `server restart: down ${downSecs.toFixed(1)} s while the agent worked; agent ${agentSecs.toFixed(1)} s, group total ${totalSecs.toFixed(1)} s, ` +
        `runAgent re-attached: ${String(run!.container?.reattached)}`,
    );
  });
});
