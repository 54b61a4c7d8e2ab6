/**
 * Records the committed histories of the branches that matter again, from real runs: a dev
 * server of its own, `mlebench worker` processes (the built dist/, so `npm run histories:record`
 * builds first) as hosts, real Docker with the dummy agents. Each case writes `<name>.json` here,
 * after checking it replays against the sources; replay.test.ts replays every file of this folder.
 *
 *   npm run histories:record                      # every case
 *   npm run histories:record -- -t 'agent retry'   # one case (vitest's name filter)
 *
 * A case overwrites only its own files (`MLEBENCH_RECORD_DIR` writes them elsewhere instead, to
 * compare). The histories of older code are kept beside them (they prove workflows started before
 * a patch still replay): competitionRun.json and techniqueRun.json (before host queues), runGroup.json
 * (before compact plans), competitionRun-hosts.json (before host slots), and `<case>-before-<patch>.json`,
 * a case's history from before that patch changed its commands.
 * When a change adds a patch to a case's workflow, rename its file so before re-recording it.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { Client as TemporalClient } from '@temporalio/client';
import { buildImages } from '../../core/sandbox/images';
import { REPO_ROOT } from '../../core/config';
import { Client } from '../../client/sdk';
import type { DevServer } from '../../temporal/devServer';
import { crashHome, hostWorker as startHostWorker, stopAll, watchContainerEvents, type CrashHome, type Proc } from '../helpers/crash';

/** Small, so the lost host is given up quickly; the default is minutes. */
const DEAD_SECS = 10;

let home: CrashHome;
let server: DevServer;
let client: Client;
let temporal: TemporalClient;
let code: string;
const docker = new Docker();

beforeAll(async () => {
  await buildImages();
  home = await crashHome();
  server = await home.startServer();
  client = new Client({ address: home.env.TEMPORAL_ADDRESS, uiUrl: null });
  temporal = await client.workflowClient();
  ({ code } = await bundleWorkflowCode({ workflowsPath: path.join(REPO_ROOT, 'workflows', 'index.ts'), logger: silent }));
});

afterAll(async () => {
  await client?.close();
  await stopAll();
  await server?.stop();
});

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

const hostWorker = (hostId: string): Promise<Proc> => startHostWorker(home, hostId, DEAD_SECS);

/** Resolves once the workflow is closed, however it ended. */
async function closed(workflowId: string): Promise<void> {
  await temporal.workflow
    .getHandle(workflowId)
    .result()
    .catch(() => undefined);
}

/** Writes each workflow's history as `<name>.json`, once it replays against the sources. */
async function save(histories: Record<string, string>): Promise<void> {
  for (const [name, workflowId] of Object.entries(histories)) {
    const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { code } }, history, workflowId);
    const json = JSON.stringify(JSON.parse(historyToJSON(history)), null, 2);
    writeFileSync(path.join(process.env.MLEBENCH_RECORD_DIR ?? __dirname, `${name}.json`), `${json}\n`);
    console.log(`recorded ${name}.json: ${workflowId}, ${history.events?.length ?? 0} events`);
  }
}

const child = (groupId: string, seed: number) => `${groupId}/sotu-authorship/seed-${seed}`;

