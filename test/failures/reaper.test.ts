/**
 * The reaper against a real dev server and engine: leftovers of runs that no longer exist (closed,
 * or unknown to Temporal) are removed — containers, and labelled networks and volumes — while a
 * running workflow's container, and anything of another runs folder, is never touched. Through
 * `mlebench reap [--dry-run]` and through a worker's start-up sweep.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HarnessWorker } from '../../worker/harnessWorker';
import { resolveAgent } from '../../core/agents';
import { RUNS_DIR_LABEL, reapLeftovers, type ReapReport, type WorkflowState } from '../../core/sandbox/reaper';
import { ensureRunNetwork, removeRunNetwork, restrictToGateway, type RunNetwork } from '../../core/sandbox/llmNetwork';
import { listRules, removeBridgeRules } from '../../core/sandbox/firewall';
import { reapCommand } from '../../client/cli/reap';
import { temporalSuite } from '../helpers/temporalSuite';
import { until } from '../helpers/runContainers';
import { watchGroupEvents } from '../helpers/dockerEvents';

const docker = new Docker();
const h = temporalSuite('in-process');
let worker: HarnessWorker;
let running: Promise<void>;
let image: string;
const made: { containers: string[]; networks: string[]; volumes: string[] } = { containers: [], networks: [], volumes: [] };

beforeAll(async () => {
  image = (await resolveAgent('dummy')).image;
  worker = await h.newWorker();
  running = worker.run();
});

afterAll(async () => {
  for (const id of made.containers)
    await docker
      .getContainer(id)
      .remove({ force: true })
      .catch(() => undefined);
  for (const id of made.networks)
    await docker
      .getNetwork(id)
      .remove()
      .catch(() => undefined);
  for (const id of made.volumes)
    await docker
      .getVolume(id)
      .remove({ force: true })
      .catch(() => undefined);
  worker?.shutdown();
  await running;
});

/** A container labelled as run `runId`'s, its submission mounted from under `runsDir`. */
async function leftoverContainer(runId: string, runsDir: string, start: boolean, labels: Record<string, string> = {}): Promise<string> {
  const submission = path.join(runsDir, 'leftovers', runId.replace(/\//g, '_'), Object.values(labels).join('_'), 'submission');
  mkdirSync(submission, { recursive: true });
  const c = await docker.createContainer({
    Image: image,
    Cmd: ['sleep', '3600'],
    Labels: { 'mlebench.run': runId, 'mlebench.group': runId.split('/')[0]!, ...labels },
    HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'bind', Source: submission, Target: '/home/submission', ReadOnly: false }] },
  });
  if (start) await c.start();
  made.containers.push(c.id);
  return c.id;
}

async function leftoverNetwork(runId: string, runsDir: string): Promise<string> {
  const n = await docker.createNetwork({
    Name: `mlebench-test-${Math.random().toString(36).slice(2, 10)}`,
    Internal: true,
    Labels: { 'mlebench.run': runId, [RUNS_DIR_LABEL]: runsDir },
  });
  made.networks.push(n.id);
  return n.id;
}

async function leftoverVolume(runId: string, runsDir: string): Promise<string> {
  const v = await docker.createVolume({
    Name: `mlebench-test-${Math.random().toString(36).slice(2, 10)}`,
    Labels: { 'mlebench.run': runId, [RUNS_DIR_LABEL]: runsDir },
  });
  made.volumes.push(v.name);
  return v.name;
}

const exists = {
  container: (id: string) =>
    docker
      .getContainer(id)
      .inspect()
      .then(
        () => true,
        () => false,
      ),
  network: (id: string) =>
    docker
      .getNetwork(id)
      .inspect()
      .then(
        () => true,
        () => false,
      ),
  volume: (name: string) =>
    docker
      .getVolume(name)
      .inspect()
      .then(
        () => true,
        () => false,
      ),
};

/** `mlebench reap <args> --json` in this process, against this test's server and runs folder. */
async function reapCli(args: string[]): Promise<ReapReport> {
  const env = { TEMPORAL_ADDRESS: h.env.address, MLEBENCH_RUNS_DIR: h.paths.runsDir };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  let out = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await reapCommand().parseAsync([...args, '--json'], { from: 'user' });
  } finally {
    write.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return JSON.parse(out) as ReapReport;
}

