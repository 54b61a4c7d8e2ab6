/**
 * `mlebench experiment` end to end: a real Temporal dev server and worker, the worker's LLM gateway
 * in front of a scripted upstream (StandInUpstream on loopback), and llm-dummy/instructed, which
 * sends /home/instructions.txt and its seed to the model and submits the test.csv column the reply
 * names (one call and no code to run, so a run is a container of a second or two, where AIDE would
 * take tens). The upstream is scripted so that the injected hint changes its answer: with the hint
 * in the request's messages it names a strong spambase feature (AUC ~0.8), else a weak one (~0.5),
 * each chosen by the seed. Both arms of one group run the same competitions and seeds; the effect
 * injected − plain is positive with an interval above zero, and with an empty context it is zero.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HarnessWorker } from '../../worker/harnessWorker';
import { buildServer } from '../../client/server/app';
import { formatExperiment } from '../../client/cli/experiment';
import { loadGatewayConfig, startGateway, type Gateway } from '../../core/gateway';
import type { GroupMetadata } from '../../core/artifacts/records';
import { effectSign, type ExperimentReport } from '../../core/stats/experiment';
import { readExperimentReport } from '../../core/stats/experimentFile';
import type { RunOptionsInput } from '../../core/options';
import { DEFAULT_GATEWAY_CONFIG } from '../../worker/gateway';
import { completion, StandInUpstream, type UpstreamHit } from '../helpers/gatewayUpstream';
import { temporalSuite } from '../helpers/temporalSuite';

const HINT = 'Spam shouts: rank the mails by their exclamation marks and capital letters.';
/** By seed: spambase features whose AUC is near 0.5 (none of them), and strong ones (0.78-0.83). */
const WEAK = ['font', 'report', 'will', 'direct'];
const STRONG = ['charExclamation', 'capitalLong', 'capitalAve', 'your'];
const SEEDS = 4;

const h = temporalSuite('in-process');
let upstream: StandInUpstream;
let gateway: Gateway;
let worker: HarnessWorker;
let running: Promise<void>;

/** The scripted model: the feature it names depends on the seed the agent asks with and on whether the hint reached it. */
function answer(hit: UpstreamHit) {
  const messages = hit.body.messages as { role: string; content: string }[];
  const seed = Number(/seed (\d+)/.exec(messages.at(-1)?.content ?? '')?.[1] ?? 1);
  const hinted = messages.some((m) => m.content.includes(HINT));
  const feature = (hinted ? STRONG : WEAK)[(seed - 1) % SEEDS];
  return { status: 200, body: completion(String(hit.body.model), 200, 10, `feature: ${feature}`) };
}

beforeAll(async () => {
  upstream = await new StandInUpstream().start();
  upstream.reply = answer;
  gateway = await startGateway({
    config: await loadGatewayConfig(DEFAULT_GATEWAY_CONFIG),
    apiKey: 'sk-standin-experiment',
    baseURL: upstream.url,
  });
  worker = await h.newWorker({ gateway });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await gateway?.close();
  await upstream?.close();
});

async function experiment(groupId: string, extra: Partial<RunOptionsInput>): Promise<{ groupDir: string; report: ExperimentReport }> {
  await h.client.run(
    {
      agentId: 'llm-dummy/instructed',
      competitions: ['spambase'],
      nSeeds: SEEDS,
      arms: ['plain', 'injected'],
      maxParallel: 4,
      timeLimitSecs: 300,
      llmBudget: { maxDollars: 1 },
      ...extra,
    },
    { groupId },
  );
  const result = await h.client.waitForCompletion(groupId);
  expect(result.runs.map((r) => [r.outcome, r.reason])).toEqual(result.runs.map(() => ['succeeded', undefined]));
  return { groupDir: result.groupDir, report: await readExperimentReport(result.groupDir) };
}

