// The gateway against a local OpenAI-compatible upstream with scripted replies (real HTTP on
// loopback), called with the real `openai` client as an agent would.
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadGatewayConfig, startGateway, usageFromRollout, type Gateway, type RolloutLine } from '../../core/gateway/index.js';

const KEY = 'sk-upstream-secret';
interface Hit {
  auth: string | undefined;
  body: Record<string, unknown>;
}
type Reply = { status: number; body: unknown };

const completion = (model: string, prompt = 10, done = 5) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model,
  choices: [
    { index: 0, message: { role: 'assistant', content: 'hello from upstream', refusal: null }, finish_reason: 'stop', logprobs: null },
  ],
  usage: { prompt_tokens: prompt, completion_tokens: done, total_tokens: prompt + done },
});

let upstream: http.Server;
let upstreamUrl: string;
const hits: Hit[] = [];
const script: Reply[] = [];
let gw: Gateway;
let dir: string;
let n = 0;

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      hits.push({ auth: req.headers.authorization, body });
      const reply = script.shift() ?? { status: 200, body: completion(String(body.model)) };
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gateway-test-'));
  gw = await startGateway({
    config: {
      aliases: { 'gpt-4o': 'local-big', 'gpt-4o-mini': 'local-small', free: 'unpriced' },
      prices: { 'local-big': { inputPerMTok: 1000, outputPerMTok: 2000 }, 'local-small': { inputPerMTok: 1, outputPerMTok: 1 } },
    },
    apiKey: KEY,
    baseURL: upstreamUrl,
    retries: 2,
    retryBaseMs: 1,
    retryMaxMs: 5,
  });
});

afterAll(async () => {
  await gw?.close();
  await new Promise<void>((r) => upstream.close(() => r()));
  await fs.rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  hits.length = 0;
  script.length = 0;
});

function newRun(budget: { maxTokens?: number; maxRequests?: number; maxDollars?: number } = {}) {
  const runId = `run-${++n}`;
  const rolloutFile = path.join(dir, runId, 'logs', 'llm', 'rollout.jsonl');
  const token = gw.registerRun({ runId, budget, rolloutFile });
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: token, maxRetries: 0 });
  return { runId, rolloutFile, token, client };
}

const ask = (client: OpenAI, model = 'gpt-4o') => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
const rollout = async (file: string) =>
  (await fs.readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RolloutLine);
async function apiError(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OpenAI.APIError);
  return err as InstanceType<typeof OpenAI.APIError>;
}

