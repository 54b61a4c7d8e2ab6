/**
 * The aide agent's image (AIDE 0.2.2) against a scripted OpenAI-compatible server on the Docker
 * bridge, in a container walled like the harness's (read-only root, tmpfs /tmp and home, uid 1000,
 * no capabilities), on spambase prepared from its real data: the best node's submission and code
 * are kept (not the last node's), AIDE's logs are collected, the calls carry the token and the
 * gateway alias, a run with no working solution fails with its reason, and a SIGTERM mid-step
 * keeps what was found. No gateway: the container talks to the scripted server directly.
 */
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveAgent } from '../../core/agents';
import type { AgentSpec } from '../../core/agents/types';
import { REPO_ROOT } from '../../core/config';
import { prepareCompetition, type PreparedCompetition } from '../../core/competitions';
import { gradeSubmission } from '../../core/grading';
import { hostAddressOf } from '../../core/sandbox/bridge';
import { buildImages } from '../../core/sandbox/images';
import { SPAMBASE_SOLUTIONS, startScriptedLlm, type ScriptedLlm } from '../helpers/scriptedLlm';

const docker = new Docker();
const label = `mlebench.test=aide-image-${process.pid}`;
const TOKEN = 'per-run-gateway-token';
let tmp: string;
let dataDir: string;
let spambase: PreparedCompetition;
let aide: AgentSpec;
let bridgeIp: string;
const servers: ScriptedLlm[] = [];

beforeAll(async () => {
  await buildImages();
  aide = await resolveAgent('aide/dev');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'aide-image-'));
  dataDir = path.join(tmp, 'data');
  spambase = await prepareCompetition('spambase', { dataDir });
  // The host as containers on the default bridge see it (an engine may report no gateway for it).
  const bridge = await docker.getNetwork('bridge').inspect();
  const address = hostAddressOf(bridge);
  if (!address) throw new Error(`the default bridge tells no host address: ${JSON.stringify(bridge.IPAM)}`);
  bridgeIp = address;
}, 600_000);

/** Every test's containers go with the test, whether it passed, failed or timed out. */
async function removeTestContainers() {
  for (const c of await docker.listContainers({ all: true, filters: { label: [label] } }))
    await docker.getContainer(c.Id).remove({ force: true });
}
afterEach(removeTestContainers);

