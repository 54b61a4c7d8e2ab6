/**
 * The sandbox against the real Docker engine: agent runs, re-attachment, time limits, the
 * sandbox's walls, cleanup, and the baseline agent on small synthetic competitions.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAgent } from '../../core/agents';
import type { AgentSpec } from '../../core/agents/types';
import { REPO_ROOT } from '../../core/config';
import {
  InfraError,
  countRunningAgentContainers,
  listAgentContainers,
  listScratchMounts,
  removeGroupContainers,
  runAgentContainer,
  stopAgentContainer,
  type AgentContainerProgress,
  type AgentContainerRequest,
} from '../../core/sandbox';
import { buildImages } from '../../core/sandbox/images';
import { makeTabularCompetition, makeTextCompetition, parseCsv, type FakeCompetition } from '../helpers/fakeCompetition';

const docker = new Docker();
const group = `sandbox-test-${process.pid}-${Date.now()}`;
let tmp: string;
let text: FakeCompetition;
let dummy: AgentSpec;

beforeAll(async () => {
  await buildImages();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'sandbox-test-'));
  text = makeTextCompetition(path.join(tmp, 'competitions', 'text'));
  dummy = await resolveAgent('dummy');
  // A host secret the container must never see.
  process.env.MLEBENCH_TEST_SECRET = 'host-secret-value';
});

afterAll(async () => {
  await removeGroupContainers(group);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  delete process.env.MLEBENCH_TEST_SECRET;
});

function request(name: string, agent: AgentSpec, overrides: Partial<AgentContainerRequest> = {}): AgentContainerRequest {
  return {
    runId: `${group}/${name}`,
    groupId: group,
    agent,
    competitionId: 'fake-text',
    seed: 1,
    timeLimitSecs: 120,
    publicDataDir: text.publicDir,
    runDir: path.join(tmp, 'runs', name),
    ...overrides,
  };
}

/** Starts (or re-attaches to) a run, and stops waiting at the first progress report: the container keeps running. */
async function attachThenLetGo(req: AgentContainerRequest): Promise<AgentContainerProgress> {
  const abort = new AbortController();
  let first: AgentContainerProgress | undefined;
  const err = await runAgentContainer(req, {
    signal: abort.signal,
    onProgress: (p) => {
      first ??= p;
      abort.abort();
    },
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect((err as Error | undefined)?.name, String(err)).toBe('AbortError');
  expect(first).toBeDefined();
  return first!;
}

/** How many containers Docker created for a run since `since` (seconds): its event log, not our bookkeeping. */
async function createdContainers(runId: string, since: number): Promise<number> {
  const stream = (await docker.getEvents({
    since,
    until: Math.ceil(Date.now() / 1000) + 1,
    filters: { type: ['container'], event: ['create'], label: [`mlebench.run=${runId}`] },
  })) as Readable;
  let body = '';
  for await (const chunk of stream) body += (chunk as Buffer).toString('utf8');
  return body.split('\n').filter((l) => l.trim()).length;
}

const read = (file: string) => readFileSync(file, 'utf8');
const nowSecs = () => Math.floor(Date.now() / 1000) - 1;

describe('runAgentContainer', () => {
  it('runs the dummy agent: exit 0, submission, code and logs written, nothing leaked, container removed', async () => {
    const req = request('dummy', dummy);
    const since = nowSecs();
    const started = Date.now();
    const progress: AgentContainerProgress[] = [];
    const result = await runAgentContainer(req, { onProgress: (p) => progress.push(p) });
    const wallMs = Date.now() - started;

    expect(result).toMatchObject({ exitCode: 0, timedOut: false, oomKilled: false, reattached: false });
    expect(progress[0]?.containerId).toBe(result.containerId);
    expect(read(path.join(req.runDir, 'submission', 'submission.csv'))).toBe(read(path.join(text.publicDir, 'sample_submission.csv')));
    expect(existsSync(path.join(req.runDir, 'code', 'dummy.py'))).toBe(true);
    const agentLog = read(path.join(req.runDir, 'logs', 'agent.log'));
    expect(agentLog).toContain('competition=fake-text seed=1 time_limit=120 uid=1000');
    expect(agentLog).toContain('wrote /home/submission/submission.csv');
    expect(agentLog).not.toContain('LEAK');
    expect(read(path.join(req.runDir, 'logs', 'dummy.log'))).toContain('wrote /home/submission/submission.csv');
    expect(await listAgentContainers({ runId: req.runId })).toEqual([]);
    console.log(`dummy run: ${wallMs} ms wall, container ${Date.parse(result.finishedAt) - Date.parse(result.startedAt)} ms`);

    // A later call (a retry after a crash between removal and reporting) returns the saved result, runs nothing.
    expect(await runAgentContainer(req)).toEqual(result);
    expect(await createdContainers(req.runId, since)).toBe(1);
  });

  it('reports a non-zero exit (dummy/fail on seed 2) without a submission', async () => {
    const req = request('fail', await resolveAgent('dummy/fail'), { seed: 2 });
    const result = await runAgentContainer(req);
    expect(result).toMatchObject({ exitCode: 1, timedOut: false });
    expect(existsSync(path.join(req.runDir, 'submission', 'submission.csv'))).toBe(false);
    expect(read(path.join(req.runDir, 'logs', 'agent.log'))).toContain('failing on purpose: seed 2');
    // The same variant succeeds on another seed.
    expect((await runAgentContainer(request('fail-seed-1', await resolveAgent('dummy/fail'), { seed: 1 }))).exitCode).toBe(0);
  });

  it('re-attaches to a running container instead of starting another, then stops it on request', async () => {
    const req = request('reattach', await resolveAgent('dummy/slow'));
    const since = nowSecs();
    const first = await attachThenLetGo(req);
    expect(first.reattached).toBe(false);
    expect((await listAgentContainers({ runId: req.runId, running: true })).map((c) => c.Id)).toEqual([first.containerId]);

    const second = await attachThenLetGo(req);
    expect(second).toMatchObject({ containerId: first.containerId, reattached: true });

    expect(await stopAgentContainer(req.runId)).toBe(1);
    expect(await listAgentContainers({ runId: req.runId })).toEqual([]);
    // A stop (a real cancel) releases the run's scratch filesystem too: no mount is left behind.
    expect(await listScratchMounts()).not.toContain(path.join(req.runDir, '.scratch'));
    expect(existsSync(path.join(req.runDir, '.scratch.img'))).toBe(false);
    expect(existsSync(path.join(req.runDir, 'logs', 'copy-out.log'))).toBe(true);
    expect(await stopAgentContainer(req.runId)).toBe(0);
    expect(await createdContainers(req.runId, since)).toBe(1);
  });

  it('creates one container when two attempts race for the same run', async () => {
    const req = request('race', await resolveAgent('dummy/slow'));
    const since = nowSecs();
    const [a, b] = await Promise.all([attachThenLetGo(req), attachThenLetGo(req)]);
    expect(a.containerId).toBe(b.containerId);
    expect([a.reattached, b.reattached].sort()).toEqual([false, true]);
    expect(await createdContainers(req.runId, since)).toBe(1);
    await stopAgentContainer(req.runId);
  });

  it('collects a container that finished while nobody was waiting', async () => {
    const req = request('collect', dummy);
    const first = await attachThenLetGo(req);
    await docker.getContainer(first.containerId).wait();
    const result = await runAgentContainer(req);
    expect(result).toMatchObject({ containerId: first.containerId, exitCode: 0, reattached: true, timedOut: false });
    expect(read(path.join(req.runDir, 'logs', 'agent.log'))).toContain('wrote /home/submission/submission.csv');
    expect(await listAgentContainers({ runId: req.runId })).toEqual([]);
  });

  it('stops the agent at its time limit, counted from the container start across re-attachment', async () => {
    const req = request('timeout', await resolveAgent('dummy/slow'), { timeLimitSecs: 3 });
    await attachThenLetGo(req);
    const result = await runAgentContainer(req, { progressIntervalMs: 500 });
    expect(result).toMatchObject({ timedOut: true, exitCode: null, reattached: true });
    const ranMs = Date.parse(result.finishedAt) - Date.parse(result.startedAt);
    expect(ranMs).toBeGreaterThanOrEqual(3000);
    expect(ranMs).toBeLessThan(3000 + 5000);
    expect(existsSync(path.join(req.runDir, 'submission', 'submission.csv'))).toBe(false);
    expect(await listAgentContainers({ runId: req.runId })).toEqual([]);
  });

  it('reports an out-of-memory kill', async () => {
    const agent = { ...dummy, command: ['python3', '-c', 'b = bytearray(300 * 1024 * 1024); print(len(b))'] };
    const result = await runAgentContainer(request('oom', agent, { limits: { memoryBytes: 64 * 1024 ** 2 } }));
    expect(result).toMatchObject({ oomKilled: true, exitCode: 137, timedOut: false });
  });
});

describe('the sandbox walls', () => {
  it('has no network, runs as uid 1000 on a read-only root, sees neither host env nor answers nor the Docker socket', async () => {
    const script = [
      'echo "ids uid=$(id -u) gid=$(id -g)"',
      'echo "ifaces $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\\n" " ")"',
      'echo "data $(ls -A /home/data | tr "\\n" " ")"',
      'touch /probe 2>/dev/null && echo "root writable" || echo "root read-only"',
      'touch /tmp/probe "$HOME/probe" && echo "scratch writable"',
      'test -e /var/run/docker.sock && echo "docker socket present" || echo "no docker socket"',
      'head -c 60 /home/instructions.txt; echo',
      'echo "env $(env | tr "\\n" " ")"',
    ].join('; ');
    const req = request('walls', { ...dummy, command: ['sh', '-c', script] });
    const result = await runAgentContainer(req);
    expect(result.exitCode).toBe(0);
    const out = read(path.join(req.runDir, 'logs', 'agent.log'));
    expect(out).toContain('ids uid=1000 gid=1000');
    expect(out).toMatch(/^ifaces lo $/m);
    expect(out).toMatch(/^data description\.md sample_submission\.csv test\.csv train\.csv $/m);
    expect(out).toContain('root read-only');
    expect(out).toContain('scratch writable');
    expect(out).toContain('no docker socket');
    expect(out).toContain(read(path.join(REPO_ROOT, 'agents', 'instructions.txt')).slice(0, 60));
    const env = out.split('\n').find((l) => l.startsWith('env '))!;
    expect(env).toContain('COMPETITION_ID=fake-text');
    expect(env).toContain('TIME_LIMIT_SECS=120');
    expect(env).toContain('SEED=1');
    expect(env).not.toContain('host-secret-value');
    expect(env).not.toContain('MLEBENCH_');
  });

  it('creates the container with the sandbox settings', async () => {
    const req = request('settings', await resolveAgent('dummy/slow'));
    const { containerId } = await attachThenLetGo(req);
    const info = await docker.getContainer(containerId).inspect();
    await stopAgentContainer(req.runId);
    expect(info.HostConfig).toMatchObject({
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
    });
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.Labels).toMatchObject({
      'mlebench.run': req.runId,
      'mlebench.group': group,
      'mlebench.agent': 'dummy/slow',
      'mlebench.seed': '1',
    });
    expect(info.Mounts.map((m) => m.Source).some((s) => s.includes('private'))).toBe(false);
  });

  it('the dummy agent does detect answers when they are reachable (its check is not vacuous)', async () => {
    const leaky = path.join(tmp, 'competitions', 'leaky');
    mkdirSync(path.join(leaky, 'private'), { recursive: true });
    writeFileSync(path.join(leaky, 'private', 'answers.csv'), 'id,author\n');
    writeFileSync(path.join(leaky, 'sample_submission.csv'), 'id,a\n');
    const req = request('leaky', dummy, { publicDataDir: leaky });
    const result = await runAgentContainer(req);
    expect(result.exitCode).toBe(3);
    expect(read(path.join(req.runDir, 'logs', 'agent.log'))).toMatch(/LEAK: file \/home\/data\/private/);
  });

  it('lets the agent validate its submission format without a score', async () => {
    const script = [
      'cp /home/data/sample_submission.csv /home/submission/submission.csv && validate-submission',
      'awk -F, \'NR==1{print;next} NR==2{print $1",2,0,0";next} NR==3{print $1",nan,0,0"; next} NR<6{print}\' /home/data/sample_submission.csv > /tmp/bad.csv',
      'validate-submission /tmp/bad.csv; echo "exit $?"',
    ].join('; ');
    const req = request('validate', { ...dummy, command: ['sh', '-c', script] });
    expect((await runAgentContainer(req)).exitCode).toBe(0);
    const out = read(path.join(req.runDir, 'logs', 'agent.log'));
    expect(out).toMatch(/^valid: \/home\/submission\/submission\.csv has the sample's 4 columns and 150 ids$/m);
    expect(out).toMatch(/^invalid: \/tmp\/bad\.csv$/m);
    expect(out).toContain('4 rows, the sample has 150');
    // Like the grader, the first kind of problem a person would fix (here the rows) is what it names.
    expect(out).toMatch(/missing ids: .*\(146 in all\)/);
    expect(out).toMatch(/^exit 1$/m);
  });
});

describe('infrastructure failures are InfraError, never the agent’s', () => {
  it('a missing image', async () => {
    const req = request('noimage', { ...dummy, image: 'mlebench-agent-missing:000000000000' });
    await expect(runAgentContainer(req)).rejects.toThrow(InfraError);
    await expect(runAgentContainer(req)).rejects.toThrow(
      /image mlebench-agent-missing:000000000000 of agent dummy not found: run "bash scripts\/setup\.sh"/,
    );
    expect(existsSync(req.runDir)).toBe(false);
  });

  it('a Docker engine that does not answer', async () => {
    const dead = new Docker({ socketPath: path.join(tmp, 'no-docker.sock') });
    await expect(runAgentContainer(request('nodocker', dummy), { docker: dead })).rejects.toThrow(/Docker engine at .* is not answering/);
  });
});

describe('cleanup', () => {
  it('removes every container of a group, idempotently', async () => {
    const g = `${group}-cleanup`;
    const slow = await resolveAgent('dummy/slow');
    await Promise.all(['a', 'b'].map((n) => attachThenLetGo(request(`cleanup-${n}`, slow, { groupId: g }))));
    expect(await countRunningAgentContainers(g)).toBe(2);
    expect(await removeGroupContainers(g)).toBe(2);
    expect(await countRunningAgentContainers(g)).toBe(0);
    expect(await listAgentContainers({ groupId: g })).toEqual([]);
    expect(await removeGroupContainers(g)).toBe(0);
  });
});

describe('the baseline agent', () => {
  const logLoss = (comp: FakeCompetition, header: string[], rows: string[][]) => {
    let total = 0;
    for (const row of rows) {
      const truth = comp.answers.get(row[0]!)!;
      total -= Math.log(Math.max(1e-15, Number(row[header.indexOf(truth)])));
    }
    return total / rows.length;
  };

  it('beats the sample submission on a text competition, with the sample’s columns and ids', async () => {
    const req = request('baseline-text', await resolveAgent('baseline'), { timeLimitSecs: 300 });
    const started = Date.now();
    const result = await runAgentContainer(req);
    console.log(`baseline (text, 600 rows): ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(result.exitCode).toBe(0);
    const sample = parseCsv(read(path.join(text.publicDir, 'sample_submission.csv')));
    const sub = parseCsv(read(path.join(req.runDir, 'submission', 'submission.csv')));
    expect(sub.header).toEqual(sample.header);
    expect(sub.rows.map((r) => r[0])).toEqual(sample.rows.map((r) => r[0]));
    for (const row of sub.rows) expect(row.slice(1).reduce((s, v) => s + Number(v), 0)).toBeCloseTo(1, 6);
    expect(logLoss(text, sub.header, sub.rows)).toBeLessThan(0.8 * logLoss(text, sample.header, sample.rows));
    expect(existsSync(path.join(req.runDir, 'code', 'baseline.py'))).toBe(true);
    expect(read(path.join(req.runDir, 'logs', 'baseline.log'))).toMatch(/validate-submission: valid/);
  });

  it('handles a tabular competition: numbers with gaps, a category, an id-like column, a probability target', async () => {
    const tab = makeTabularCompetition(path.join(tmp, 'competitions', 'tabular'));
    const req = request('baseline-tabular', await resolveAgent('baseline'), {
      publicDataDir: tab.publicDir,
      competitionId: 'fake-tabular',
      timeLimitSecs: 300,
    });
    expect((await runAgentContainer(req)).exitCode).toBe(0);
    const sub = parseCsv(read(path.join(req.runDir, 'submission', 'submission.csv')));
    expect(sub.header).toEqual(['id', 'target']);
    const probs = sub.rows.map((r) => Number(r[1]));
    expect(probs.every((p) => p >= 0 && p <= 1)).toBe(true);
    // Better than chance: P(1) is higher on average where the answer is 1.
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const byTruth = (t: string) => sub.rows.filter((r) => tab.answers.get(r[0]!) === t).map((r) => Number(r[1]));
    expect(mean(byTruth('1')) - mean(byTruth('0'))).toBeGreaterThan(0.3);
  });
});
