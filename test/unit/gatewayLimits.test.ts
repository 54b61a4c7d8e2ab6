// What an agent can make the gateway hold or write: request bodies (413 before they are read
// whole), connections per listener, and the rollout file (bodies capped, refused calls counted
// with a bounded number of lines, the totals still right when rebuilt from it). Real HTTP and
// raw sockets on loopback against a local stand-in upstream.
import { promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rolloutState, usageFromRollout, type TruncatedBody } from '../../core/gateway/index.js';
import { capBody } from '../../core/gateway/rollout.js';
import { completion, gatewayFor, post, readRollout, StandInUpstream } from '../helpers/gatewayUpstream.js';

let upstream: StandInUpstream;
let env: Awaited<ReturnType<typeof gatewayFor>> | undefined;
beforeAll(async () => {
  upstream = await new StandInUpstream().start();
});
afterAll(() => upstream.close());
afterEach(async () => {
  upstream.hits.length = 0;
  await env?.close();
  env = undefined;
});

const MiB = 1024 * 1024;

/**
 * Posts a body of `total` bytes (declaring its length, or chunked) as fast as the server takes
 * it, and keeps writing after an answer, as a hostile client would, until the socket is gone.
 */
function flood(url: string, token: string, total: number, declare: boolean): Promise<{ status?: number; body: string; written: number }> {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let written = 0;
    let status: number | undefined;
    let body = '';
    const headers: http.OutgoingHttpHeaders = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(declare ? { 'content-length': total } : {}),
    };
    const req = http.request(`${url}/v1/chat/completions`, { method: 'POST', headers });
    req.on('response', (res) => {
      status = res.statusCode;
      res.on('data', (d: Buffer) => (body += d.toString()));
    });
    req.on('error', () => undefined); // the server cutting the upload short is the point
    req.on('close', () => resolve({ status, body, written }));
    const pump = () => {
      while (written < total && !req.destroyed) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
}

