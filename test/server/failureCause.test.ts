/**
 * A failure shows its cause (issue 16, point 6), end to end: a real Temporal dev server and a
 * harness worker whose configuration lacks what the terminal has (no MLEBENCH_REPO, so it does not
 * know the MLE-bench fixture's competition the terminal validated), and `mlebench run` started
 * against it from a terminal that has both. The group fails at planning; the CLI's stderr, the
 * REST API's GET /runs/{id} and the results page each say the root cause and what to do, not only
 * "Workflow execution failed" or "Activity task failed".
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../client/server/app';
import { REPO_ROOT } from '../../core/config';
import type { HarnessWorker } from '../../worker/harnessWorker';
import { cliEnv, MLEBENCH_BIN } from '../helpers/cli';
import { startHarnessTestEnv, type HarnessTestEnv } from '../helpers/temporalEnv';

const exec = promisify(execFile);
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'mle-bench');
const ID = 'telco-churn-mini';
const GROUP = 'failing-plan';
// The worker's planning refuses the options the terminal's check passed: its root, not "Activity task failed".
const ROOT_CAUSE =
  /^InvalidRunOptionsError: invalid run options: competitions: unknown competition "telco-churn-mini".*no MLE-bench checkout/;

let h: HarnessTestEnv;
let worker: HarnessWorker;
let running: Promise<void>;
let app: FastifyInstance;
let browser: Browser;
let cli: { code: number; stderr: string };
let summary: string;

beforeAll(async () => {
  // The worker (this process) has no MLE-bench checkout; the terminal below has one.
  delete process.env.MLEBENCH_REPO;
  h = await startHarnessTestEnv();
  worker = await h.newWorker();
  running = worker.run();
  const { home, env } = cliEnv({ TEMPORAL_ADDRESS: h.env.address, MLEBENCH_REPO: FIXTURE });
  // The terminal's data folder holds the competition's raw files, so its own checks pass.
  env.MLEBENCH_DATA_DIR = path.join(home, 'data');
  mkdirSync(path.join(env.MLEBENCH_DATA_DIR, ID, 'raw'), { recursive: true });
  cpSync(path.join(FIXTURE, 'raw', ID), path.join(env.MLEBENCH_DATA_DIR, ID, 'raw'), { recursive: true });
  cli = await exec(process.execPath, [MLEBENCH_BIN, 'run', '--agent', 'dummy', '-c', ID, '--group-id', GROUP], { env }).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  );
  summary = (await exec(process.execPath, [MLEBENCH_BIN, 'summary', GROUP], { env })).stdout;
  app = await buildServer({ client: h.client, paths: h.paths });
  await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  worker?.shutdown();
  await running;
  await h?.teardown();
});

describe('a group whose worker lacks the terminal’s MLE-bench checkout', () => {
  it('the CLI exits non-zero with the root cause, where it happened and what to do on stderr', () => {
    expect(cli.code).toBe(1);
    const lines = cli.stderr.trim().split('\n');
    const at = lines.findIndex((l) => l.startsWith('mlebench: '));
    expect(lines[at]!.slice('mlebench: '.length)).toMatch(ROOT_CAUSE);
    expect(lines[at + 1]).toBe('  where: Workflow execution failed → activity planRunGroup failed');
    expect(lines[at + 2]).toMatch(/^ {2}what to do: .*MLEBENCH_REPO/);
  });

  it('mlebench summary says the same', () => {
    expect(summary).toContain(`${GROUP} failed: InvalidRunOptionsError: invalid run options: competitions: unknown competition`);
    expect(summary).toMatch(/\n {2}what to do: .*MLEBENCH_REPO/);
  });

  it('GET /runs/{id} answers the seed fields and the root cause, its chain and the hint', async () => {
    const res = await app.inject({ method: 'GET', url: `/v2/runs/${GROUP}` });
    expect(res.statusCode).toBe(200);
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({ run_id: GROUP, status: 'failed', temporal_status: 'FAILED' });
    expect(body.error).toMatch(ROOT_CAUSE);
    expect(body.cause).toEqual(['Workflow execution failed', 'activity planRunGroup failed', expect.stringMatching(ROOT_CAUSE)]);
    expect(body.hint).toMatch(/MLEBENCH_REPO/);
    const summary = (await app.inject({ method: 'GET', url: `/v2/runs/${GROUP}/summary` })).json<Record<string, unknown>>();
    expect(summary.error).toMatch(ROOT_CAUSE);
    expect(summary.hint).toMatch(/MLEBENCH_REPO/);
    // The seed's record: its message is the root cause; a failed group has no summary (409).
    const seed = (await app.inject({ method: 'GET', url: `/runs/${GROUP}` })).json<Record<string, unknown>>();
    expect(seed).toMatchObject({ run_id: GROUP, status: 'failed' });
    expect(seed.message).toMatch(ROOT_CAUSE);
    expect((await app.inject({ method: 'GET', url: `/runs/${GROUP}/summary` })).statusCode).toBe(409);
  });

  it('the results page shows the root cause and what to do', async () => {
    const page = await browser.newPage();
    await page.goto(`${app.listeningOrigin}/groups/${GROUP}`);
    await page.locator('body[data-state="ready"]').waitFor();
    const cause = await page.locator('[data-failure="cause"]').textContent();
    expect(cause).toMatch(ROOT_CAUSE);
    expect(cause).not.toContain('Activity task failed');
    expect(await page.locator('[data-failure="hint"]').textContent()).toMatch(/What to do: .*MLEBENCH_REPO/);
    await page.close();
  });
});
