/**
 * The REST API (`mlebench serve`) against a real Temporal dev server, a real worker and real
 * containers: the seed system's endpoints and shapes, bad payloads refused with the field and the
 * reason, the files of a group served safely, and no state of its own (a second server answers
 * the same).
 */
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { HarnessWorker } from '../../worker/harnessWorker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../client/server/app';
import { buildImages } from '../../core/sandbox/images';
import { until } from '../helpers/runContainers';
import { startHarnessTestEnv, type HarnessTestEnv } from '../helpers/temporalEnv';

let h: HarnessTestEnv;
let worker: HarnessWorker;
let running: Promise<void>;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  await buildImages();
  h = await startHarnessTestEnv();
  worker = await h.newWorker();
  running = worker.run();
  app = await buildServer({ client: h.client, paths: h.paths });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  worker?.shutdown();
  await running;
  await h?.teardown();
});

interface Json {
  [key: string]: unknown;
}

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: Json; headers: Headers }> {
  const res = await fetch(`${base}${url}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Json, headers: res.headers };
}

const issuesOf = (json: Json) => ((json.error as { issues?: { field: string; reason: string }[] }).issues ?? []).map((i) => i.field);

describe('the REST API', () => {
  it('answers health, competitions and technique tasks', async () => {
    const health = await call('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ status: 'ok', temporal: { address: h.env.address, namespace: 'default' } });
    expect((await call('GET', '/competitions')).json).toContain('spam-assassin');
    const seedTasks = (await call('GET', '/technique-tasks')).json as { available: string[]; descriptions: Record<string, string> };
    expect(seedTasks.available).toEqual(['imbalance', 'missing', 'encoding', 'cv', 'scaling', 'leakage']);
    expect(Object.keys(seedTasks.descriptions)).toEqual(seedTasks.available);
    const competitions = (await call('GET', '/v2/competitions')).json.competitions as { id: string; prepared: boolean; metric: string }[];
    expect(competitions.map((c) => c.id)).toContain('spam-assassin');
    expect(competitions.every((c) => typeof c.prepared === 'boolean' && typeof c.metric === 'string')).toBe(true);
    const tasks = (await call('GET', '/v2/technique-tasks')).json.technique_tasks as { id: string; applies_to: string[] }[];
    expect(tasks.map((t) => t.id)).toEqual(['imbalance', 'missing', 'encoding', 'cv', 'scaling', 'leakage']);
    expect(tasks.find((t) => t.id === 'imbalance')?.applies_to).toContain('spambase');
  });

  it('refuses a bad payload with a 400 naming each field and why, before anything starts', async () => {
    const cases: [unknown, string[]][] = [
      [{ competitions: ['spam-assassin'], agent_id: 'Not An Agent' }, ['agent_id']],
      [{ agent_id: 'dummy', competitions: ['spam-assassin'], n_seeds: 0 }, ['n_seeds']],
      [{ agent_id: 'dummy', competitions: ['no-such-competition'] }, ['competitions']],
      [{ agent_id: 'no-such-agent', competitions: ['spam-assassin'] }, ['agent_id']],
      [{ agent_id: 'dummy', competitions: ['spam-assassin'], colour: 'blue' }, ['colour']],
      [{ agent_id: 'dummy', competitions: ['spam-assassin'], data_dir: '/elsewhere' }, ['data_dir']],
      [{ agent_id: 'dummy', competition_set: 'splits/no-such-split.txt' }, ['competition_set']],
      [{ agent_id: 'dummy', competitions: ['spambase'], tasks: ['leakage'], technique_tasks: false }, ['tasks']],
      // The seed's default split is MLE-bench's: without a checkout (MLEBENCH_REPO), say so.
      [{}, ['competition_set']],
    ];
    for (const [body, fields] of cases) {
      const res = await call('POST', '/v2/runs', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(issuesOf(res.json), JSON.stringify(res.json)).toEqual(fields);
      // The seed's route: the same refusal as FastAPI's 422, each field in `detail` too.
      const seed = await call('POST', '/runs', body);
      expect(seed.status, JSON.stringify(body)).toBe(422);
      expect(issuesOf(seed.json)).toEqual(fields);
      expect((seed.json.detail as { loc: string[] }[]).map((d) => d.loc.slice(1).join('.'))).toEqual(fields);
    }
    const defaulted = (await call('POST', '/runs', {})).json.error as { message: string };
    expect(defaulted.message).toMatch(/competition_set: not given, so the seed's default experiments\/splits\/low.txt .*MLEBENCH_REPO=/);
    expect((await call('POST', '/v2/runs', 'not json at all')).status).toBe(400);
    expect((await call('POST', '/runs', 'not json at all')).status).toBe(422);
    expect(((await call('GET', '/v2/runs')).json.runs as unknown[]).length).toBe(0);
  });

  it('runs a group through the seed endpoints: status, progress, summary, artifacts', async () => {
    const created = await call('POST', '/v2/runs', {
      agent_id: 'dummy',
      competitions: ['spam-assassin'],
      n_seeds: 2,
      n_workers: 2,
      retain: true,
      data_dir: h.paths.dataDir,
      notes: 'api test',
    });
    expect(created.status).toBe(201);
    const id = created.json.run_id as string;
    await h.client.waitForCompletion(id);

    const group = await call('GET', `/v2/runs/${encodeURIComponent(id)}`);
    expect(group.json).toMatchObject({
      run_id: id,
      status: 'completed',
      temporal_status: 'COMPLETED',
      agent_id: 'dummy',
      progress: { total: 2, done: 2, running: 0 },
    });
    expect(group.json.runs).toEqual([
      expect.objectContaining({ competition_id: 'spam-assassin', seed: 1, phase: 'done', outcome: 'succeeded', task: null }),
      expect.objectContaining({ competition_id: 'spam-assassin', seed: 2, phase: 'done', outcome: 'succeeded', task: null }),
    ]);
    expect(((await call('GET', '/v2/runs')).json.runs as { run_id: string; status: string }[]).find((r) => r.run_id === id)).toMatchObject({
      status: 'completed',
      agent_id: 'dummy',
    });

    const summary = (await call('GET', `/v2/runs/${encodeURIComponent(id)}/summary`)).json;
    expect(summary).toMatchObject({ run_id: id, status: 'completed', technique_grades: null, llm_totals: null });
    expect((summary.grading_report as { competition_reports: unknown[] }).competition_reports).toHaveLength(2);
    expect((summary.runs as { outcome: string; score: number }[]).map((r) => r.outcome)).toEqual(['succeeded', 'succeeded']);
    expect(summary.paths).toMatchObject({ grading_report: path.join(summary.run_group_dir as string, 'grading_report.json') });

    const groupDir = summary.run_group_dir as string;
    const files = (await call('GET', `/v2/runs/${encodeURIComponent(id)}/artifacts`)).json.files as {
      path: string;
      size: number;
      run_id: string | null;
    }[];
    const submission = files.find((f) => f.path === 'spam-assassin_seed-1/submission/submission.csv')!;
    expect(submission.run_id).toBe(`${id}/spam-assassin/seed-1`);
    expect(files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['metadata.json', 'grading_report.json', 'spam-assassin_seed-2/run.json']),
    );
    const res = await fetch(`${base}/v2/runs/${encodeURIComponent(id)}/artifacts/${submission.path}`);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe(readFileSync(path.join(groupDir, submission.path), 'utf8'));

    // An agent's symlink, a way out of the folder, a missing file: all not found.
    mkdirSync(path.join(groupDir, 'spam-assassin_seed-1', 'logs'), { recursive: true });
    symlinkSync('/etc/passwd', path.join(groupDir, 'spam-assassin_seed-1', 'logs', 'passwd'));
    symlinkSync('/etc', path.join(groupDir, 'spam-assassin_seed-1', 'etc'));
    for (const p of ['spam-assassin_seed-1/logs/passwd', 'spam-assassin_seed-1/etc/passwd', '..%2F..%2F..%2Fetc%2Fpasswd', 'nothing.txt']) {
      const r = await call('GET', `/v2/runs/${encodeURIComponent(id)}/artifacts/${p}`);
      expect(r.status, p).toBe(404);
    }
    expect(
      ((await call('GET', `/v2/runs/${encodeURIComponent(id)}/artifacts`)).json.files as { path: string }[]).some((f) =>
        f.path.includes('passwd'),
      ),
    ).toBe(false);
    const oneRun = (
      await call('GET', `/v2/runs/${encodeURIComponent(id)}/artifacts?run_id=${encodeURIComponent(`${id}/spam-assassin/seed-2`)}`)
    ).json.files as { path: string }[];
    expect(oneRun.length).toBeGreaterThan(0);
    expect(oneRun.every((f) => f.path.startsWith('spam-assassin_seed-2/'))).toBe(true);
    // A listing is bounded: past its limit it stops, and says so.
    const all = (await call('GET', `/v2/runs/${encodeURIComponent(id)}/artifacts`)).json;
    expect(all.truncated).toBe(false);
    const two = (await call('GET', `/v2/runs/${encodeURIComponent(id)}/artifacts?limit=2`)).json;
    expect(two.truncated).toBe(true);
    expect(two.files).toHaveLength(2);
    expect(all.files).toEqual(expect.arrayContaining(two.files as unknown[]));
    expect((await call('GET', `/v2/runs/${encodeURIComponent(id)}/artifacts?limit=100000`)).status).toBe(400);

    // The seed's shapes of the same group: its record, the reports' and files' project paths, each one served by GET /files.
    const runDir = `${path.basename(h.paths.runsDir)}/${path.basename(groupDir)}`;
    const record = (await call('GET', `/runs/${encodeURIComponent(id)}`)).json;
    expect(Object.keys(record)).toEqual(
      expect.arrayContaining(['run_id', 'status', 'created_at', 'updated_at', 'request', 'message', 'run_group', 'run_dir', 'logs']),
    );
    expect(record).toMatchObject({ run_id: id, status: 'completed', message: null, run_group: path.basename(groupDir), run_dir: runDir });
    expect(record.request).toMatchObject({
      agent_id: 'dummy',
      n_seeds: 2,
      n_workers: 2,
      lite: true,
      retain: true,
      tasks: null,
      gitlink: null,
    });
    expect(record.updated_at as number).toBeGreaterThanOrEqual(record.created_at as number);
    expect((record.logs as { step: string }[]).map((l) => l.step)).toEqual(['queued', 'run', 'run', 'completed']);
    const seedSummary = (await call('GET', `/runs/${encodeURIComponent(id)}/summary`)).json;
    expect(seedSummary).toMatchObject({
      run_id: id,
      run_group: path.basename(groupDir),
      run_dir: runDir,
      grading_reports: [`${runDir}/grading_report.json`],
    });
    const seedArtifacts = (await call('GET', `/runs/${encodeURIComponent(id)}/artifacts`)).json as {
      submissions: string[];
      metadata: string[];
      logs: string[];
    };
    expect(seedArtifacts.submissions).toEqual([1, 2].map((n) => `${runDir}/spam-assassin_seed-${n}/submission/submission.csv`));
    expect(seedArtifacts.metadata).toEqual(expect.arrayContaining([`${runDir}/metadata.json`, `${runDir}/spam-assassin_seed-1/run.json`]));
    expect(seedArtifacts.logs.some((p) => p.endsWith('/logs/agent.log'))).toBe(true);
    const download = await fetch(`${base}/files/${seedArtifacts.submissions[0]}`);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe(readFileSync(path.join(h.paths.runsDir, '..', seedArtifacts.submissions[0]!), 'utf8'));

    // No state of its own: a second server answers the same.
    const again = await buildServer({ client: h.client, paths: h.paths });
    try {
      const other = await again.inject({ method: 'GET', url: `/v2/runs/${encodeURIComponent(id)}/summary` });
      expect(JSON.parse(other.body)).toEqual(summary);
    } finally {
      await again.close();
    }
  });

  it('says queued, then running, while a group works; a cancelled group is failed, with the detail', async () => {
    const id = (await call('POST', '/v2/runs', { agent_id: 'dummy/slow', competitions: ['spam-assassin'] })).json.run_id as string;
    const statuses = new Set<string>();
    await until(
      async () => {
        const s = (await call('GET', `/v2/runs/${encodeURIComponent(id)}`)).json.status as string;
        statuses.add(s);
        return s === 'running';
      },
      60_000,
      'the group to be running',
    );
    expect([...statuses].every((s) => s === 'queued' || s === 'running')).toBe(true);
    // The lists say so too: a listed group's progress is asked for while it runs.
    const seedList = (await call('GET', '/runs')).json as unknown as { run_id: string; status: string }[];
    expect(seedList.find((r) => r.run_id === id)?.status).toBe('running');
    const v2List = (await call('GET', '/v2/runs')).json.runs as { run_id: string; status: string }[];
    expect(v2List.find((r) => r.run_id === id)?.status).toBe('running');
    const live = (await call('GET', `/v2/runs/${encodeURIComponent(id)}/summary`)).json;
    expect(live).toMatchObject({ status: 'running', grading_report: null, runs: [] });
    for (const view of ['summary', 'artifacts'])
      expect((await call('GET', `/runs/${encodeURIComponent(id)}/${view}`)).status, view).toBe(409);
    await h.client.cancel(id);
    await h.client.waitForCompletion(id).catch(() => undefined);
    expect((await call('GET', `/v2/runs/${encodeURIComponent(id)}`)).json).toMatchObject({ status: 'failed', detail: 'cancelled' });
    expect((await call('GET', `/runs/${encodeURIComponent(id)}`)).json).toMatchObject({ status: 'failed', message: 'cancelled' });
    expect((await call('GET', `/runs/${encodeURIComponent(id)}/summary`)).status).toBe(409);
  });

  it('names the task of each technique run, while it runs and once completed', async () => {
    const id = (
      await call('POST', '/v2/runs', { agent_id: 'dummy', competitions: ['spambase'], technique_tasks: true, tasks: ['leakage'] })
    ).json.run_id as string;
    await h.client.waitForCompletion(id);
    const group = (await call('GET', `/v2/runs/${encodeURIComponent(id)}`)).json;
    expect(group.runs).toEqual([expect.objectContaining({ competition_id: 'spambase', task: 'leakage', phase: 'done' })]);
    const summary = (await call('GET', `/v2/runs/${encodeURIComponent(id)}/summary`)).json;
    expect(summary).toMatchObject({ grading_report: null, technique_grades: { grades: [expect.objectContaining({ task: 'leakage' })] } });
  });

  it('404s an unknown group, and describes itself in OpenAPI', async () => {
    for (const url of [
      '/runs/no-such-group',
      '/runs/no-such-group/summary',
      '/runs/no-such-group/artifacts',
      '/files/runs/no-such-group/x',
    ])
      expect((await call('GET', url)).status, url).toBe(404);
    const missing = await call('GET', '/v2/runs/no-such-group');
    expect(missing.status).toBe(404);
    expect((missing.json.error as { message: string }).message).toContain('no-such-group');
    const spec = (await call('GET', '/openapi.json')).json as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/v2/runs',
        '/v2/runs/{id}',
        '/v2/runs/{id}/summary',
        '/v2/runs/{id}/artifacts',
        '/v2/competitions',
        '/v2/technique-tasks',
        '/health',
      ]),
    );
  });
});
