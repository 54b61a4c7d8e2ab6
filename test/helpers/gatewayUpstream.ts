/**
 * A local stand-in for the gateway's upstream (real HTTP on loopback) that tests of the
 * gateway's limits control: by default it charges every call the most it could cost — as many
 * prompt tokens as the body has bytes, and all the max tokens it was allowed — so a budget that
 * holds against it holds against any provider; its answers can be held until the test lets them
 * go; every call is recorded with its raw size.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { startGateway, type Gateway, type GatewayConfigInput, type GatewayLimits, type RolloutLine } from '../../core/gateway/index.js';

export interface UpstreamHit {
  body: Record<string, unknown>;
  bytes: number;
}
export interface UpstreamReply {
  status: number;
  body: unknown;
}

export const completion = (model: string, promptTokens: number, completionTokens: number, content = 'scripted answer') => ({
  id: 'chatcmpl-standin',
  object: 'chat.completion',
  created: 1,
  model,
  choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
});

/** The most a call can be charged: its body's bytes as prompt tokens, its max tokens as completion tokens. */
export const worstReply = (hit: UpstreamHit): UpstreamReply => {
  const out = Number(hit.body.max_completion_tokens ?? hit.body.max_tokens ?? 0);
  return { status: 200, body: completion(String(hit.body.model), hit.bytes, out) };
};

export class StandInUpstream {
  readonly hits: UpstreamHit[] = [];
  reply: (hit: UpstreamHit) => UpstreamReply = worstReply;
  url = '';
  private held: (() => void)[] | undefined;
  private readonly watchers = new Set<() => void>();
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const hit = { body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, bytes: raw.length };
      this.hits.push(hit);
      const answer = () => {
        const r = this.reply(hit);
        res.writeHead(r.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(r.body));
      };
      if (this.held) this.held.push(answer);
      else answer();
      this.changed();
    });
  });

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  /** Answers wait until release(). */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const answer of waiting) answer();
  }

  /** Tells the watchers something changed (a call arrived; a test's own events call it too). */
  changed(): void {
    for (const w of [...this.watchers]) w();
  }

  /** Resolves once `cond` holds, checked now and at every change. */
  until(cond: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!cond()) return;
        this.watchers.delete(check);
        resolve();
      };
      this.watchers.add(check);
      check();
    });
  }

  close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

export const PRICED = 'priced';
/** $1000 / $2000 per million tokens: a call of a few hundred tokens costs tenths of a dollar. */
export const PRICES = { [PRICED]: { inputPerMTok: 1000, outputPerMTok: 2000 } };

/** A gateway in front of `upstream`, with these limits over the defaults, and its runs' helpers. */
export async function gatewayFor(upstream: StandInUpstream, limits: Partial<GatewayLimits> = {}, extra: Partial<GatewayConfigInput> = {}) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gateway-limits-'));
  const gw: Gateway = await startGateway({
    config: { aliases: { model: PRICED }, prices: PRICES, limits, ...extra },
    apiKey: 'sk-standin',
    baseURL: upstream.url,
    retries: 0,
  });
  let n = 0;
  return {
    gw,
    dir,
    newRun(budget: { maxTokens?: number; maxRequests?: number; maxDollars?: number } = {}) {
      const runId = `run-${++n}`;
      const rolloutFile = path.join(dir, runId, 'rollout.jsonl');
      const token = gw.registerRun({ runId, budget, rolloutFile });
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: token, maxRetries: 0 });
      return { runId, rolloutFile, token, client };
    },
    async close() {
      await gw.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Posts any JSON body (fields the openai client's types would not allow) with a run's token. */
export async function post(
  gw: Gateway,
  token: string,
  body: unknown,
): Promise<{ status: number; error?: { message: string; type: string; code: string | null }; json: unknown; headers: Headers }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { error?: { message: string; type: string; code: string | null } };
  return { status: res.status, error: json.error, json, headers: res.headers };
}

export async function readRollout(file: string): Promise<Record<string, unknown>[]> {
  return (await fs.readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RolloutLine & Record<string, unknown>);
}