describe('the reaper', () => {
  it('removes the leftovers of closed and unknown runs, never a running workflow’s or another runs folder’s', async () => {
    const runsDir = h.paths.runsDir;
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'mlebench-other-runs-'));
    // A finished run, and a run still working.
    await h.client.run({ agentId: 'dummy', competitions: ['sotu-authorship'] }, { groupId: 'reap-done' });
    await h.client.waitForCompletion('reap-done');
    const watch = await watchGroupEvents('reap-running');
    await h.client.run({ agentId: 'dummy/slow', competitions: ['sotu-authorship'] }, { groupId: 'reap-running' });
    const live = (await watch.next((e) => e.action === 'start')).id;
    watch.stop();

    const gone = {
      ghost: await leftoverContainer('reap-ghost/sotu-authorship/seed-1', runsDir, true), // unknown to Temporal, still running
      closed: await leftoverContainer('reap-done/sotu-authorship/seed-1', runsDir, false), // its workflow completed
      network: await leftoverNetwork('reap-ghost/sotu-authorship/seed-1', runsDir),
      volume: await leftoverVolume('reap-ghost/sotu-authorship/seed-1', runsDir),
    };
    const kept = {
      otherHarness: await leftoverContainer('reap-ghost/other/seed-1', elsewhere, true),
      otherNetwork: await leftoverNetwork('reap-ghost/other/seed-1', elsewhere),
    };

    const dry = await reapCli(['--dry-run']);
    expect(dry.reaped.map((r) => [r.kind, r.runId, r.state, r.removed]).sort()).toEqual(
      [
        ['container', 'reap-done/sotu-authorship/seed-1', 'closed', false],
        ['container', 'reap-ghost/sotu-authorship/seed-1', 'unknown', false],
        ['network', 'reap-ghost/sotu-authorship/seed-1', 'unknown', false],
        ['volume', 'reap-ghost/sotu-authorship/seed-1', 'unknown', false],
      ].sort(),
    );
    expect(dry.kept).toEqual([
      {
        kind: 'container',
        name: expect.any(String) as unknown,
        runId: 'reap-running/sotu-authorship/seed-1',
        why: 'its workflow is running',
      },
    ]);
    expect(await exists.container(gone.ghost)).toBe(true); // a dry run removes nothing

    const report = await reapCli([]);
    expect(report.reaped.every((r) => r.removed)).toBe(true);
    expect(report.reaped).toHaveLength(4);
    expect(await exists.container(gone.ghost)).toBe(false);
    expect(await exists.container(gone.closed)).toBe(false);
    expect(await exists.network(gone.network)).toBe(false);
    expect(await exists.volume(gone.volume)).toBe(false);
    expect((await docker.getContainer(live).inspect()).State.Running).toBe(true);
    expect(await exists.container(kept.otherHarness)).toBe(true);
    expect(await exists.network(kept.otherNetwork)).toBe(true);

    await h.client.cancel('reap-running');
    await h.client.waitForCompletion('reap-running').catch(() => undefined);
    expect(await exists.container(live)).toBe(false);
  });

  it('sweeps at worker start-up', async () => {
    const ghost = await leftoverContainer('reap-sweep/sotu-authorship/seed-1', h.paths.runsDir, true);
    worker.shutdown(); // one worker per connection and queue: replace it
    await running;
    worker = await h.newWorker(); // creating a worker starts the sweep, in the background
    running = worker.run();
    await until(async () => !(await exists.container(ghost)), 30_000, 'the start-up sweep to remove the leftover');
  });
});

describe('the reaper and a running run’s containers (a fake workflow state)', () => {
  const runId = 'reap-moved/sotu-authorship/seed-1';
  const running = () => Promise.resolve<WorkflowState>('running');

  it('removes the containers of an earlier attempt or another host, and any past its deadline; keeps the current one', async () => {
    const runsDir = mkdtempSync(path.join(os.tmpdir(), 'mlebench-reap-moved-'));
    const ids = {
      // The run lost host-a (attempt 0) and now runs attempt 1 on host-b.
      lostHost: await leftoverContainer(runId, runsDir, true, { 'mlebench.host': 'host-a', 'mlebench.deadline-secs': '3600' }),
      sameAttemptElsewhere: await leftoverContainer(runId, runsDir, true, {
        'mlebench.attempt': '1',
        'mlebench.host': 'host-c',
        'mlebench.deadline-secs': '3600',
      }),
      current: await leftoverContainer(runId, runsDir, true, {
        'mlebench.attempt': '1',
        'mlebench.host': 'host-b',
        'mlebench.deadline-secs': '3600',
      }),
      // Made before hosts and deadlines were labelled: judged by its attempt alone.
      unlabelled: await leftoverContainer(runId, runsDir, true, { 'mlebench.attempt': '1' }),
    };
    const asked: string[] = [];
    const placement = (id: string) => {
      asked.push(id);
      return Promise.resolve({ attempt: 1, host: 'host-b' });
    };
    const dry = await reapLeftovers({ runsDir, workflowState: running, placement, dryRun: true });
    expect(asked).toEqual([runId]); // once per run, however many containers it has
    expect(Object.fromEntries(dry.reaped.map((r) => [r.id, r.why]))).toEqual({
      [ids.lostHost]: 'its run moved on to attempt 1 on host host-b (this is attempt 0 on host host-a)',
      [ids.sameAttemptElsewhere]: 'its run moved to host host-b (this container is on host host-c)',
    });
    expect(dry.kept.map((k) => k.why)).toEqual(['its workflow is running', 'its workflow is running']);

    const report = await reapLeftovers({ runsDir, workflowState: running, placement });
    expect(report.reaped.every((r) => r.removed && r.state === 'running')).toBe(true);
    expect(await exists.container(ids.lostHost)).toBe(false);
    expect(await exists.container(ids.sameAttemptElsewhere)).toBe(false);
    expect((await docker.getContainer(ids.current).inspect()).State.Running).toBe(true);
    expect(await exists.container(ids.unlabelled)).toBe(true);

    // An hour and a bit later the current container is past its deadline: removed whatever Temporal says (it is down).
    const later = Date.now() + 3700_000;
    const down = () => Promise.reject(new Error('temporal unavailable'));
    const late = await reapLeftovers({ runsDir, workflowState: down, placement: down, now: () => later });
    expect(late.reaped).toEqual([
      {
        kind: 'container',
        id: ids.current,
        name: expect.any(String) as unknown,
        runId,
        why: expect.stringMatching(/^past its deadline: started .*, 3600 s allowed, (99|1\d\d) s over$/) as unknown,
        removed: true,
      },
    ]);
    expect(late.kept).toEqual([
      { kind: 'container', name: expect.any(String) as unknown, runId, why: "cannot tell the workflow's state: temporal unavailable" },
    ]);
    expect(await exists.container(ids.current)).toBe(false);
    expect(await exists.container(ids.unlabelled)).toBe(true);
    rmSync(runsDir, { recursive: true, force: true });
  });
});