describe('request bodies', () => {
  it.each([
    ['declaring its length', true],
    ['chunked, with no length', false],
  ])('a 1 GiB body %s is refused with 413 and never read whole', async (_name, declare) => {
    env = await gatewayFor(upstream, { maxBodyBytes: MiB });
    const run = env.newRun();
    const rssBefore = process.memoryUsage().rss;
    const res = await flood(env.gw.url, run.token, 1024 * MiB, declare);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({
      error: {
        code: 'body_too_large',
        message: expect.stringContaining("gateway's limit of 1048576 bytes (limits.maxBodyBytes)") as unknown,
      },
    });
    // The server stopped taking it: the client could not write more than the limit and the
    // sockets' buffers, and this process (client and gateway both) did not grow by the body.
    expect(res.written).toBeLessThan(64 * MiB);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * MiB);
    expect(upstream.hits).toHaveLength(0);
    expect(env.gw.usageOf(run.runId)).toMatchObject({ requests: 0, refusedRequests: 1 });
    const [line] = await readRollout(run.rolloutFile);
    expect(line).toMatchObject({ request: null, admitted: false, error: { status: 413 } });
    // The gateway still answers.
    expect((await post(env.gw, run.token, { model: 'model', messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
  });
});

describe('connections', () => {
  it('closes connections past limits.maxConnections at once, and takes new ones when one is closed', async () => {
    env = await gatewayFor(upstream, { maxConnections: 3 });
    const run = env.newRun();
    const { port } = env.gw;
    const open = () =>
      new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      });
    const held = [await open(), await open(), await open()];
    // The fourth is accepted by the kernel and closed by the server without a byte.
    const fourth = await open();
    const got = await new Promise<string>((resolve) => {
      let data = '';
      fourth.on('data', (d: Buffer) => (data += d.toString()));
      fourth.on('error', () => undefined);
      fourth.on('close', () => resolve(data));
      fourth.write(`GET /v1/models HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${run.token}\r\n\r\n`);
    });
    expect(got).toBe('');
    // One held connection asks to be closed, and the server closes it: room for one more.
    const first = held.shift()!;
    await new Promise<void>((resolve) => {
      first.on('close', () => resolve());
      first.resume();
      first.write(`GET /v1/models HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: Bearer ${run.token}\r\n\r\n`);
    });
    const models = await fetch(`${env.gw.url}/v1/models`, { headers: { authorization: `Bearer ${run.token}`, connection: 'close' } });
    expect(models.status).toBe(200);
    for (const s of held) s.destroy();
  });
});

describe('the rollout file', () => {
  it('keeps the head of a huge prompt and a huge answer, marked truncated; the agent gets the whole answer; totals stay right', async () => {
    env = await gatewayFor(upstream, { rolloutBodyBytes: 4096 });
    const run = env.newRun();
    const prompt = 'p'.repeat(3 * MiB);
    const answer = 'a'.repeat(MiB);
    upstream.reply = (hit) => ({ status: 200, body: completion(String(hit.body.model), 750_000, 250_000, answer) });
    try {
      const reply = await run.client.chat.completions.create({ model: 'model', messages: [{ role: 'user', content: prompt }] });
      expect(reply.choices[0]?.message.content).toBe(answer);
    } finally {
      upstream.reply = (hit) => ({ status: 200, body: completion(String(hit.body.model), 1, 1) });
    }
    const size = (await fs.stat(run.rolloutFile)).size;
    expect(size).toBeLessThan(2 * 4096 + 2048);
    const [line] = await readRollout(run.rolloutFile);
    const request = line!.request as TruncatedBody;
    expect(request).toMatchObject({ truncated: true, bytes: expect.any(Number) as unknown });
    expect(request.bytes).toBeGreaterThan(3 * MiB);
    expect(request.head.startsWith('{"model":"model","messages":[{"role":"user","content":"ppp')).toBe(true);
    expect(Buffer.byteLength(request.head)).toBeLessThanOrEqual(4096);
    expect(line!.response).toMatchObject({ truncated: true });
    expect(line).toMatchObject({ admitted: true, usage: { promptTokens: 750_000, completionTokens: 250_000 } });
    expect(await usageFromRollout(run.rolloutFile)).toEqual(env.gw.usageOf(run.runId));
  });

  it('cuts a truncated head on a character boundary', () => {
    const capped = capBody({ text: 'é'.repeat(100) }, 20) as TruncatedBody;
    expect(capped.head).toBe(`{"text":"${'é'.repeat(5)}`);
    expect(capBody({ small: true }, 20)).toEqual({ small: true });
  });

  it('counts refused calls without a line each past maxUnansweredLines: a few checkpoint lines, and the totals rebuilt right', async () => {
    env = await gatewayFor(upstream, { maxUnansweredLines: 5, rolloutBodyBytes: 1024 });
    const run = env.newRun({ maxRequests: 2 });
    const bad = { model: 'model', messages: [{ role: 'user', content: 'x'.repeat(100_000) }], store: true };
    for (let i = 0; i < 40; i++) expect((await post(env.gw, run.token, bad)).status).toBe(400);
    expect(env.gw.usageOf(run.runId)).toMatchObject({ requests: 0, refusedRequests: 40 });
    let lines = await readRollout(run.rolloutFile);
    // Five calls with their line, then checkpoints when 1, 2, 4, 8, 16, 32 more had none.
    expect(lines.filter((l) => l.error)).toHaveLength(5);
    expect(lines.filter((l) => l.checkpoint).map((l) => (l.checkpoint as { refusedRequests: number }).refusedRequests)).toEqual([
      6, 7, 9, 13, 21, 37,
    ]);
    expect((await fs.stat(run.rolloutFile)).size).toBeLessThan(5 * 1400 + 6 * 400);
    expect(await rolloutState(run.rolloutFile)).toEqual({
      usage: { requests: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0, refusedRequests: 37 },
      unansweredLines: 5,
    });

    // Answered calls always get their line; the budget's refusals are counted too.
    await run.client.chat.completions.create({ model: 'model', messages: [{ role: 'user', content: 'hi' }] });
    await run.client.chat.completions.create({ model: 'model', messages: [{ role: 'user', content: 'hi' }] });
    expect((await post(env.gw, run.token, { model: 'model', messages: [{ role: 'user', content: 'hi' }] })).status).toBe(402);
    // The registration's end writes the count so far.
    env.gw.unregisterRun(run.runId);
    await env.gw.close();
    lines = await readRollout(run.rolloutFile);
    expect(lines.filter((l) => l.response)).toHaveLength(2);
    const rebuilt = await rolloutState(run.rolloutFile);
    expect(rebuilt.usage).toMatchObject({ requests: 2, refusedRequests: 41, budgetExhausted: 'requests' });

    // A worker restart resumes the counts where they were: still no line per refusal.
    const again = await gatewayFor(upstream, { maxUnansweredLines: 5 });
    const token = again.gw.registerRun({ runId: run.runId, budget: { maxRequests: 2 }, rolloutFile: run.rolloutFile, ...rebuilt });
    const status = (await post(again.gw, token, bad)).status;
    await again.gw.close(); // its own folder only: the rollout is the first gateway's
    expect(status).toBe(400);
    expect((await readRollout(run.rolloutFile)).filter((l) => l.error)).toHaveLength(5);
    expect((await rolloutState(run.rolloutFile)).usage).toMatchObject({ requests: 2, refusedRequests: 42 });
    await again.close();
  });

  it('a checkpoint written while a call is in flight does not count that call twice', async () => {
    env = await gatewayFor(upstream, { maxUnansweredLines: 0 });
    const run = env.newRun();
    upstream.hold();
    const inFlight = run.client.chat.completions.create({ model: 'model', messages: [{ role: 'user', content: 'hi' }] });
    await upstream.until(() => upstream.hits.length === 1);
    expect((await post(env.gw, run.token, { model: 'model', messages: [], n: 1 })).status).toBe(400);
    upstream.release();
    await inFlight;
    const lines = await readRollout(run.rolloutFile);
    expect(lines.map((l) => (l.checkpoint ? 'checkpoint' : 'call'))).toEqual(['checkpoint', 'call']);
    expect(await usageFromRollout(run.rolloutFile)).toEqual(env.gw.usageOf(run.runId));
    expect(env.gw.usageOf(run.runId)).toMatchObject({ requests: 1, refusedRequests: 1 });
  });
});
