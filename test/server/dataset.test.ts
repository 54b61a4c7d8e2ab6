/**
 * `POST /v2/export` and `POST /v2/query` against a hostile caller: groups by id only (a path, an
 * unknown id, a folder outside the runs folder refused), another user's groups outside a query's
 * default scope, SQL that reaches for files, writes, attaches or installs refused. The SDK's reads
 * are a stand-in here (getRun, listRuns): what is tested is the routes' scoping over real folders.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAccessPolicy } from '../../client/server/access';
import { buildServer } from '../../client/server/app';
import type { Client, RunGroupStatus } from '../../client/sdk';
import type { HarnessPaths } from '../../core/config';
import { PLANTED_TOKEN, plantRunFiles } from '../helpers/datasetFolders';
import { writeGroupFolder } from '../helpers/groupFolders';
import { runPython } from '../helpers/python';

const TOKENS = { alice: `alice-${'a'.repeat(32)}`, bob: `bob-${'b'.repeat(32)}` };
let app: FastifyInstance;
let runsDir: string;
let outsideDir: string;

beforeAll(async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'mlebench-dataset-api-'));
  runsDir = path.join(home, 'runs');
  const aliceDir = await writeGroupFolder(runsDir, 'alice-g', 'aide', [
    { competitionId: 'c1', seed: 1, score: 0.5 },
    { competitionId: 'c1', seed: 2, score: 0.7, medal: 'bronze' },
  ]);
  plantRunFiles(path.join(aliceDir, 'c1_seed-1'), { hugeLogBytes: 10 });
  const bobDir = await writeGroupFolder(runsDir, 'bob-g', 'dummy', [{ competitionId: 'c9', seed: 1, score: 0.1 }]);
  outsideDir = await writeGroupFolder(path.join(home, 'elsewhere'), 'outside-g', 'dummy', [{ competitionId: 'c1', seed: 1, score: 1 }]);
  const groups: Record<string, { dir: string; owner: string }> = {
    'alice-g': { dir: aliceDir, owner: 'alice' },
    'bob-g': { dir: bobDir, owner: 'bob' },
    'outside-g': { dir: outsideDir, owner: 'alice' },
  };
  const status = (id: string) => ({ id, groupDir: groups[id]!.dir, owner: groups[id]!.owner }) as unknown as RunGroupStatus;
  const client = {
    getRun: (id: string) => {
      if (!groups[id]) return Promise.reject(new WorkflowNotFoundError(`no ${id}`, id, undefined));
      return Promise.resolve(status(id));
    },
    listRuns: (opts: { owner?: string }) =>
      Promise.resolve(
        Object.keys(groups)
          .filter((id) => groups[id]!.owner === opts.owner)
          .map(status),
      ),
  } as unknown as Client;
  const access = await loadAccessPolicy('127.0.0.1', { MLEBENCH_API_TOKENS: `alice:runner:${TOKENS.alice},bob:viewer:${TOKENS.bob}` });
  app = await buildServer({ client, paths: { runsDir } as HarnessPaths, access });
});

afterAll(async () => {
  await app?.close();
});

const post = (url: string, who: keyof typeof TOKENS, payload: unknown) =>
  app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${TOKENS[who]}`, host: '127.0.0.1' }, payload: payload as object });

describe('POST /v2/export', () => {
  it('answers a tar of the dataset that Python opens and pyarrow reads, secrets redacted', async () => {
    const res = await post('/v2/export', 'alice', { groups: ['alice-g'], filters: { competitions: ['c1'] } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-tar');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlebench-dataset-tar-'));
    writeFileSync(path.join(dir, 'd.tar'), res.rawPayload);
    writeFileSync(
      path.join(dir, 'read.py'),
      [
        'import json, tarfile, pyarrow.parquet as pq',
        `t = tarfile.open('${dir}/d.tar')`,
        'names = sorted(t.getnames())',
        `t.extractall('${dir}/x', filter='data')`,
        `counts = {n: pq.read_table(f'${dir}/x/dataset/{n}.parquet').num_rows for n in ['runs', 'llm_calls', 'files']}`,
        `text = ''.join(pq.read_table(f'${dir}/x/dataset/llm_calls.parquet').to_pandas()['request'])`,
        "print(json.dumps({'names': names, 'counts': counts, 'leak': " + `'${PLANTED_TOKEN}'` + ' in text}))',
      ].join('\n'),
    );
    const r = await runPython(path.join(dir, 'read.py'), {});
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      names: ['dataset/README.md', 'dataset/files.parquet', 'dataset/llm_calls.parquet', 'dataset/runs.parquet'],
      counts: { runs: 2, llm_calls: 2, files: 2 },
      leak: false,
    });
  });

  it('refuses a group named by a path, an unknown id, a folder outside the runs folder, a path of its own', async () => {
    for (const id of ['../../etc', '/etc', 'nobody']) {
      const res = await post('/v2/export', 'alice', { groups: [id] });
      expect(res.statusCode, id).toBe(404);
    }
    expect((await post('/v2/export', 'alice', { groups: ['outside-g'] })).json()).toEqual({
      error: { message: 'run group outside-g has no folder here' },
    });
    const res = await post('/v2/export', 'alice', { groups: ['alice-g'], out: '/tmp/x' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/out.*not a field of this request/);
  });
});

describe('POST /v2/query', () => {
  it("covers the caller's own groups by default, never another user's", async () => {
    const sql = 'SELECT DISTINCT group_id FROM runs ORDER BY 1';
    expect((await post('/v2/query', 'alice', { sql })).json()).toMatchObject({ rows: [{ group_id: 'alice-g' }], groups: ['alice-g'] });
    expect((await post('/v2/query', 'bob', { sql })).json()).toMatchObject({ rows: [{ group_id: 'bob-g' }] });
    const mean = await post('/v2/query', 'alice', {
      sql: 'SELECT competition_id, avg(score) AS mean FROM runs GROUP BY 1',
      groups: ['alice-g'],
    });
    expect(mean.json()).toMatchObject({
      columns: ['competition_id', 'mean'],
      rows: [{ competition_id: 'c1', mean: 0.6 }],
      truncated: false,
    });
  });

  it('refuses SQL that reads files, writes, attaches, installs or unlocks, and bounds the rows', async () => {
    for (const sql of [
      "SELECT * FROM read_csv('/etc/passwd')",
      `SELECT * FROM read_json('${path.join(runsDir, '*', 'metadata.json')}')`,
      "COPY runs TO '/tmp/mlebench-api-leak.parquet'",
      "ATTACH '/tmp/mlebench-api-leak.db'",
      'INSTALL httpfs',
      'SET enable_external_access = true',
      'SELECT 1; SELECT 2',
    ]) {
      const res = await post('/v2/query', 'bob', { sql });
      expect(res.statusCode, sql).toBe(400);
      expect(res.body, sql).not.toContain('root:x:0');
    }
    const many = (await post('/v2/query', 'bob', { sql: 'SELECT * FROM range(5000)' })).json<{ rows: unknown[]; truncated: boolean }>();
    expect([many.rows.length, many.truncated]).toEqual([1000, true]);
  });
});
