/**
 * An LLM agent's sandbox, against real containers and a real gateway whose upstream is a local
 * scripted OpenAI-compatible server: the container reaches the gateway on its run's internal
 * network and nothing else on the host; it holds a per-run token, never the upstream key; a
 * budget that runs out ends the run and is recorded; a worker that restarts mid-run gives the
 * container back its token and the budget where it was.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ActivityCancellationDetails } from '@temporalio/common';
import { runAgentActivities, type RunAgentInput, type RunAgentResult } from '../../activities/runAgent';
import { startGateway, type Gateway, type RolloutLine } from '../../core/gateway';
import { hostAddressOf } from '../../core/sandbox/bridge';
import { listAgentContainers, removeGroupContainers } from '../../core/sandbox';
import { listRules } from '../../core/sandbox/firewall';
import { buildImages } from '../../core/sandbox/images';
import { runNetworkName } from '../../core/sandbox/llmNetwork';
import type { AgentContainerProgress } from '../../core/sandbox/types';
import { makeTextCompetition } from '../helpers/fakeCompetition';
import { startScriptedLlm, type ScriptedLlm } from '../helpers/scriptedLlm';

const UPSTREAM_KEY = 'sk-upstream-key-never-in-a-container-7f3a9c';
const ALIAS = 'gateway-gpt-4o-mini';
const docker = new Docker();
const group = `llm-access-test-${process.pid}`;
let tmp: string;
let upstream: ScriptedLlm;
let input: (name: string, agentId: string, overrides?: Partial<RunAgentInput>) => RunAgentInput;

async function newGateway(): Promise<Gateway> {
  return startGateway({
    config: { aliases: { [ALIAS]: 'scripted-model' }, prices: { 'scripted-model': { inputPerMTok: 1, outputPerMTok: 2 } } },
    apiKey: UPSTREAM_KEY,
    baseURL: upstream.url,
    retryBaseMs: 1,
  });
}

beforeAll(async () => {
  await buildImages();
  upstream = await startScriptedLlm({ host: '127.0.0.1' });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'llm-access-test-'));
  const competition = makeTextCompetition(path.join(tmp, 'competition'));
  input = (name, agentId, overrides = {}) => ({
    runId: `${group}/${name}`,
    groupId: group,
    agentId,
    competitionId: 'fake-text',
    seed: 1,
    timeLimitSecs: 600,
    publicDataDir: competition.publicDir,
    runDir: path.join(tmp, 'runs', group, name),
    ...overrides,
  });
  process.env.MLEBENCH_BUDGET_GRACE_SECS = '8';
});

afterAll(async () => {
  delete process.env.MLEBENCH_BUDGET_GRACE_SECS;
  await removeGroupContainers(group);
  await upstream?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function rollout(run: RunAgentInput): RolloutLine[] {
  return readFileSync(path.join(run.runDir, 'logs', 'llm', 'rollout.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RolloutLine);
}

/** Runs the activity; `whileRunning` is called once its container runs (first heartbeat with a container id). */
function runActivity(env: MockActivityEnvironment, gateway: Gateway | undefined, run: RunAgentInput) {
  const activities = runAgentActivities({ gateway });
  const started = new Promise<string>((resolve) =>
    env.on('heartbeat', (d: AgentContainerProgress) => d.containerId && resolve(d.containerId)),
  );
  const result = env.run<[RunAgentInput], RunAgentResult, (i: RunAgentInput) => Promise<RunAgentResult>>(
    (i) => activities.runAgent(i),
    run,
  );
  return { started, result };
}