afterAll(async () => {
  await removeTestContainers();
  for (const s of servers) await s.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** AIDE's OpenAI client retrying a connection it cannot make: the run can only wait out its time-out. */
const UNREACHABLE_LLM = /Backing off backoff_create|APIConnectionError|Connection error\./;

interface Run {
  container: Docker.Container;
  dir: string;
  /** Resolves when the container's output matches; rejects if it exits first. */
  output: (re: RegExp) => Promise<void>;
  /** Resolves with the exit code and the container's whole output. */
  done: Promise<{ exitCode: number; log: string }>;
}

async function startAide(name: string, llm: ScriptedLlm, env: Record<string, string> = {}): Promise<Run> {
  const dir = path.join(tmp, name);
  for (const d of ['submission', 'code', 'logs']) {
    mkdirSync(path.join(dir, d), { recursive: true });
    chownSync(path.join(dir, d), 1000, 1000);
  }
  const bind = (source: string, target: string, ro = false) => ({ Type: 'bind' as const, Source: source, Target: target, ReadOnly: ro });
  const container = await docker.createContainer({
    Image: aide.image,
    User: '1000:1000',
    Labels: { 'mlebench.test': `aide-image-${process.pid}` },
    Env: Object.entries({
      ...aide.env,
      AIDE_STEPS: '2',
      COMPETITION_ID: 'spambase',
      SEED: '1',
      TIME_LIMIT_SECS: '600',
      OPENAI_API_KEY: TOKEN,
      OPENAI_BASE_URL: llm.url,
      ...env,
    }).map(([k, v]) => `${k}=${v}`),
    HostConfig: {
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=1g', '/home/agent': 'rw,nosuid,nodev,size=512m,uid=1000,gid=1000,mode=0700' },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Memory: 4 * 1024 ** 3,
      Mounts: [
        bind(spambase.publicDir, '/home/data', true),
        bind(path.join(REPO_ROOT, 'agents', 'instructions.txt'), '/home/instructions.txt', true),
        bind(path.join(dir, 'submission'), '/home/submission'),
        bind(path.join(dir, 'code'), '/home/code'),
        bind(path.join(dir, 'logs'), '/home/logs'),
      ],
    },
  });
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  const ended = new Promise((resolve) => stream.once('end', resolve));
  const out = new PassThrough();
  docker.modem.demuxStream(stream, out, out);
  let log = '';
  const waiters: { re: RegExp; resolve: () => void; reject: (e: Error) => void }[] = [];
  let unreachable: ((e: Error) => void) | undefined;
  const failFast = new Promise<never>((_, reject) => (unreachable = reject));
  failFast.catch(() => undefined); // observed through `done` and `output`
  out.on('data', (chunk: Buffer) => {
    log += chunk.toString();
    for (const w of waiters.filter((x) => x.re.test(log))) w.resolve();
    if (UNREACHABLE_LLM.test(log)) {
      const err = new Error(
        `${name}: the agent cannot reach its LLM at ${llm.url}; its last lines:\n${log.split('\n').slice(-15).join('\n')}`,
      );
      unreachable?.(err);
      for (const w of waiters) w.reject(err);
    }
  });
  await container.start();
  const exited = container.wait().then(async (r: { StatusCode: number }) => {
    await ended; // the whole output is in `log`
    for (const w of waiters) if (!w.re.test(log)) w.reject(new Error(`the container exited before printing ${w.re}:\n${log}`));
    return { exitCode: r.StatusCode, log };
  });
  const done = Promise.race([exited, failFast]);
  const output = (re: RegExp) =>
    Promise.race([new Promise<void>((resolve, reject) => (re.test(log) ? resolve() : waiters.push({ re, resolve, reject }))), failFast]);
  return { container, dir, output, done };
}

const events = (log: string) =>
  log
    .split('\n')
    .filter((l) => l.startsWith('{"event"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the aide image', () => {
  it('aide/dev: two drafts, the better (first) one kept as the submission and the code; logs collected; the calls carry the token and the alias', async () => {
    const llm = await startScriptedLlm({ host: bridgeIp });
    servers.push(llm);
    const started = Date.now();
    const run = await startAide('best', llm);
    const { exitCode, log } = await run.done;
    const secs = (Date.now() - started) / 1000;
    expect(exitCode, log).toBe(0);

    const steps = events(log).filter((e) => e.event === 'step');
    expect(steps.map((e) => [e.step, e.buggy, e.new_best])).toEqual([
      [1, false, true],
      [2, false, false],
    ]);
    expect(Number(steps[0]!.metric)).toBeGreaterThan(Number(steps[1]!.metric));
    const read = (p: string) => readFileSync(path.join(run.dir, p), 'utf8');
    // AIDE formats the code with black: the first solution's, not the last one's.
    expect(read('code/best_solution.py')).toMatch(/^# gradient boosting\n[\s\S]*HistGradientBoostingClassifier/);
    const journal = JSON.parse(read('logs/aide/journal.json')) as { nodes: unknown[] };
    expect(journal.nodes).toHaveLength(2);
    expect(read('logs/aide/tree_plot.html')).toMatch(/<html/i);
    expect(read('logs/aide/config.yaml')).toMatch(/model: gateway-gpt-4o-mini/);
    expect(JSON.parse(read('logs/aide/best_node.json'))).toMatchObject({ step: 0, stage: 'draft', maximize: true });
    expect(read('logs/aide/task_description.md')).toMatch(/\.\/working\/submission\.csv[\s\S]*COMPETITION INSTRUCTIONS[\s\S]*# Spambase/);

    const report = await gradeSubmission({
      competitionId: 'spambase',
      submissionPath: path.join(run.dir, 'submission', 'submission.csv'),
      dataDir,
    });
    expect(report, report.error).toMatchObject({ valid_submission: true });
    expect(report.score!).toBeGreaterThan(0.95);
    console.log(`aide/dev on spambase: score ${report.score} (medal: ${report.any_medal}) in ${secs.toFixed(1)} s, image ${aide.image}`);

    expect(llm.requests.map((r) => [r.path, r.kind, r.body.model, r.headers.authorization])).toEqual(
      ['code', 'review', 'code', 'review'].map((kind) => ['/v1/chat/completions', kind, 'gateway-gpt-4o-mini', `Bearer ${TOKEN}`]),
    );
  });

  it('no working solution: exits 1 with the reason on stderr, and leaves no submission', async () => {
    const llm = await startScriptedLlm({ host: bridgeIp, solutions: ['raise ValueError("scripted failure")\n'] });
    servers.push(llm);
    const run = await startAide('buggy', llm);
    const { exitCode, log } = await run.done;
    expect(exitCode, log).toBe(1);
    expect(log).toMatch(/aide: error: no submission: AIDE ran 2 steps, none of which produced a working solution .*\(2 buggy/);
    expect(() => readFileSync(path.join(run.dir, 'submission', 'submission.csv'))).toThrow(/ENOENT/);
    const journal = JSON.parse(readFileSync(path.join(run.dir, 'logs', 'aide', 'journal.json'), 'utf8')) as { nodes: unknown[] };
    expect(journal.nodes).toHaveLength(2);
  });

  it("an LLM it cannot reach: the run fails at once with the container's last lines, not at the test's time-out", async () => {
    // A port of the host's bridge address where nothing listens: AIDE's client backs off and retries.
    const closed = await startScriptedLlm({ host: bridgeIp });
    await closed.close();
    const run = await startAide('unreachable', closed);
    const failure = await run.done.then(
      () => undefined,
      (err: Error) => err,
    );
    expect(failure?.message).toMatch(
      /unreachable: the agent cannot reach its LLM at http:\/\/[\d.]+:\d+\/v1; its last lines:\n[\s\S]*Backing off/,
    );
    expect((await run.container.inspect()).State.Running).toBe(true);
    await removeTestContainers(); // what afterEach does after every test
    expect(await docker.listContainers({ all: true, filters: { label: [label] } })).toEqual([]);
  });

  it('SIGTERM in the middle of a step: the best submission so far stays, the exit says the signal', async () => {
    const slow = 'import time\nprint("working")\ntime.sleep(600)\n';
    const llm = await startScriptedLlm({ host: bridgeIp, solutions: [SPAMBASE_SOLUTIONS[1]!, slow] });
    servers.push(llm);
    const run = await startAide('sigterm', llm, { AIDE_STEPS: '3' });
    await run.output(/"event": "exec", "elapsed_secs": [\d.]+, "step": 2/);
    await run.container.stop({ t: 10 });
    const { exitCode, log } = await run.done;
    expect(exitCode, log).toBe(143);
    expect(events(log).at(-1)).toMatchObject({ event: 'done', steps_done: 1, stopped: 'stopped by signal SIGTERM' });
    expect(readFileSync(path.join(run.dir, 'code', 'best_solution.py'), 'utf8')).toMatch(/^# logistic regression\n/);
    const report = await gradeSubmission({
      competitionId: 'spambase',
      submissionPath: path.join(run.dir, 'submission', 'submission.csv'),
      dataDir,
    });
    expect(report.valid_submission, report.error).toBe(true);
  });
});
