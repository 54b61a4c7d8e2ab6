/**
 * The results page end to end, in headless Chromium (playwright-core driving Debian's chromium,
 * installed by scripts/test-browser.sh): real run groups on a real Temporal dev server and worker —
 * the baseline on spambase, a technique group (leakage), aide/dev through the worker's LLM gateway
 * in front of the scripted upstream (one run with a transcript, one whose request budget runs
 * out) — served by `buildServer`. The test opens the list, follows links to a group and to one
 * run's transcript, and asserts what each page shows; a group opened while it runs updates without
 * a reload. Screenshots of every page go to test-results/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { HarnessWorker } from '../../worker/harnessWorker';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../client/server/app';
import { REPO_ROOT } from '../../core/config';
import { loadGatewayConfig, startGateway, type Gateway } from '../../core/gateway';
import type { RunResult } from '../../core/runs/types';
import type { CompletedRunGroup } from '../../client/sdk';
import { buildImages } from '../../core/sandbox/images';
import { DEFAULT_GATEWAY_CONFIG } from '../../worker/gateway';
import { SPAMBASE_SOLUTIONS, startScriptedLlm, type ScriptedLlm } from '../helpers/scriptedLlm';
import { startHarnessTestEnv, type HarnessTestEnv } from '../helpers/temporalEnv';
import { competitionRecord, techniqueRecord } from '../helpers/runKinds';

// The budget run's agent is stopped this long after its budget ran out (30 s by default).
process.env.MLEBENCH_BUDGET_GRACE_SECS = '3';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.join(REPO_ROOT, 'test-results', 'screenshots');
/** Markup in what the model writes (and AIDE then sends back in its prompts): the page must show it as text. */
const MARKUP = '<img src=x onerror="window.injected=1"><b>not bold</b>';
const GROUPS = {
  baseline: 'page-baseline',
  technique: 'page-technique',
  aide: 'page-aide',
  budget: 'page-aide-budget',
  live: 'page-live',
} as const;

let h: HarnessTestEnv;
let upstream: ScriptedLlm;
let gateway: Gateway;
let worker: HarnessWorker;
let running: Promise<void>;
let app: FastifyInstance;
let base: string;
let browser: Browser;
const results = new Map<string, CompletedRunGroup>();

beforeAll(async () => {
  await buildImages();
  h = await startHarnessTestEnv();
  upstream = await startScriptedLlm({ solutions: SPAMBASE_SOLUTIONS.map((code) => `# ${MARKUP}\n${code}`) });
  gateway = await startGateway({
    config: await loadGatewayConfig(DEFAULT_GATEWAY_CONFIG),
    apiKey: 'sk-upstream-page-test',
    baseURL: upstream.url,
  });
  worker = await h.newWorker({ gateway });
  running = worker.run();
  await Promise.all([
    h.client.run({ agentId: 'baseline', competitions: ['spambase'] }, { groupId: GROUPS.baseline }),
    h.client.run(
      { agentId: 'technique-reference', competitions: ['spambase'], techniqueTasks: true, tasks: ['leakage'] },
      { groupId: GROUPS.technique },
    ),
    h.client.run(
      { agentId: 'aide/dev', competitions: ['spambase'], timeLimitSecs: 600, stepLimit: 3, llmBudget: { maxDollars: 5 } },
      { groupId: GROUPS.aide },
    ),
    h.client.run(
      { agentId: 'aide/dev', competitions: ['spambase'], timeLimitSecs: 600, stepLimit: 5, llmBudget: { maxRequests: 2, maxDollars: 5 } },
      { groupId: GROUPS.budget },
    ),
  ]);
  for (const id of [GROUPS.baseline, GROUPS.technique, GROUPS.aide, GROUPS.budget]) results.set(id, await h.client.waitForCompletion(id));
  app = await buildServer({ client: h.client, paths: h.paths });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({ executablePath: CHROMIUM });
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  worker?.shutdown();
  await running;
  await gateway?.close();
  await upstream?.close();
  await h?.teardown();
});

