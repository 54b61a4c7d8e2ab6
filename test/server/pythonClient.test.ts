/**
 * The seed's Python SDK interface against the REST API, end to end: clients/python/sdk.py,
 * unmodified, driven by a Python script (test/helpers/python_client_e2e.py) through a competition
 * run group, a technique run group and a cancelled one, against `buildServer` over a real Temporal
 * dev server, a real worker and real agent containers.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../core/config';
import { buildImages } from '../../core/sandbox/images';
import type { GroupMetadata } from '../../core/artifacts/records';
import { loadAccessPolicy } from '../../client/server/access';
import { buildServer } from '../../client/server/app';
import { startHarnessTestEnv, type HarnessTestEnv } from '../helpers/temporalEnv';
import { groupContainers } from '../helpers/dockerEvents';
import { runPython } from '../helpers/python';

let h: HarnessTestEnv;
let app: Awaited<ReturnType<typeof buildServer>> | undefined;
let baseUrl: string;
/** The server asks for tokens: every call of the client must carry its own. */
const TOKEN = `e2e-${Math.random().toString(36).slice(2)}-${'x'.repeat(24)}`;

beforeAll(async () => {
  await buildImages();
  h = await startHarnessTestEnv();
  app = await buildServer({
    client: h.client,
    paths: h.paths,
    access: await loadAccessPolicy('127.0.0.1', { MLEBENCH_API_TOKENS: `e2e-user:runner:${TOKEN}` }),
  });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await h?.teardown();
});

interface ApiErrorSeen {
  status: number;
  message: string;
  issues: { field: string; reason: string }[];
  /** str(ApiError) */
  text: string;
}

/** What the script prints: its one JSON line. */
interface Seen {
  health: { status: string; temporal: { address: string; namespace: string } };
  competition_ids: string[];
  technique_task_ids: string[];
  bad_seeds: ApiErrorSeen;
  bad_competition: ApiErrorSeen;
  missing_group: ApiErrorSeen;
  gitlink_refused: ApiErrorSeen;
  missing_file: ApiErrorSeen;
  run_id: string;
  statuses: string[];
  summary: { status: string; run_group_dir: string; outcomes: string[]; grading_report_total_runs: number };
  submissions: string[];
  technique: { run_id: string; task: string; score: number; outcome: string };
  cancelled: { run_id: string; status: string; temporal_status: string; detail: string; text: string };
  own_cancel: { run_id: string; detail: string };
}

describe('the Python client (seed SDK interface)', () => {
  it('drives a competition run group, a technique run group and a cancelled one through the REST API, unmodified', async () => {
    const worker = await h.newWorker();
    const started = Date.now();
    const finished = await worker.runUntil(async () => {
      // A group cancelled from outside, for the client to see end "failed" (RunFailed).
      const cancelled = await h.client.run({ agentId: 'dummy/slow', competitions: ['spam-assassin'] });
      await h.client.cancel(cancelled);
      return runPython(path.join(REPO_ROOT, 'test', 'helpers', 'python_client_e2e.py'), {
        MLEBENCH_API_URL: baseUrl,
        MLEBENCH_API_TOKEN: TOKEN,
        MLEBENCH_E2E_USER: 'e2e-user',
        PYTHONPATH: path.join(REPO_ROOT, 'clients', 'python'),
        MLEBENCH_E2E_CANCELLED: cancelled,
      });
    });
    const seconds = (Date.now() - started) / 1000;
    expect(finished.code, `the Python client's script failed:\n${finished.stderr}\n${finished.stdout}`).toBe(0);
    const lines = finished.stdout.trim().split('\n');
    const seen = JSON.parse(lines[lines.length - 1]!) as Seen;

    // The catalogue.
    expect(seen.health.status).toBe('ok');
    expect(seen.health.temporal.address).toBe(h.env.address);
    expect(seen.competition_ids).toContain('spam-assassin');
    expect([...seen.technique_task_ids].sort()).toEqual(['cv', 'encoding', 'imbalance', 'leakage', 'missing', 'scaling']);

    // Bad payloads: a 400 naming the field, with its reason; unknown things: 404.
    expect(seen.bad_seeds.status).toBe(400);
    expect(seen.bad_seeds.issues).toEqual([{ field: 'n_seeds', reason: expect.any(String) as string }]);
    expect(seen.bad_seeds.text).toMatch(/^HTTP 400: .*n_seeds: \S/);
    expect(seen.bad_competition.status).toBe(400);
    expect(seen.bad_competition.issues.map((i) => i.field)).toContain('competitions');
    expect(seen.bad_competition.issues.find((i) => i.field === 'competitions')?.reason).toMatch(/no-such-competition/);
    expect(seen.missing_group.status).toBe(404);
    expect(seen.gitlink_refused.issues.find((i) => i.field === 'gitlink')?.reason).toMatch(/MLEBENCH_GIT_REST/);
    expect(seen.missing_file.status).toBe(404);

    // The competition group, as the harness wrote it (the snake_case options reached it).
    expect(seen.summary.status).toBe('completed');
    expect(seen.summary.outcomes).toEqual(['succeeded', 'succeeded']);
    expect(seen.summary.grading_report_total_runs).toBe(2);
    expect(seen.statuses[seen.statuses.length - 1]).toBe('completed');
    const groupDir = seen.summary.run_group_dir;
    expect(path.dirname(groupDir)).toBe(h.paths.runsDir);
    const metadata = JSON.parse(readFileSync(path.join(groupDir, 'metadata.json'), 'utf8')) as GroupMetadata;
    expect(metadata.run_group_id).toBe(seen.run_id);
    expect(metadata.agent_id).toBe('dummy');
    expect(metadata.status).toBe('completed');
    expect(metadata.options).toMatchObject({
      competitions: ['spam-assassin'],
      nSeeds: 2,
      maxParallel: 2,
      timeLimitSecs: 600,
      notes: 'python client e2e',
    });
    expect(seen.submissions).toEqual(['spam-assassin_seed-1/submission/submission.csv', 'spam-assassin_seed-2/submission/submission.csv']);
    for (const submission of seen.submissions) expect(existsSync(path.join(groupDir, submission))).toBe(true);

    // The technique group.
    expect(seen.technique).toMatchObject({ task: 'leakage', outcome: 'succeeded' });
    expect(seen.technique.score).toBeGreaterThanOrEqual(0.9);
    expect(seen.technique.run_id).not.toBe(seen.run_id);

    // The cancelled group: failed, with why, and no container left behind.
    expect(seen.cancelled).toMatchObject({ status: 'failed', temporal_status: 'CANCELLED', detail: 'cancelled' });
    expect(seen.cancelled.text).toBe(`run ${seen.cancelled.run_id} failed (Temporal status CANCELLED): cancelled`);
    expect(await groupContainers(seen.cancelled.run_id)).toEqual([]);
    // Its own group, cancelled through the API (the other user's refused with 403 in the script).
    expect(seen.own_cancel.detail).toBe('cancelled');
    expect(await groupContainers(seen.own_cancel.run_id)).toEqual([]);

    console.log(`python client e2e: ${seconds.toFixed(1)} s for the three groups`);
  }, 900_000);
});