describe('record the committed histories', () => {
  let worker: Proc;
  beforeAll(async () => {
    worker = await hostWorker('recorder');
  });
  afterAll(async () => {
    await worker?.stop();
  });

  it('completed group on host queues', async () => {
    const groupId = `rec-completed-${Date.now()}`;
    await client.run({ agentId: 'dummy', competitions: ['sotu-authorship'], nSeeds: 2, maxParallel: 1 }, { groupId });
    await closed(groupId);
    await save({ 'runGroup-completed': groupId, 'competitionRun-completed': child(groupId, 1) });
  });

  it('cancelled group', async () => {
    const groupId = `rec-group-cancelled-${Date.now()}`;
    const events = await watchContainerEvents(groupId);
    await client.run({ agentId: 'dummy/slow', competitions: ['sotu-authorship'], nSeeds: 2, maxParallel: 2 }, { groupId });
    for (const seed of [1, 2]) await events.next((e) => e.action === 'start' && e.run === child(groupId, seed));
    await client.cancel(groupId);
    await closed(groupId);
    expect((await temporal.workflow.getHandle(groupId).describe()).status.name).toBe('CANCELLED');
    await save({ 'runGroup-cancelled': groupId, 'competitionRun-cancelled': child(groupId, 1) });
  });

  it('cancelled single run', async () => {
    // One child cancelled alone (the Web UI's or the CLI's cancel of a run), its sibling running on.
    const groupId = `rec-run-cancelled-${Date.now()}`;
    const events = await watchContainerEvents(groupId);
    await client.run({ agentId: 'dummy/steady', competitions: ['sotu-authorship'], nSeeds: 2, maxParallel: 2 }, { groupId });
    await events.next((e) => e.action === 'start' && e.run === child(groupId, 1));
    await temporal.workflow.getHandle(child(groupId, 1)).cancel();
    await closed(groupId);
    expect((await temporal.workflow.getHandle(child(groupId, 1)).describe()).status.name).toBe('CANCELLED');
    await save({ 'runGroup-run-cancelled': groupId, 'competitionRun-run-cancelled': child(groupId, 1) });
  });

  it('failed child', async () => {
    // A child that ends without a result (terminated): the group records it infra_error and goes on.
    const groupId = `rec-child-failed-${Date.now()}`;
    const events = await watchContainerEvents(groupId);
    await client.run({ agentId: 'dummy/steady', competitions: ['sotu-authorship'], nSeeds: 2, maxParallel: 2 }, { groupId });
    await events.next((e) => e.action === 'start' && e.run === child(groupId, 1));
    await temporal.workflow.getHandle(child(groupId, 1)).terminate('recording a failed child');
    await closed(groupId);
    expect((await temporal.workflow.getHandle(groupId).describe()).status.name).toBe('COMPLETED');
    await save({ 'runGroup-child-failed': groupId });
    // Its container outlives the terminated workflow until a reaper sweeps it.
    for (const c of await docker.listContainers({ all: true, filters: { label: [`mlebench.group=${groupId}`] } }))
      await docker.getContainer(c.Id).remove({ force: true });
  });

  it('child that cannot start', async () => {
    // Its id taken already (a closed workflow of it): the group records that run infra_error and goes on.
    const groupId = `rec-child-not-started-${Date.now()}`;
    const taken = await temporal.workflow.start('placeholder', { workflowId: child(groupId, 1), taskQueue: 'nobody-polls' });
    await taken.terminate('holds the id of a run');
    await client.run({ agentId: 'dummy', competitions: ['sotu-authorship'], nSeeds: 2, maxParallel: 2 }, { groupId });
    await closed(groupId);
    expect((await temporal.workflow.getHandle(groupId).describe()).status.name).toBe('COMPLETED');
    await save({ 'runGroup-child-not-started': groupId });
  });

  it('agent failed', async () => {
    const groupId = `rec-agent-failed-${Date.now()}`;
    await client.run({ agentId: 'dummy/fail', competitions: ['sotu-authorship'], nSeeds: 2, maxParallel: 2 }, { groupId });
    await closed(groupId);
    await save({ 'competitionRun-agent-failed': child(groupId, 2) });
  });

  it('agent retry', async () => {
    // The container killed from outside; the agent's `retries: 1` starts a fresh one.
    const groupId = `rec-agent-retry-${Date.now()}`;
    const events = await watchContainerEvents(groupId);
    await client.run({ agentId: 'dummy/retry', competitions: ['sotu-authorship'], timeLimitSecs: 600 }, { groupId });
    const first = await events.next('start');
    await docker.getContainer(first.id).kill();
    await events.next((e) => e.action === 'start' && e.id !== first.id);
    await closed(groupId);
    await save({ 'competitionRun-agent-retry': child(groupId, 1) });
  });

  it('technique run on host queues', async () => {
    const groupId = `rec-technique-${Date.now()}`;
    await client.run({ agentId: 'technique-reference', competitions: ['spambase'], techniqueTasks: true, tasks: ['leakage'] }, { groupId });
    await closed(groupId);
    await save({ 'techniqueRun-hosts': `${groupId}/leakage/spambase/seed-1` });
  });

  it('lost host', async () => {
    // Host A's worker SIGKILLed while its agent runs; after DEAD_SECS the run starts afresh on host B.
    await worker.stop();
    const a = await hostWorker('host-a');
    const groupId = `rec-host-lost-${Date.now()}`;
    const events = await watchContainerEvents(groupId);
    await client.run({ agentId: 'dummy/steady', competitions: ['sotu-authorship'] }, { groupId });
    const first = await events.next('start');
    await a.waitFor(new RegExp(`"containerId":"${first.id}"[^\\n]*"msg":"agent container attached"`));
    const b = await hostWorker('host-b');
    a.child.kill('SIGKILL');
    await a.exited;
    await events.next((e) => e.action === 'start' && e.id !== first.id);
    await closed(groupId);
    await save({ 'competitionRun-host-lost': child(groupId, 1) });
    await b.stop();
  });
});
