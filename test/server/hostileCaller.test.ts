/**
 * A hostile caller against the REST API (`buildServer` over a real Temporal dev server): no token,
 * a wrong one, a role that may not, another user's group, a rebinding Host, split names that are
 * paths, a workflow started by hand with a memo pointing anywhere, query injection, oversized
 * bodies and listings, per-user limits. No worker polls: started groups stay running, which is
 * what the limits count.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessConfigError, loadAccessPolicy } from '../../client/server/access';
import { buildServer } from '../../client/server/app';
import { SEARCH_ATTRIBUTES, WORKFLOW_TYPES } from '../../temporal/contract';
import { cliEnv, MLEBENCH_BIN } from '../helpers/cli';
import { until } from '../helpers/runContainers';
import { startHarnessTestEnv, type HarnessTestEnv } from '../helpers/temporalEnv';

const secret = (who: string) => `${who}-${Math.random().toString(36).slice(2)}${'k'.repeat(24)}`;
const TOKENS = { admin: secret('admin'), alice: secret('alice'), bob: secret('bob'), carol: secret('carol'), viewer: secret('viewer') };
/** A secret in the server's environment: no answer may ever contain it. */
const ENV_SECRET = `sk-hostile-${Math.random().toString(36).slice(2)}`;

let h: HarnessTestEnv;
let app: FastifyInstance;
let base: string;
let port: number;

beforeAll(async () => {
  process.env.MLEBENCH_HOSTILE_CALLER_SECRET = ENV_SECRET;
  h = await startHarnessTestEnv();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tokens-'));
  const file = path.join(dir, 'tokens.yaml');
  writeFileSync(
    file,
    [
      'users:',
      `  root-admin: { role: admin, token: ${TOKENS.admin} }`,
      `  alice: { role: runner, token: ${TOKENS.alice}, limits: { running_groups: 1, agent_containers: 4 } }`,
      `  bob: { role: runner, token: ${TOKENS.bob} }`,
      `  carol: { role: runner, token: ${TOKENS.carol}, limits: { llm_dollars_per_day: 1 } }`,
      `  vera: { role: viewer, token: ${TOKENS.viewer} }`,
    ].join('\n'),
  );
  const access = await loadAccessPolicy('127.0.0.1', { MLEBENCH_API_TOKENS_FILE: file });
  app = await buildServer({ client: h.client, paths: h.paths, access });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  port = Number(new URL(base).port);
});

afterAll(async () => {
  await app?.close();
  await h?.teardown();
  delete process.env.MLEBENCH_HOSTILE_CALLER_SECRET;
});

interface Answer {
  status: number;
  text: string;
  json: { error?: { message: string }; [key: string]: unknown };
  headers: http.IncomingHttpHeaders;
}