describe('mlebench experiment', () => {
  it('with the hint injected: the injected arm is shown it, the plain arm not, and the score effect is positive, its interval above zero', async () => {
    const { groupDir, report } = await experiment('experiment-hint', { context: { text: `${HINT}\n`, source: 'hints.md' } });
    const shown = (dir: string) => JSON.parse(readFileSync(path.join(groupDir, dir, 'run.json'), 'utf8')) as { context?: unknown };
    expect(shown('injected_spambase_seed-1').context).toEqual({ text: `${HINT}\n`, source: 'hints.md' });
    expect(shown('plain_spambase_seed-1').context).toBeUndefined();
    expect(readFileSync(path.join(groupDir, 'injected_spambase_seed-1', 'instructions.txt'), 'utf8')).toContain(HINT);
    // The container also read the context as /home/data/context.md (its agent logs the file's hash); the plain arm had none.
    const agentLog = (dir: string) => readFileSync(path.join(groupDir, dir, 'logs', 'agent.log'), 'utf8');
    const sha = createHash('sha256').update(`${HINT}\n`).digest('hex');
    expect(agentLog('injected_spambase_seed-1')).toContain(`/home/data/context.md sha256=${sha}`);
    expect(agentLog('plain_spambase_seed-1')).not.toContain('context.md');
    expect(existsSync(path.join(groupDir, 'injected_spambase_seed-1', 'context-data'))).toBe(false); // removed once the container is gone
    // The group's metadata names the context once (its text in context.md) and which runs were shown it.
    const metadata = JSON.parse(readFileSync(path.join(groupDir, 'metadata.json'), 'utf8')) as GroupMetadata;
    expect(metadata.context).toEqual({ source: 'hints.md', sha256: sha, bytes: Buffer.byteLength(`${HINT}\n`), file: 'context.md' });
    expect(readFileSync(path.join(groupDir, 'context.md'), 'utf8')).toBe(`${HINT}\n`);
    const shownSha = (arm: string) => metadata.runs.find((r) => r.arm === arm && r.seed === 1)?.context_sha256;
    expect(shownSha('injected')).toBe(sha);
    expect(shownSha('plain')).toBeUndefined();
    const score = report.by_competition[0]!.score[0]!;
    expect(score.n).toBe(SEEDS);
    expect(score.ci_lower).toBeGreaterThan(0);
    expect(effectSign(score)).toBe(1);
    expect(effectSign(report.overall.relative_score)).toBe(1);
    expect(formatExperiment(report)).toMatch(/spambase: score \(higher is better\).*above 0/);
  });

  it('with an empty context: every run paired across arms, the arms answer alike and the interval holds zero; in the folder, the REST API and the page', async () => {
    const { groupDir, report } = await experiment('experiment-empty', { context: { text: '' } });
    // Each arm's run of a seed has its own id, folder and arm, in run.json and metadata.json.
    const metadata = JSON.parse(readFileSync(path.join(groupDir, 'metadata.json'), 'utf8')) as GroupMetadata;
    expect(metadata.runs.map((r) => [r.arm, r.seed, r.dir])).toEqual([
      ...[1, 2, 3, 4].map((s) => ['plain', s, `plain_spambase_seed-${s}`]),
      ...[1, 2, 3, 4].map((s) => ['injected', s, `injected_spambase_seed-${s}`]),
    ]);
    const record = JSON.parse(readFileSync(path.join(groupDir, 'injected_spambase_seed-2', 'run.json'), 'utf8')) as {
      runId: string;
      arm: string;
    };
    expect(record).toMatchObject({ runId: 'experiment-empty/arm-injected/spambase/seed-2', arm: 'injected' });

    expect(report.overall.pairs).toBe(SEEDS);
    const score = report.by_competition[0]!.score[0]!;
    expect(score).toMatchObject({ competition_id: 'spambase', n: SEEDS, is_lower_better: false });
    expect(effectSign(score)).toBe(0);
    expect(effectSign(report.overall.relative_score)).toBe(0);
    // The finalize step wrote the same report into the group folder.
    expect(JSON.parse(readFileSync(path.join(groupDir, 'experiment_report.json'), 'utf8'))).toEqual(report);
    expect(formatExperiment(report)).toMatch(/spambase: score \(higher is better\).*holds 0/);

    // The REST API's view of it (GET /v2/experiment) and the results page's, linked from the group's page.
    const app = await buildServer({ client: h.client, paths: h.paths });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
    try {
      const res = await app.inject({ url: '/v2/experiment?group=experiment-empty' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(JSON.parse(JSON.stringify(report)));
      expect((await app.inject({ url: '/v2/experiment?group=no-such-group' })).statusCode).toBe(404);
      const base = await app.listen({ port: 0, host: '127.0.0.1' });
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(err.message));
      await page.goto(`${base}/groups/experiment-empty`);
      await page.getByRole('link', { name: 'Experiment effect →' }).click();
      await page.locator('#experiment').waitFor();
      expect(await page.locator('#experiment [data-pairs]').getAttribute('data-pairs')).toBe(String(SEEDS));
      const row = page.locator('#effects tr[data-difference="spambase: score (higher is better)"]');
      expect(await row.locator('[data-mean]').textContent()).toBe('0');
      expect(await row.locator('[data-verdict]').textContent()).toBe('holds 0');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      await app.close();
    }
  });
});