describe('the reaper and an LLM run’s network', () => {
  /** The rules of both tools that mention the network's bridge. */
  const rulesOf = async (net: RunNetwork) => ({
    v4: (await listRules()).filter((r) => r.includes(` -i ${net.bridge} `)),
    v6: (await listRules('ip6tables')).filter((r) => r.includes(` -i ${net.bridge} `)),
  });

  /** A run network under a fresh runs folder, with the gateway's firewall rules; `body` gets it; both removed after. */
  async function withLlmNetwork(name: string, body: (net: RunNetwork, runsDir: string, runId: string) => Promise<void>): Promise<void> {
    const runsDir = mkdtempSync(path.join(os.tmpdir(), 'mlebench-reap-llm-'));
    const groupId = `reap-llm-${process.pid}`;
    const runId = `${groupId}/${name}/seed-1`;
    let bridge: string | undefined;
    try {
      const net = await ensureRunNetwork({ runId, groupId, runDir: path.join(runsDir, groupId, `${name}_seed-1`) });
      bridge = net.bridge;
      await restrictToGateway(net, 40_000 + (process.pid % 20_000));
      const rules = await rulesOf(net);
      expect(rules.v4.some((r) => r.includes('-j ACCEPT') && r.includes(net.gatewayIp))).toBe(true);
      expect(rules.v4.some((r) => r.includes('-j DROP'))).toBe(true);
      expect(rules.v6.some((r) => r.includes('-j DROP'))).toBe(true);
      await body(net, runsDir, runId);
    } finally {
      await removeRunNetwork(runId);
      if (bridge) await removeBridgeRules(bridge); // whatever the reaper left
      rmSync(runsDir, { recursive: true, force: true });
    }
  }

  it('removes a closed run’s network together with its firewall rules', async () => {
    await withLlmNetwork('closed', async (net, runsDir, runId) => {
      const asked: string[] = [];
      const report = await reapLeftovers({
        runsDir,
        workflowState: (id) => {
          asked.push(id);
          return Promise.resolve<WorkflowState>('closed');
        },
      });
      expect(asked).toEqual([runId]);
      expect(report.kept).toEqual([]);
      expect(report.reaped).toEqual([
        { kind: 'network', id: net.id, name: net.name, runId, state: 'closed', why: 'its workflow is closed', removed: true },
      ]);
      expect(await exists.network(net.id)).toBe(false);
      expect(await rulesOf(net)).toEqual({ v4: [], v6: [] });
    });
  });

  it('keeps a running run’s network and its rules, as when the state cannot be told or on a dry run', async () => {
    await withLlmNetwork('running', async (net, runsDir, runId) => {
      const before = await rulesOf(net);
      const lookups: [string, () => Promise<WorkflowState>][] = [
        ['its workflow is running', () => Promise.resolve('running')],
        ["cannot tell the workflow's state: temporal unavailable", () => Promise.reject(new Error('temporal unavailable'))],
      ];
      for (const [why, workflowState] of lookups) {
        const report = await reapLeftovers({ runsDir, workflowState });
        expect(report.reaped).toEqual([]);
        expect(report.kept).toEqual([{ kind: 'network', name: net.name, runId, why }]);
      }
      const dry = await reapLeftovers({ runsDir, workflowState: () => Promise.resolve('closed'), dryRun: true });
      expect(dry.reaped).toEqual([
        { kind: 'network', id: net.id, name: net.name, runId, state: 'closed', why: 'its workflow is closed', removed: false },
      ]);
      expect(await exists.network(net.id)).toBe(true);
      expect(await rulesOf(net)).toEqual(before);
    });
  });
});
