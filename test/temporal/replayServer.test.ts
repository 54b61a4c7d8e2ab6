/**
 * `mlebench replay` against a live server (a real dev server, real workflows run by a real worker):
 * it replays the recent workflows of each type, running ones included, against this build's
 * workflow code; given code that is not deterministic for them, it exits 1 naming the workflows.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflowCode } from '@temporalio/worker';
import { temporalSuite } from '../helpers/temporalSuite';
import { watchGroupContainers } from '../helpers/dockerEvents';
import { cliEnv, MLEBENCH_BIN } from '../helpers/cli';

const h = temporalSuite('in-process');
let changedBundle: string;

beforeAll(async () => {
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(__dirname, '..', 'helpers', 'changedWorkflows.ts'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
  });
  changedBundle = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlebench-replay-')), 'changed-bundle.js');
  writeFileSync(changedBundle, code);
});

/** `mlebench replay ARGS` against the test's server, as a user runs it: its exit code and output. */
async function replay(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { env } = cliEnv();
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MLEBENCH_BIN, 'replay', '--address', h.env.address, ...args], {
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('mlebench replay', () => {
  it("replays a server's recent and running workflows; exits 1 naming the workflows a changed workflow cannot replay", async () => {
    const done = 'replay-done';
    const running = 'replay-running';
    const worker = await h.newWorker();
    const watch = await watchGroupContainers(running);
    const [ok, changed, json] = await worker.runUntil(async () => {
      await h.client.run({ agentId: 'dummy', competitions: ['sotu-authorship'], nSeeds: 2, maxParallel: 2 }, { groupId: done });
      await h.client.waitForCompletion(done);
      // A group still running (its agent in its container) is what a deploy must not break.
      await h.client.run({ agentId: 'dummy/slow', competitions: ['sotu-authorship'] }, { groupId: running });
      await watch.waitForStarts(1);
      const results = [await replay('--since', '1h'), await replay('--workflow-bundle', changedBundle), await replay('--json')] as const;
      await h.client.cancel(running);
      await h.client.waitForCompletion(running).catch(() => undefined);
      return results;
    });
    watch.stop();

    // Two groups, three runs (one of each running), every one replayed with this build's code.
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^runGroup: 2 replayed, all deterministic$/m);
    expect(ok.stdout).toMatch(/^competitionRun: 3 replayed, all deterministic$/m);
    expect(ok.stdout).toMatch(/^techniqueRun: 0 replayed/m);
    expect(ok.stdout).not.toMatch(/FAILED/);

    // A timer before the first activity: every competitionRun history is nondeterministic for it, named with its event.
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^runGroup: 2 replayed, all deterministic$/m);
    expect(changed.stdout).toMatch(/^competitionRun: 3 replayed, 3 FAILED$/m);
    for (const id of [`${done}/sotu-authorship/seed-1`, `${done}/sotu-authorship/seed-2`, `${running}/sotu-authorship/seed-1`])
      expect(changed.stdout).toMatch(
        new RegExp(
          `^FAILED competitionRun ${id} \\(run [0-9a-f-]+\\) at event 5 \\(ActivityTaskScheduled\\): nondeterminism: Timer machine`,
          'm',
        ),
      );

    // The SDK core's own warning about it comes through the harness's log (JSON, piped), not raw onto stderr.
    const coreLines = changed.stderr.split('\n').filter((line) => line.includes('Nondeterminism'));
    expect(coreLines.length).toBeGreaterThan(0);
    for (const line of coreLines) expect(JSON.parse(line)).toMatchObject({ event: 'temporal.sdk', sdkComponent: 'core' });
    console.log(`mlebench replay with a changed competitionRun:\n${changed.stdout}${changed.stderr}`);

    const report = JSON.parse(json.stdout) as { byType: Record<string, { replayed: number; failed: number }>; failures: unknown[] };
    expect(json.code).toBe(0);
    expect(report.byType).toMatchObject({ runGroup: { replayed: 2, failed: 0 }, competitionRun: { replayed: 3, failed: 0 } });
    expect(report.failures).toEqual([]);
  });

  it('refuses a --since that is not a duration', async () => {
    const bad = await replay('--since', 'yesterday');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--since.*"yesterday" is not a duration/);
  });
});