describe('gateway', () => {
  it('forwards with the upstream model and the real key, and returns the reply', async () => {
    const { client, token } = newRun();
    const reply = await ask(client);
    expect(reply.choices[0]?.message.content).toBe('hello from upstream');
    expect(hits).toHaveLength(1);
    expect(hits[0]?.body.model).toBe('local-big');
    expect(hits[0]?.auth).toBe(`Bearer ${KEY}`);
    expect(hits[0]?.auth).not.toContain(token);
  });

  it('lists the aliases on /v1/models', async () => {
    const { client } = newRun();
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['gpt-4o', 'gpt-4o-mini', 'free']);
  });

  it('refuses a missing or unknown token with 401 and an OpenAI-style body', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'gpt-4o', messages: [] }) });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { message: string; type: string; code: string } };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
    const wrong = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'mlb-wrong', maxRetries: 0 });
    expect((await apiError(ask(wrong))).status).toBe(401);
    const { runId, client } = newRun();
    gw.unregisterRun(runId);
    expect((await apiError(ask(client))).status).toBe(401);
    expect(hits).toHaveLength(0);
  });

  it('rejects an unknown model with 400 naming the aliases', async () => {
    const { client, rolloutFile } = newRun();
    const err = await apiError(ask(client, 'gpt-5'));
    expect(err.status).toBe(400);
    expect(err.message).toContain('gpt-4o, gpt-4o-mini, free');
    expect(hits).toHaveLength(0);
    expect((await rollout(rolloutFile))[0]?.error).toMatchObject({ status: 400 });
  });

  it('refuses streaming with a clear 400', async () => {
    const { client } = newRun();
    const err = await apiError(
      client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/streaming.*not supported/);
    expect(hits).toHaveLength(0);
  });

  it.each([429, 500, 503])('retries an upstream %i, then succeeds', async (status) => {
    const { client, runId } = newRun();
    script.push({ status, body: { error: { message: 'try later', type: 'server_error', code: null } } });
    const reply = await ask(client);
    expect(reply.choices[0]?.message.content).toBe('hello from upstream');
    expect(hits).toHaveLength(2);
    expect(gw.usageOf(runId)).toMatchObject({ requests: 1, totalTokens: 15 });
  });

  it('gives up after the configured retries with the upstream status', async () => {
    const { client } = newRun();
    for (let i = 0; i < 3; i++) script.push({ status: 502, body: { error: { message: 'bad gateway', type: 'server_error', code: null } } });
    const err = await apiError(ask(client));
    expect(err.status).toBe(502);
    expect(hits).toHaveLength(3);
  });

  it('passes other upstream errors back with their status and message, without retrying', async () => {
    const { client, rolloutFile } = newRun();
    script.push({
      status: 400,
      body: { error: { message: 'context too long', type: 'invalid_request_error', code: 'context_length_exceeded' } },
    });
    const err = await apiError(ask(client));
    expect(err.status).toBe(400);
    expect(err.message).toContain('context too long');
    expect(err.code).toBe('context_length_exceeded');
    expect(hits).toHaveLength(1);
    expect((await rollout(rolloutFile))[0]?.error).toMatchObject({ status: 400, message: 'upstream: context too long' });
  });

  // What reaches the upstream for a call with max_tokens 5: 86 bytes, so a worst case of 86
  // prompt tokens (the body's size bounds them) + 5; each call really uses 10 + 5 tokens, $0.02
  // (10 * 1000 + 5 * 2000 per million). The budgets let two calls through, not a third.
  const SMALL = JSON.stringify({ model: 'local-big', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5, n: 1 });
  const small = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 5 };
  const budgets = [
    {
      kind: 'tokens',
      budget: { maxTokens: 115 },
      message: (id: string) =>
        `run ${id}: token budget of 115 cannot cover this call: used 30, and this call may use up to 91 (its prompt's size and its max tokens); ask for fewer max tokens`,
    },
    { kind: 'requests', budget: { maxRequests: 2 }, message: (id: string) => `run ${id}: request budget of 2 exhausted (used 2)` },
    {
      kind: 'dollars',
      budget: { maxDollars: 0.12 },
      message: (id: string) =>
        `run ${id}: dollar budget of 0.12 cannot cover this call: used 0.04, and this call may use up to 0.096 (its prompt's size and its max tokens); ask for fewer max tokens`,
    },
  ] as const;
  it.each(budgets)('stops calls once the $kind budget cannot cover the next one', async ({ kind, budget, message }) => {
    const calls = 2;
    const { client, runId, token, rolloutFile } = newRun(budget);
    for (let i = 0; i < calls; i++) await client.chat.completions.create(small);
    expect(hits).toHaveLength(calls);
    expect(JSON.stringify(hits[0]?.body)).toBe(SMALL);
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(small),
    });
    // 402, never 429: clients such as AIDE retry a 429 forever.
    expect(res.status).toBe(402);
    expect(await res.json()).toEqual({ error: { type: 'budget_exhausted', code: 'budget_exhausted', message: message(runId) } });
    const err = await apiError(client.chat.completions.create(small));
    expect(err.status).toBe(402);
    expect(hits).toHaveLength(calls);
    expect(gw.usageOf(runId)?.budgetExhausted).toBe(kind);
    await expect(gw.budgetExhausted(runId)).resolves.toBe(kind);
    const lines = await rollout(rolloutFile);
    expect(lines).toHaveLength(calls + 2);
    expect(lines.at(-1)?.error).toMatchObject({ status: 402, type: 'budget_exhausted' });
    expect(lines.at(-1)).toMatchObject({ admitted: false, budgetExhausted: kind });
    // A worker that restarts mid-run rebuilds the same totals from the rollout.
    const { budgetExhausted: _b, ...live } = gw.usageOf(runId)!;
    expect(await usageFromRollout(rolloutFile)).toEqual({ ...live, budgetExhausted: kind });
  });

  it('resumes a run with its token and its usage so far: the budget continues where it was', async () => {
    const first = newRun({ maxRequests: 3 });
    await ask(first.client);
    await ask(first.client);
    gw.unregisterRun(first.runId);
    const usage = await usageFromRollout(first.rolloutFile);
    expect(usage).toMatchObject({ requests: 2, totalTokens: 30 });
    const token = gw.registerRun({
      runId: first.runId,
      budget: { maxRequests: 3 },
      rolloutFile: first.rolloutFile,
      token: first.token,
      usage,
    });
    expect(token).toBe(first.token);
    await ask(first.client);
    expect((await apiError(ask(first.client))).status).toBe(402);
    expect(gw.usageOf(first.runId)).toMatchObject({ requests: 3, budgetExhausted: 'requests' });
  });

  it('serves on another address through listen(), and stops there on close', async () => {
    const { token } = newRun({});
    const extra = await gw.listen('127.0.0.1');
    expect(extra.port).not.toBe(gw.port);
    const models = await fetch(`${extra.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
    expect(models.status).toBe(200);
    await extra.close();
    await expect(fetch(`${extra.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })).rejects.toThrow();
  });

  it('holds the request budget under concurrent calls, one rollout line each', async () => {
    const { client, runId, rolloutFile } = newRun({ maxRequests: 3 });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => ask(client)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(hits).toHaveLength(3);
    expect(gw.usageOf(runId)).toMatchObject({ requests: 3, totalTokens: 45, budgetExhausted: 'requests' });
    expect(await rollout(rolloutFile)).toHaveLength(8);
  });

  it('refuses a dollar-budgeted run a model without a price', async () => {
    const { client } = newRun({ maxDollars: 1 });
    const err = await apiError(ask(client, 'free'));
    expect(err.status).toBe(400);
    expect(err.message).toContain('no price');
    expect(hits).toHaveLength(0);
  });

  it('counts a call to a model without a price as of unknown cost, not free', async () => {
    const { client, runId, rolloutFile } = newRun();
    await ask(client, 'free');
    await ask(client);
    expect(gw.usageOf(runId)).toMatchObject({ requests: 2, costUsd: 0.02, unpricedRequests: 1 });
    expect((await rollout(rolloutFile))[0]).toMatchObject({ upstreamModel: 'unpriced', costUsd: null });
  });

  it('writes one rollout line per call with usage and cost, and totals them in usageOf', async () => {
    const { client, runId, rolloutFile } = newRun();
    await ask(client);
    await ask(client, 'gpt-4o-mini');
    script.push({ status: 200, body: completion('local-small', 100, 50) });
    await ask(client, 'gpt-4o-mini');
    await apiError(ask(client, 'nope'));
    const lines = await rollout(rolloutFile);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({
      runId,
      upstreamModel: 'local-big',
      usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
      costUsd: 0.02,
      attempts: 1,
    });
    expect(lines[0]?.request).toMatchObject({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(lines[0]?.response).toMatchObject({ choices: [{ message: { content: 'hello from upstream' } }] });
    expect(lines[2]).toMatchObject({ usage: { totalTokens: 150 }, costUsd: 0.00015 });
    expect(lines[3]).toMatchObject({ usage: null, costUsd: null, error: { status: 400 } });
    for (const l of lines) expect(typeof l.latencyMs === 'number' && !Number.isNaN(Date.parse(l.ts))).toBe(true);
    expect(JSON.stringify(lines)).not.toContain(KEY);
    expect(gw.usageOf(runId)).toEqual({
      requests: 3,
      promptTokens: 120,
      completionTokens: 60,
      totalTokens: 180,
      costUsd: 0.020165,
      refusedRequests: 1,
    });
  });
});