/** A real HTTP request on a socket, with any headers (Host included). */
function call(
  method: string,
  url: string,
  opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: url,
        headers: {
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json = {};
          try {
            json = JSON.parse(text) as object;
          } catch {
            // not JSON (the page)
          }
          resolve({ status: res.statusCode ?? 0, text, json, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

const DUMMY = { agent_id: 'dummy', competitions: ['spam-assassin'] };
/** Nothing of the server's files or environment in any answer. */
const leaks = (text: string) => [ENV_SECRET, 'root:x:0:0', process.env.PATH ?? '\u0000'].filter((s) => text.includes(s));

describe('the REST API against a hostile caller', () => {
  it('asks for a token, refuses a wrong one, and serves only health, the API description and the page files without one', async () => {
    const none = await call('GET', '/v2/runs');
    expect(none.status).toBe(401);
    expect(none.json.error?.message).toMatch(/needs a token: send "Authorization: Bearer <token>"/);
    const wrong = await call('GET', '/v2/runs', { token: `${TOKENS.alice}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain(TOKENS.alice);
    expect((await call('GET', '/v2/runs', { headers: { authorization: 'Basic YWxpY2U6cHc=' } })).status).toBe(401);
    for (const url of [
      // The seed's routes are authorised exactly like the richer ones.
      '/runs',
      '/runs/x',
      '/runs/x/summary',
      '/runs/x/artifacts',
      '/competitions',
      '/technique-tasks',
      '/v2/compare?a=x&b=y',
      '/v2/experiment?group=x',
      '/files/runs/x/metadata.json',
      '/v2/runs/x',
      '/v2/runs/x/summary',
      '/v2/runs/x/artifacts',
      '/v2/competitions',
      '/v2/technique-tasks',
      '/session',
      '/no-such-route',
    ]) {
      expect((await call('GET', url)).status, url).toBe(401);
    }
    expect((await call('POST', '/v2/runs/x/cancel')).status).toBe(401);
    expect((await call('POST', '/runs', { body: DUMMY })).status).toBe(401);
    for (const url of ['/health', '/v2/health', '/openapi.json', '/', '/groups/x', '/assets/app.js'])
      expect((await call('GET', url)).status, url).toBe(200);
    expect((await call('GET', '/v2/runs', { token: TOKENS.viewer })).status).toBe(200);
  });

  it('answers only to its own host names (DNS rebinding)', async () => {
    for (const host of ['evil.example', 'evil.example:8000', 'localhost.evil.example', '127.0.0.1.nip.io']) {
      const res = await call('GET', '/health', { headers: { host } });
      expect(res.status, host).toBe(403);
      expect(res.json.error?.message).toMatch(/does not answer to the host name/);
    }
    // Even with a valid token: the page of a rebinding site must not get the data.
    expect((await call('GET', '/v2/runs', { token: TOKENS.viewer, headers: { host: 'evil.example' } })).status).toBe(403);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`])
      expect((await call('GET', '/health', { headers: { host } })).status, host).toBe(200);
  });

  it('roles: a viewer reads, a runner starts and cancels its own groups, an admin any; each group records its owner', async () => {
    const viewer = await call('POST', '/v2/runs', { token: TOKENS.viewer, body: DUMMY });
    expect(viewer.status).toBe(403);
    expect(viewer.json.error?.message).toMatch(
      /user "vera" is a viewer: starting and cancelling run groups needs the runner or admin role/,
    );

    const started = await call('POST', '/v2/runs', { token: TOKENS.bob, body: DUMMY });
    expect(started.status, started.text).toBe(201);
    const id = started.json.run_id as string;
    const record = await call('GET', `/v2/runs/${id}`, { token: TOKENS.viewer });
    expect(record.json).toMatchObject({ run_id: id, owner: 'bob' });
    // The owner is a memo field and the Owner search attribute: listings filter on it.
    // Temporal's listings are eventually consistent: wait for the group to be listed.
    const listed = async () =>
      ((await call('GET', '/v2/runs?owner=bob', { token: TOKENS.viewer })).json.runs as { run_id: string; owner: string }[]).map((r) => [
        r.run_id,
        r.owner,
      ]);
    await until(async () => (await listed()).length > 0, 10_000, "bob's group in the listing");
    expect(await listed()).toEqual([[id, 'bob']]);
    const handle = (await h.client.workflowClient()).workflow.getHandle(id);
    expect((await handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.owner)).toBe('bob');

    const other = await call('POST', `/v2/runs/${id}/cancel`, { token: TOKENS.alice });
    expect(other.status).toBe(403);
    expect(other.json.error?.message).toMatch(/is user "bob"'s: a runner cancels only its own groups/);
    expect((await call('POST', `/v2/runs/${id}/cancel`, { token: TOKENS.viewer })).status).toBe(403);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const byAdmin = await call('POST', `/v2/runs/${id}/cancel`, { token: TOKENS.admin });
    expect(byAdmin.status).toBe(202);
    // A runner cancels its own.
    const own = await call('POST', '/v2/runs', { token: TOKENS.bob, body: DUMMY });
    expect((await call('POST', `/v2/runs/${own.json.run_id as string}/cancel`, { token: TOKENS.bob })).status).toBe(202);
    // The seed's POST /runs: the same roles, the seed's answer; its record names the owner.
    expect((await call('POST', '/runs', { token: TOKENS.viewer, body: DUMMY })).status).toBe(403);
    const seedStart = await call('POST', '/runs', { token: TOKENS.bob, body: DUMMY });
    expect(seedStart.status, seedStart.text).toBe(200);
    expect(seedStart.json).toEqual({ run_id: expect.any(String) as string, status: 'queued' });
    await until(
      async () =>
        ((await call('GET', '/runs', { token: TOKENS.viewer })).json as unknown as { run_id: string; owner: string }[]).some(
          (r) => r.run_id === seedStart.json.run_id && r.owner === 'bob',
        ),
      10_000,
      "the seed's listing to show bob's group",
    );
    expect((await call('POST', `/v2/runs/${seedStart.json.run_id as string}/cancel`, { token: TOKENS.bob })).status).toBe(202);
  });

  it('per-user limits: running groups and agent containers (429, 403 for a group no limit admits), with the limit named', async () => {
    const wide = await call('POST', '/v2/runs', { token: TOKENS.alice, body: { ...DUMMY, n_seeds: 6, n_workers: 5 } });
    expect(wide.status).toBe(403);
    expect(wide.json.error?.message).toMatch(/limit agent_containers of user "alice" is 4: this group asks 5 at once/);
    const first = await call('POST', '/v2/runs', { token: TOKENS.alice, body: DUMMY });
    expect(first.status, first.text).toBe(201);
    const second = await call('POST', '/v2/runs', { token: TOKENS.alice, body: DUMMY });
    expect(second.status).toBe(429);
    expect(second.json.error?.message).toMatch(/limit running_groups of user "alice" is 1: 1 running now/);
    // Ten at once: the check and the start are one step per user, so none slips through.
    const burst = await Promise.all(Array.from({ length: 10 }, () => call('POST', '/v2/runs', { token: TOKENS.alice, body: DUMMY })));
    expect(burst.map((r) => r.status)).toEqual(Array(10).fill(429));
    // Another user is not held back by alice's limits.
    expect((await call('POST', '/v2/runs', { token: TOKENS.bob, body: DUMMY })).status).toBe(201);
  });

  it('per-user limits: LLM dollars a day, reserved at start; an LLM group without a dollar budget is refused', async () => {
    // Anyone's LLM group needs a dollar budget, unless it says it runs uncapped...
    const unbudgeted = await call('POST', '/v2/runs', {
      token: TOKENS.bob,
      body: { agent_id: 'llm-dummy', competitions: ['spam-assassin'] },
    });
    expect(unbudgeted.status).toBe(400);
    expect(unbudgeted.json.error?.message).toMatch(
      /llm_budget\.max_dollars: agent llm-dummy calls an LLM: give it a dollar budget per run/,
    );
    // ...which a user with a dollar limit may not say.
    const uncapped = await call('POST', '/v2/runs', {
      token: TOKENS.carol,
      body: { agent_id: 'llm-dummy', competitions: ['spam-assassin'], llm_unlimited: true },
    });
    expect(uncapped.status).toBe(403);
    expect(uncapped.json.error?.message).toMatch(
      /limit llm_dollars_per_day of user "carol" is \$1\.00: agent llm-dummy calls an LLM, so give llm_budget\.max_dollars per run/,
    );
    const budgeted = { agent_id: 'llm-dummy', competitions: ['spam-assassin'], n_seeds: 2, llm_budget: { max_dollars: 0.3 } };
    expect((await call('POST', '/v2/runs', { token: TOKENS.carol, body: budgeted })).status).toBe(201);
    const over = await call('POST', '/v2/runs', { token: TOKENS.carol, body: budgeted });
    expect(over.status).toBe(429);
    expect(over.json.error?.message).toMatch(
      /limit llm_dollars_per_day of user "carol" is \$1\.00: \$0\.60 reserved by groups started in the last 24 hours, this group reserves \$0\.60 \(2 runs/,
    );
    // A group that calls no LLM reserves nothing.
    expect((await call('POST', '/v2/runs', { token: TOKENS.carol, body: DUMMY })).status).toBe(201);
  });

  it('a split name never names a file: paths are refused, and no answer carries a file or the environment', async () => {
    for (const competition_set of [
      '/proc/self/environ',
      '/etc/passwd',
      '../../../../etc/passwd',
      'splits/../../../etc/passwd',
      '/proc/self/cmdline',
      'experiments/splits/../../../../proc/self/environ',
    ]) {
      const res = await call('POST', '/v2/runs', { token: TOKENS.bob, body: { agent_id: 'dummy', competition_set } });
      expect(res.status, competition_set).toBe(400);
      expect(res.json.error?.message).toMatch(/competition_set: must name a split, not a file/);
      expect(leaks(res.text), competition_set).toEqual([]);
    }
    // Names that are not competitions are echoed as names, and the known splits are listed, nothing else.
    const unknown = await call('POST', '/v2/runs', { token: TOKENS.bob, body: { agent_id: 'dummy', competition_set: 'environ' } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error?.message).toMatch(/no split "environ"; the splits are the harness's: dev, lite, offline, offline-dev/);
  });

  it("GET /files/{path} serves only regular files of the runs folder's group folders, by the records' paths", async () => {
    const runs = path.basename(h.paths.runsDir);
    const group = path.join(h.paths.runsDir, `2026-01-01T00-00-00-UTC_run-group_files-${Math.random().toString(36).slice(2)}`);
    const outside = mkdtempSync(path.join(os.tmpdir(), 'outside-files-'));
    writeFileSync(path.join(outside, 'secret.txt'), 'outside the runs folder');
    mkdirSync(path.join(group, 'run_seed-1', 'logs'), { recursive: true });
    writeFileSync(path.join(group, 'grading_report.json'), '{"ok": true}');
    symlinkSync('/etc/passwd', path.join(group, 'run_seed-1', 'logs', 'passwd'));
    symlinkSync(outside, path.join(group, 'run_seed-1', 'out'));
    symlinkSync(outside, path.join(h.paths.runsDir, 'linked-files-group'));
    mkdirSync(path.join(group, 'run_seed-1', '.scratch'), { recursive: true });
    writeFileSync(path.join(group, 'run_seed-1', '.scratch', 'live.txt'), 'the agent live view');
    const name = path.basename(group);

    const ok = await call('GET', `/files/${runs}/${name}/grading_report.json`, { token: TOKENS.viewer });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('{"ok": true}');
    expect(ok.headers['content-disposition']).toBe('attachment; filename="grading_report.json"');
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
    expect(ok.headers['content-security-policy']).toBe('sandbox');
    for (const p of [
      `${runs}/${name}/run_seed-1/logs/passwd`,
      `${runs}/${name}/run_seed-1/out/secret.txt`,
      `${runs}/linked-files-group/secret.txt`,
      `${runs}/${name}/run_seed-1/.scratch/live.txt`,
      `${runs}/${name}/../../etc/passwd`,
      `${runs}/${name}/..%2F..%2F..%2Fetc%2Fpasswd`,
      `${runs}%2F${name}%2F..%2F..%2Fetc%2Fpasswd`,
      `${runs}/..%2f..%2fetc/passwd`,
      `${runs}/${name}/run_seed-1`,
      `${runs}/${name}`,
      '%2Fetc%2Fpasswd',
      '/etc/passwd',
      'etc/passwd',
      `${runs}/${name}/%00grading_report.json`,
      `${runs}/${name}/run_seed-1\\..\\grading_report.json`,
    ]) {
      const res = await call('GET', `/files/${p}`, { token: TOKENS.viewer });
      expect(res.status, p).toBe(404);
      expect(leaks(res.text), p).toEqual([]);
      expect(res.text, p).not.toContain('outside the runs folder');
      expect(res.text, p).not.toContain('the agent live view');
    }
  });

  it('a workflow started by hand with a hostile memo: its folder is never read, listed or served', async () => {
    const client = await h.client.workflowClient();
    const outside = mkdtempSync(path.join(os.tmpdir(), 'outside-'));
    writeFileSync(path.join(outside, 'metadata.json'), '{"secret": "outside the runs folder"}');
    mkdirSync(h.paths.runsDir, { recursive: true });
    symlinkSync(outside, path.join(h.paths.runsDir, 'linked-group'));
    const memos = [
      '/etc',
      outside,
      path.join(h.paths.runsDir, '..', '..'),
      path.join(h.paths.runsDir, 'linked-group'),
      path.join(h.paths.runsDir, 'a', '..', '..', 'etc'),
    ];
    for (const groupDir of memos) {
      const id = `by-hand-${Math.random().toString(36).slice(2)}`;
      await client.workflow.start(WORKFLOW_TYPES.runGroup, {
        workflowId: id,
        taskQueue: 'nobody-polls-this',
        args: [{}],
        memo: { groupDir, agentId: 'dummy', owner: 'bob' },
      });
      const artifacts = await call('GET', `/v2/runs/${id}/artifacts`, { token: TOKENS.viewer });
      expect(artifacts.status).toBe(200);
      expect(artifacts.json.files, groupDir).toEqual([]);
      for (const file of ['passwd', 'metadata.json', 'hostname']) {
        const res = await call('GET', `/v2/runs/${id}/artifacts/${file}`, { token: TOKENS.viewer });
        expect(res.status, `${groupDir}/${file}`).toBe(404);
        expect(leaks(res.text)).toEqual([]);
        expect(res.text).not.toContain('outside the runs folder');
      }
      // Nor compares it (with itself: the folder is never read).
      const compared = await call('GET', `/v2/compare?a=${id}&b=${id}`, { token: TOKENS.viewer });
      expect(compared.status, groupDir).toBe(404);
      expect(compared.json.error?.message).toBe(`run group ${id} has no folder here`);
      expect(leaks(compared.text)).toEqual([]);
      const experiment = await call('GET', `/v2/experiment?group=${id}`, { token: TOKENS.viewer });
      expect(experiment.status, groupDir).toBe(404);
      expect(leaks(experiment.text)).toEqual([]);
      if (groupDir === outside) {
        // The seed's views: the record names no folder; a group not completed has no summary nor artifacts yet.
        const seedRecord = await call('GET', `/runs/${id}`, { token: TOKENS.viewer });
        expect(seedRecord.json).toMatchObject({ run_id: id, status: 'queued', run_group: null, run_dir: null });
        expect(seedRecord.text).not.toContain('outside');
        expect((await call('GET', `/runs/${id}/artifacts`, { token: TOKENS.viewer })).status).toBe(409);
        // The summary asks the group for its progress too (no worker answers here: a few seconds).
        const summary = await call('GET', `/v2/runs/${id}/summary`, { token: TOKENS.viewer });
        expect(summary.status).toBe(200);
        expect(summary.json).toMatchObject({ runs: [], grading_report: null });
        expect(summary.text).not.toContain('outside the runs folder');
      }
    }
    // A workflow that is not a run group (a child's type, say) is not one to the API.
    const child = `child-like-${Math.random().toString(36).slice(2)}`;
    await client.workflow.start(WORKFLOW_TYPES.competitionRun, { workflowId: child, taskQueue: 'nobody-polls-this', args: [{}] });
    expect((await call('GET', `/v2/runs/${child}`, { token: TOKENS.viewer })).status).toBe(404);
    expect((await call('GET', `/v2/runs/${child}/artifacts`, { token: TOKENS.viewer })).status).toBe(404);
  });

  it('listings: bounded pages with a token to the next, and filters that cannot extend the query', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await call('POST', '/v2/runs', { token: TOKENS.admin, body: DUMMY })).json.run_id as string);
    await until(
      async () => ((await call('GET', '/v2/runs?owner=root-admin', { token: TOKENS.viewer })).json.runs as unknown[]).length === 3,
      10_000,
      'the three groups listed',
    );
    const pages: string[][] = [];
    let token: string | null = null;
    do {
      const res = await call('GET', `/v2/runs?owner=root-admin&limit=2${token ? `&page_token=${encodeURIComponent(token)}` : ''}`, {
        token: TOKENS.viewer,
      });
      expect(res.status, res.text).toBe(200);
      pages.push((res.json.runs as { run_id: string }[]).map((r) => r.run_id));
      token = res.json.next_page_token as string | null;
    } while (token && pages.length < 5);
    expect(pages[0]).toHaveLength(2);
    expect(pages.flat().sort()).toEqual([...ids].sort());

    for (const q of [
      "agent_id=x' OR WorkflowType != 'y",
      "owner=bob' OR Owner != '",
      'limit=5000',
      'limit=0',
      'colour=blue',
      `page_token=${'A'.repeat(5000)}`,
      'page_token=eyJMYXN0U3RhcnRUaW1lIjoxfQ.forged',
      `page_token=${'0'.repeat(40)}`,
    ]) {
      const res = await call('GET', `/v2/runs?${q.replace(/ /g, '%20').replace(/'/g, '%27')}`, { token: TOKENS.viewer });
      expect(res.status, q).toBe(400);
    }
  });

  it('bodies are bounded and strict', async () => {
    const huge = await call('POST', '/v2/runs', { token: TOKENS.bob, raw: JSON.stringify({ ...DUMMY, notes: 'x'.repeat(200_000) }) });
    expect(huge.status).toBe(413);
    const many = await call('POST', '/v2/runs', { token: TOKENS.bob, body: { agent_id: 'dummy', competitions: Array(6000).fill('a') } });
    expect([400, 413]).toContain(many.status);
    const form = await call('POST', '/v2/runs', {
      token: TOKENS.bob,
      raw: 'agent_id=dummy',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const float = await call('POST', '/v2/runs', { token: TOKENS.bob, body: { ...DUMMY, n_seeds: 1.5 } });
    expect(float.status).toBe(400);
  });

  it('the page signs in with a token that becomes an HttpOnly, SameSite=Strict cookie', async () => {
    expect((await call('POST', '/session', { body: { token: 'not-a-token' } })).status).toBe(401);
    const signed = await call('POST', '/session', { body: { token: TOKENS.viewer } });
    expect(signed.status).toBe(200);
    expect(signed.json).toEqual({ user: 'vera', role: 'viewer' });
    const cookie = String(signed.headers['set-cookie']);
    expect(cookie).toMatch(/^mlebench_token=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    const withCookie = await call('GET', '/session', { headers: { cookie: cookie.split(';')[0]! } });
    expect(withCookie.json).toEqual({ user: 'vera', role: 'viewer', tokens: true });
    const out = await call('DELETE', '/session');
    expect(String(out.headers['set-cookie'])).toMatch(/^mlebench_token=; .*Max-Age=0/);
  });
});

describe('starting a server that would be exposed', () => {
  it('refuses to listen beyond loopback without tokens, saying why, before anything starts', async () => {
    await expect(loadAccessPolicy('0.0.0.0', {})).rejects.toThrow(/refusing to serve 0\.0\.0\.0 without tokens/);
    await expect(loadAccessPolicy('192.168.1.5', {})).rejects.toBeInstanceOf(AccessConfigError);
    expect((await loadAccessPolicy('127.0.0.1', {})).users).toBeNull();
    // The command itself: no Temporal is started, the reason is on stderr.
    const { env } = cliEnv();
    const child = spawn(process.execPath, [MLEBENCH_BIN, 'serve', '--host', '0.0.0.0', '--port', '0'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/refusing to serve 0\.0\.0\.0 without tokens: .*MLEBENCH_API_TOKENS_FILE/);
  });

  it('a tokens file is checked field by field, and never echoes a token', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tokens-'));
    const write = (text: string) => {
      const file = path.join(dir, `t${Math.random()}.yaml`);
      writeFileSync(file, text);
      return { MLEBENCH_API_TOKENS_FILE: file };
    };
    await expect(loadAccessPolicy('127.0.0.1', write('users:\n  al: { role: runner, token: short-secret }\n'))).rejects.toThrow(
      /users\.al\.token: .*at least 24 characters/,
    );
    await expect(loadAccessPolicy('127.0.0.1', write('users:\n  al: { role: runner, token: short-secret }\n'))).rejects.not.toThrow(
      /short-secret/,
    );
    await expect(loadAccessPolicy('127.0.0.1', write(`users:\n  al: { role: boss, token: ${TOKENS.bob} }\n`))).rejects.toThrow(
      /users\.al\.role/,
    );
    await expect(
      loadAccessPolicy(
        '127.0.0.1',
        write(`users:\n  a: { role: admin, token: ${TOKENS.bob} }\n  b: { role: viewer, token: ${TOKENS.bob} }\n`),
      ),
    ).rejects.toThrow(/users\.b: the same token as user "a"/);
    await expect(loadAccessPolicy('0.0.0.0', { MLEBENCH_API_TOKENS_FILE: path.join(dir, 'missing.yaml') })).rejects.toThrow(
      /cannot read it \(ENOENT\)/,
    );
    await expect(loadAccessPolicy('127.0.0.1', { MLEBENCH_API_TOKENS: 'no-role-here' })).rejects.toThrow(/user:role:token/);
  });
});