/** Runs `code` with python in the container as the agent's user, returning its stdout (async: the gateway answers from this process). */
async function execInContainer(containerId: string, code: string): Promise<string> {
  const { stdout } = await promisify(execFile)('docker', ['exec', containerId, 'python3', '-c', code], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return stdout;
}

describe('an LLM agent reaches the gateway and nothing else', () => {
  it('calls through the gateway with its own token; usage and the transcript are recorded', async () => {
    const gateway = await newGateway();
    try {
      const run = input('calls', 'llm-dummy');
      const before = upstream.requests.length;
      const rulesBefore = await listRules();
      const result = await runActivity(new MockActivityEnvironment(), gateway, run).result;
      expect(result.exitCode).toBe(0);
      const seen = upstream.requests.slice(before);
      expect(seen).toHaveLength(2);
      // The upstream sees the real key and the upstream model; the agent asked for the alias.
      expect(seen.every((r) => r.headers.authorization === `Bearer ${UPSTREAM_KEY}` && r.body.model === 'scripted-model')).toBe(true);
      expect(result.llm).toMatchObject({ requests: 2, budget: {}, rolloutFile: 'logs/llm/rollout.jsonl' });
      expect(result.llm!.totalTokens).toBeGreaterThan(0);
      expect(result.llm!.costUsd).toBeGreaterThan(0);
      expect(result.llm!.budgetExhausted).toBeUndefined();
      const lines = rollout(run);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatchObject({ runId: run.runId, admitted: true, upstreamModel: 'scripted-model', request: { model: ALIAS } });
      expect(lines[0]!.response).toBeDefined();
      const replies = readFileSync(path.join(run.runDir, 'logs', 'replies.jsonl'), 'utf8')
        .trim()
        .split('\n');
      expect(replies.map((l) => (JSON.parse(l) as { status: number }).status)).toEqual([200, 200]);
      // Once the container is gone, so are its network and its firewall rules.
      await expect(docker.getNetwork(runNetworkName(run.runId)).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect(await listRules()).toEqual(rulesBefore);
    } finally {
      await gateway.close();
    }
  });

  it('sees only its internal network, cannot reach the host beyond the gateway, and never holds the upstream key; its budget ends it', async () => {
    const gateway = await newGateway();
    // A host service on the run's own bridge address: the firewall must keep the agent from it.
    const hostService = net.createServer((s) => s.end('host service\n'));
    let hostServiceConnections = 0;
    hostService.on('connection', () => hostServiceConnections++);
    try {
      const run = input('budget', 'llm-dummy/spend', { llmBudget: { maxRequests: 3 } });
      const { started, result } = runActivity(new MockActivityEnvironment(), gateway, run);
      const containerId = await started;
      expect(await gateway.budgetExhausted(run.runId)).toBe('requests');

      const network = await docker.getNetwork(runNetworkName(run.runId)).inspect();
      expect(network.Internal).toBe(true);
      expect(network.Labels).toMatchObject({ 'mlebench.run': run.runId });
      const gatewayIp = hostAddressOf(network) ?? '';
      await new Promise<void>((r) => hostService.listen(0, gatewayIp, r));
      const hostPort = (hostService.address() as net.AddressInfo).port;

      const info = await docker.getContainer(containerId).inspect();
      expect(Object.keys(info.NetworkSettings.Networks)).toEqual([network.Name]);
      const env = info.Config.Env.join('\n');
      expect(env).toMatch(/^OPENAI_API_KEY=mlb-[A-Za-z0-9_-]{43}$/m);
      expect(env).toContain(`OPENAI_BASE_URL=http://${gatewayIp}:`);
      expect(JSON.stringify(info)).not.toContain(UPSTREAM_KEY);

      const probe = JSON.parse(
        await execInContainer(
          containerId,
          `
import glob, json, os, socket, urllib.request, urllib.error
def reach(host, port):
    s = socket.socket(); s.settimeout(3)
    try:
        s.connect((host, port)); return True
    except OSError:
        return False
    finally:
        s.close()
base = os.environ['OPENAI_BASE_URL']
gw = base.split('//')[1].split('/')[0].split(':')
environs = ''
for p in glob.glob('/proc/[0-9]*/environ'):
    try: environs += open(p, 'rb').read().decode('latin-1')
    except OSError: pass
try:
    urllib.request.urlopen(base + '/models', timeout=5); models = 200
except urllib.error.HTTPError as e:
    models = e.code
print(json.dumps({
  'interfaces': sorted(l.split(':')[0].strip() for l in open('/proc/net/dev').readlines()[2:]),
  'routes': [l.split()[1] for l in open('/proc/net/route').readlines()[1:]],
  'gateway': reach(gw[0], int(gw[1])),
  'modelsWithoutToken': models,
  'hostService': reach(gw[0], ${hostPort}),
  'upstreamKeyInEnv': '${UPSTREAM_KEY}' in environs,
}))`,
        ),
      ) as {
        interfaces: string[];
        routes: string[];
        gateway: boolean;
        modelsWithoutToken: number;
        hostService: boolean;
        upstreamKeyInEnv: boolean;
      };
      expect(probe.interfaces).toEqual(['eth0', 'lo']);
      expect(probe.gateway).toBe(true);
      expect(probe.modelsWithoutToken).toBe(401);
      expect(probe.hostService).toBe(false);
      expect(hostServiceConnections).toBe(0);
      expect(probe.upstreamKeyInEnv).toBe(false);

      const ended = await result;
      expect(ended).toMatchObject({ stoppedForBudget: true, timedOut: false, exitCode: null });
      expect(ended.llm).toMatchObject({ requests: 3, budgetExhausted: 'requests', budget: { maxRequests: 3 } });
      const lines = rollout(run);
      expect(lines.filter((l) => l.admitted)).toHaveLength(3);
      expect(lines.at(-1)).toMatchObject({ admitted: false, budgetExhausted: 'requests', error: { status: 402 } });
      expect(readFileSync(path.join(run.runDir, 'submission', 'submission.csv'), 'utf8')).toContain('id');
      expect((await listRules()).some((r) => r.includes(gatewayIp))).toBe(false);
    } finally {
      hostService.close();
      await gateway.close();
    }
  });

  it('a worker restart gives the running container back its token, and the budget continues from the rollout', async () => {
    const run = input('resume', 'llm-dummy/spend', { llmBudget: { maxRequests: 4 } });
    const first = await newGateway();
    const firstEnv = new MockActivityEnvironment();
    const one = runActivity(firstEnv, first, run);
    const containerId = await one.started;
    await first.budgetExhausted(run.runId);
    firstEnv.cancel('WORKER_SHUTDOWN', new ActivityCancellationDetails({ workerShutdown: true }));
    await expect(one.result).rejects.toThrow();
    await first.close(); // the old worker is gone; the agent's call in flight, if any, is dropped and retried
    expect((await listAgentContainers({ runId: run.runId, running: true })).map((c) => c.Id)).toEqual([containerId]);

    const second = await newGateway();
    try {
      const two = runActivity(new MockActivityEnvironment(), second, run);
      expect(await two.started).toBe(containerId);
      // Resumed from the rollout: the budget was already spent, so it is still exhausted.
      expect(second.usageOf(run.runId)).toMatchObject({ requests: 4, budgetExhausted: 'requests' });
      const ended = await two.result;
      expect(ended).toMatchObject({ stoppedForBudget: true, reattached: true });
      expect(ended.llm).toMatchObject({ requests: 4, budgetExhausted: 'requests' });
    } finally {
      await second.close();
    }
  });

  it('an LLM agent on a worker without a gateway fails at once, saying how to give it one', async () => {
    const run = input('no-gateway', 'llm-dummy');
    await expect(runActivity(new MockActivityEnvironment(), undefined, run).result).rejects.toMatchObject({
      name: 'LlmGatewayUnavailableError',
      message: expect.stringContaining('OPENAI_API_KEY') as unknown,
    });
    expect(await listAgentContainers({ runId: run.runId })).toEqual([]);
  });
});