/** A fresh page that records what the browser complained about (script errors, refused loads). */
async function openPage(url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()}`));
  await page.goto(`${base}${url}`);
  await ready(page);
  return { page, problems };
}

// The test's TypeScript has no DOM types: what runs in the page is given as expressions, and the
// page's content policy forbids eval, so waiting goes through locators (waitForFunction evals).
/** The page has drawn what it loaded (app.js sets body[data-state]). */
const ready = (page: Page) => page.locator('body[data-state="ready"]').waitFor();
const inPage = <T>(page: Page, expression: string) => page.evaluate<T>(expression);
/** An attribute of every element the locator finds. */
const attributes = async (locator: Locator, name: string) => Promise.all((await locator.all()).map((l) => l.getAttribute(name)));

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
const onlyRun = (groupId: string): RunResult => results.get(groupId)!.runs[0]!;
/** As the page prints scores: at most five decimals. */
const score = (x: number | null) => (x === null ? '—' : String(Number(x.toFixed(5))));

describe('the results page', () => {
  it('serves the page, its assets and chart.js from node_modules, with a strict content policy', async () => {
    const page = await fetch(`${base}/groups/${GROUPS.aide}/runs/${encodeURIComponent(`${GROUPS.aide}/spambase/seed-1`)}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('/assets/app.js');
    for (const asset of ['/assets/app.js', '/assets/style.css', '/assets/vendor/chart.umd.js'])
      expect((await fetch(`${base}${asset}`)).status, asset).toBe(200);
    expect((await fetch(`${base}/assets/vendor/chart.cjs`)).status).toBe(404); // only the browser build
  });

  it('lists the run groups, and a group link leads to its runs, their outcome, score and medal, and the chart against the medal thresholds', async () => {
    const { page, problems } = await openPage('/');
    for (const id of [GROUPS.baseline, GROUPS.technique, GROUPS.aide, GROUPS.budget]) {
      const row = page.locator(`tr[data-group="${id}"]`);
      await expect.poll(() => row.locator('[data-group-status]').textContent()).toBe('completed');
      expect(await row.locator('a').getAttribute('href')).toBe(`/groups/${id}`);
    }
    expect(await page.locator(`tr[data-group="${GROUPS.baseline}"] td[data-label="Agent"]`).textContent()).toBe('baseline');
    await shot(page, 'list');

    // Follow the link (in-page navigation, no reload).
    await page.locator(`tr[data-group="${GROUPS.baseline}"] a`).click();
    await page.waitForURL(`${base}/groups/${GROUPS.baseline}`);
    await ready(page);
    const run = onlyRun(GROUPS.baseline);
    expect(run.outcome, run.reason).toBe('succeeded');
    const row = page.locator(`#runs tr[data-run="${run.runId}"]`);
    expect(await row.locator('[data-outcome]').getAttribute('data-outcome')).toBe('succeeded');
    expect(await row.locator('td[data-label="Score"]').textContent()).toBe(score(run.score));
    expect(await row.locator('[data-medal]').getAttribute('data-medal')).toBe(competitionRecord(run).medal ?? '');
    expect(await row.locator('td[data-label="Seed"]').textContent()).toBe('1');
    expect(await page.locator('.head-meta [data-group-status]').textContent()).toBe('completed');
    expect(await page.locator('#grading-totals').textContent()).toContain('valid submissions1');

    // One chart per competition: the score, and the gold/silver/bronze/median lines at the record's thresholds.
    const canvas = page.locator('#score-charts canvas[data-competition="spambase"]');
    await expect.poll(() => canvas.count()).toBe(1);
    const chartOf = "Chart.getChart(document.querySelector('#score-charts canvas[data-competition=spambase]'))";
    await expect.poll(() => inPage(page, `${chartOf} !== undefined`)).toBe(true);
    const chart = await inPage<{ datasets: { label: string; y: (number | null)[] }[]; reverse: boolean }>(
      page,
      `(() => { const c = ${chartOf}; return { datasets: c.data.datasets.map((d) => ({ label: d.label, y: d.data.map((p) => p.y) })), reverse: c.options.scales.y.reverse }; })()`,
    );
    const g = competitionRecord(run).grade!;
    expect(chart.datasets).toEqual([
      { label: 'Score', y: [run.score] },
      { label: 'Gold', y: [g.gold_threshold, g.gold_threshold] },
      { label: 'Silver', y: [g.silver_threshold, g.silver_threshold] },
      { label: 'Bronze', y: [g.bronze_threshold, g.bronze_threshold] },
      { label: 'Median', y: [g.median_threshold, g.median_threshold] },
    ]);
    expect(chart.reverse).toBe(g.is_lower_better); // AUC: higher is better, the axis is not reversed
    expect(await page.locator('#score-charts [data-threshold="gold"]').textContent()).toBe(`gold ≥ ${score(g.gold_threshold)}`);
    await shot(page, 'group-baseline');
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows a technique group's grades with each criterion, its weight, score and detail", async () => {
    const { page, problems } = await openPage(`/groups/${GROUPS.technique}`);
    const run = onlyRun(GROUPS.technique);
    const grade = techniqueRecord(run).techniqueGrade!;
    expect(await page.locator(`#runs tr[data-run="${run.runId}"] [data-outcome]`).getAttribute('data-outcome')).toBe('succeeded');
    expect(await page.locator(`#runs tr[data-run="${run.runId}"] td[data-label="Grade"]`).textContent()).toBe(score(grade.score));
    const card = page.locator(`#technique-grades [data-technique-run="${run.runId}"]`);
    expect(await card.locator('[data-grade-score]').textContent()).toBe(score(grade.score));
    const rows = await Promise.all(
      (await card.locator('tr[data-criterion]').all()).map(async (tr) => [
        await tr.getAttribute('data-criterion'),
        await tr.locator('[data-weight]').textContent(),
        await tr.locator('td.detail').textContent(),
      ]),
    );
    expect(rows).toEqual(grade.criteria.map((c) => [c.name, score(c.weight), c.detail]));
    expect(rows.map((r) => r[0])).toEqual(['leaky_precision', 'leaky_recall', 'predictions']);
    expect(await page.locator('#technique-grades tr[data-task-total="leakage"]').count()).toBe(1);
    expect(await page.locator('#score-charts').count()).toBe(0); // no leaderboard for a technique run
    await shot(page, 'group-technique');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('follows an aide run to its record, artifacts and LLM transcript shown as a conversation, with the token and cost totals', async () => {
    const { page, problems } = await openPage(`/groups/${GROUPS.aide}`);
    const run = onlyRun(GROUPS.aide);
    const llm = run.llm!;
    expect(run.outcome, run.reason).toBe('succeeded');
    expect(llm.costUsd).toBeGreaterThan(0);
    const costText = `$${llm.costUsd.toFixed(4)}`;
    // The group: the run's tokens and cost, the group's LLM totals.
    const row = page.locator(`#runs tr[data-run="${run.runId}"]`);
    expect(await row.locator('td[data-label="LLM cost"]').textContent()).toBe(costText);
    expect(await page.locator('#llm-totals [data-llm-tokens]').textContent()).toBe(llm.totalTokens.toLocaleString('en-US'));
    expect(await page.locator('#llm-totals [data-llm-cost]').textContent()).toBe(costText);
    await shot(page, 'group-aide');

    await row.locator('a').first().click();
    await page.waitForURL(`${base}/groups/${GROUPS.aide}/runs/${encodeURIComponent(run.runId)}`);
    await ready(page);
    // The record.
    expect(await page.locator('.page-head [data-badge="outcome"]').textContent()).toBe('succeeded');
    expect(await page.locator('[data-run-score]').textContent()).toBe(score(run.score));
    expect(await page.locator('#run-llm [data-llm-tokens]').textContent()).toBe(llm.totalTokens.toLocaleString('en-US'));
    expect(await page.locator('#run-llm [data-llm-cost]').textContent()).toBe(costText);
    expect(await page.locator('#run-llm').textContent()).toContain(`requests${llm.requests}`);
    // The artifacts, each a link to the API's file endpoint.
    const artifacts = await attributes(page.locator('#artifacts a[data-artifact]'), 'data-artifact');
    expect(artifacts).toEqual(
      expect.arrayContaining([
        'submission/submission.csv',
        'code/best_solution.py',
        'logs/agent.log',
        'logs/llm/rollout.jsonl',
        'run.json',
      ]),
    );
    const submissionHref = await page.locator('#artifacts a[data-artifact="submission/submission.csv"]').getAttribute('href');
    const submission = await page.request.get(`${base}${submissionHref}`);
    expect(submission.status()).toBe(200);
    expect((await submission.text()).split('\n')[0]).toMatch(/^\w+,\w+/);

    // The transcript: one call per rollout line; AIDE's system prompt, and a reply with python code.
    const calls = page.locator('#transcript li.call');
    await expect.poll(() => calls.count()).toBe(llm.requests);
    const first = calls.first();
    expect(await first.locator('.sent .msg[data-role="system"]').textContent()).toContain('You are a Kaggle grandmaster');
    expect(await first.locator('.sent .msg.collapsed button.toggle').count()).toBe(1); // a long prompt starts collapsed
    await first.locator('.sent .msg.collapsed button.toggle').click();
    expect(await first.locator('.sent .msg[data-role="system"]').getAttribute('class')).not.toContain('collapsed');
    const code = first.locator('.reply .msg[data-role="assistant"] pre.code[data-lang="python"]');
    expect(await code.textContent()).toContain('import pandas as pd');
    expect(await code.textContent()).toContain('to_csv("./working/submission.csv"');
    // What the model wrote is text, never markup.
    expect(await code.textContent()).toContain(MARKUP);
    expect(await page.locator('#transcript img, #transcript b').count()).toBe(0);
    expect(await inPage(page, 'window.injected')).toBeUndefined();
    // A review: the forced tool call, its arguments pretty-printed.
    const review = page.locator('#transcript .tool-call[data-tool="submit_review"]').first();
    expect(await review.locator('pre').textContent()).toMatch(/^\{\n {2}"is_bug": false,\n/);
    // The totals over the transcript agree with the record's.
    const totals = page.locator('[data-transcript-totals]');
    expect(await totals.locator('[data-stat="calls"] strong').textContent()).toBe(String(llm.requests));
    expect(await totals.locator('[data-stat="tokens"] strong').textContent()).toBe(llm.totalTokens.toLocaleString('en-US'));
    expect(await totals.locator('[data-stat="cost"] strong').textContent()).toBe(costText);
    expect(await page.locator('#transcript .call.has-error').count()).toBe(0);
    await shot(page, 'run-aide');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('highlights the call its budget refused (HTTP 402)', async () => {
    const run = onlyRun(GROUPS.budget);
    expect(run.llm).toMatchObject({ requests: 2, budgetExhausted: 'requests' });
    const { page, problems } = await openPage(`/groups/${GROUPS.budget}/runs/${encodeURIComponent(run.runId)}`);
    expect(await page.locator('[data-reason]').textContent()).toContain('its LLM request budget ran out');
    const refused = page.locator('#transcript li.call.has-error');
    await expect.poll(() => refused.count()).toBe(1);
    expect(await refused.locator('.call-error').getAttribute('data-error-status')).toBe('402');
    expect(await refused.locator('.call-error').textContent()).toContain('requests budget exhausted');
    expect(await page.locator('[data-transcript-totals] [data-stat="errors"] strong').textContent()).toBe('1');
    await refused.scrollIntoViewIfNeeded();
    await shot(page, 'run-aide-budget');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('compares two groups from the list (GET /v2/compare): paired by competition and seed, B − A with its interval', async () => {
    const [a, b] = [onlyRun(GROUPS.baseline), onlyRun(GROUPS.aide)];
    const api = (await (await fetch(`${base}/v2/compare?a=${GROUPS.baseline}&b=${GROUPS.aide}`)).json()) as {
      pairs: number;
      score: { competition_id: string; n: number; mean: number; ci_lower: number | null }[];
    };
    // spambase is scored by AUC, higher is better: the difference is B's score minus A's.
    expect(api.pairs).toBe(1);
    expect(api.score).toEqual([expect.objectContaining({ competition_id: 'spambase', n: 1, ci_lower: null })]);
    expect(api.score[0]!.mean).toBeCloseTo(b.score! - a.score!, 12);
    expect((await fetch(`${base}/v2/compare?a=${GROUPS.baseline}&b=no-such-group`)).status).toBe(404);

    const { page, problems } = await openPage('/');
    await page.getByRole('link', { name: 'Compare two groups →' }).click();
    await page.waitForURL(`${base}/compare`);
    await ready(page);
    await page.getByLabel('group A').selectOption(GROUPS.baseline);
    await page.getByLabel('group B').selectOption(GROUPS.aide);
    await page.locator('#compare-go').click();
    await page.waitForURL(`${base}/compare?a=${GROUPS.baseline}&b=${GROUPS.aide}`);
    await page.locator('#comparison').waitFor();
    expect(await page.locator('#comparison [data-pairs]').getAttribute('data-pairs')).toBe('1');
    const row = page.locator('#differences tr[data-difference="score: spambase (higher is better)"]');
    expect(Number(await row.locator('[data-mean]').textContent())).toBeCloseTo(b.score! - a.score!, 3);
    expect(await row.textContent()).toContain('— (one pair)');
    await shot(page, 'compare');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('answers SQL over the groups from the query page (POST /v2/query), agent-written text shown as text', async () => {
    const aide = onlyRun(GROUPS.aide);
    const { page, problems } = await openPage('/');
    await page.getByRole('link', { name: 'Query', exact: true }).click();
    await page.waitForURL(`${base}/query`);
    await ready(page);
    const markup = MARKUP.replace(/'/g, "''");
    await page
      .locator('#query-sql')
      .fill(
        `SELECT r.agent_id, count(c.seq) FILTER (WHERE c.admitted) AS calls, '${markup}' AS markup FROM runs r LEFT JOIN llm_calls c USING (run_id) WHERE r.group_id = '${GROUPS.aide}' GROUP BY 1`,
      );
    await page.locator('#query-run').click();
    await page.locator('#query-rows tbody tr').first().waitFor();
    expect(await page.locator('#query-rows thead th').allTextContents()).toEqual(['agent_id', 'calls', 'markup']);
    expect(await page.locator('#query-rows tbody tr td').allTextContents()).toEqual(['aide/dev', String(aide.llm!.requests), MARKUP]);
    expect(await inPage(page, 'window.injected')).toBeUndefined();
    await page.locator('#query-sql').fill("SELECT * FROM read_csv('/etc/passwd')");
    await page.locator('#query-run').click();
    await expect.poll(() => page.locator('#query-result [role="alert"]').textContent()).toMatch(/disabled by configuration/);
    await shot(page, 'query');
    expect(problems.filter((p) => !/400 \(Bad Request\)/.test(p))).toEqual([]);
    await page.close();
  });

  it('updates a group opened while it runs, without a reload, until it completes', async () => {
    await h.client.run({ agentId: 'dummy/steady', competitions: ['spambase'] }, { groupId: GROUPS.live });
    const { page, problems } = await openPage(`/groups/${GROUPS.live}`);
    const status = page.locator('.head-meta [data-group-status]');
    expect(['queued', 'running']).toContain(await status.textContent());
    await page.evaluate('window.sameDocument = true');
    // The agent works 20 s: the page shows it running, then the outcome, by itself.
    const row = page.locator(`#runs tr[data-run="${GROUPS.live}/spambase/seed-1"]`);
    await expect.poll(() => row.locator('[data-badge="phase"]').textContent(), { timeout: 60_000 }).toBe('agent running');
    expect(await status.textContent()).toBe('running');
    await shot(page, 'group-live-running');
    await expect.poll(() => status.textContent(), { timeout: 90_000 }).toBe('completed');
    const result = await h.client.waitForCompletion(GROUPS.live);
    await expect.poll(() => row.locator('[data-outcome]').getAttribute('data-outcome')).toBe(result.runs[0]!.outcome);
    expect(await row.locator('td[data-label="Score"]').textContent()).toBe(score(result.runs[0]!.score));
    expect(await inPage(page, 'window.sameDocument')).toBe(true); // never reloaded
    await page.locator('body[data-live="false"]').waitFor(); // and it stopped polling
    await shot(page, 'group-live-completed');
    expect(problems).toEqual([]);
    await page.close();
  });
});