describe('gateway config', () => {
  it('loads a YAML file and names file, field and reason on errors', async () => {
    const good = path.join(dir, 'good.yaml');
    await fs.writeFile(good, 'aliases:\n  gpt-4o: local-big\nprices:\n  local-big: { inputPerMTok: 1, outputPerMTok: 2 }\n');
    expect(await loadGatewayConfig(good)).toEqual({
      aliases: { 'gpt-4o': 'local-big' },
      prices: { 'local-big': { inputPerMTok: 1, outputPerMTok: 2 } },
      limits: {
        maxCompletionTokens: 8192,
        maxTokensField: 'max_completion_tokens',
        maxInFlightPerRun: 4,
        maxBodyBytes: 4194304,
        maxConnections: 64,
        rolloutBodyBytes: 262144,
        maxUnansweredLines: 100,
      },
    });

    const bad = path.join(dir, 'bad.yaml');
    await fs.writeFile(bad, 'aliases:\n  gpt-4o: local-big\nprices:\n  local-big: { inputPerMTok: -1, outputPerMTok: 2 }\n');
    await expect(loadGatewayConfig(bad)).rejects.toThrow(new RegExp(`^${bad}: prices\\.local-big\\.inputPerMTok: at least 0`));

    const empty = path.join(dir, 'empty.yaml');
    await fs.writeFile(empty, 'aliases: {}\n');
    await expect(loadGatewayConfig(empty)).rejects.toThrow(`${empty}: aliases: at least one alias is required`);

    const extra = path.join(dir, 'extra.yaml');
    await fs.writeFile(extra, 'aliases: { a: b }\nmodels: []\n');
    await expect(loadGatewayConfig(extra)).rejects.toThrow(/extra\.yaml: .*models/);

    const broken = path.join(dir, 'broken.yaml');
    await fs.writeFile(broken, 'aliases: [unclosed\n');
    await expect(loadGatewayConfig(broken)).rejects.toThrow(`${broken}: not valid YAML`);
    await expect(loadGatewayConfig(path.join(dir, 'missing.yaml'))).rejects.toThrow(/missing\.yaml: cannot read/);
  });
});
