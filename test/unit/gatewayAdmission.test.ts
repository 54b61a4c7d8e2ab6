// The gateway spends only what was granted: a call's worst case is reserved before it is
// forwarded and settled to its real usage after, so concurrent calls never overshoot a budget;
// at most limits.maxInFlightPerRun calls per run at once. Real HTTP against a local stand-in
// upstream that charges every call the most it could cost.
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { usageFromRollout } from '../../core/gateway/index.js';
import { completion, gatewayFor, PRICES, PRICED, StandInUpstream, worstReply, type UpstreamHit } from '../helpers/gatewayUpstream.js';

let upstream: StandInUpstream;
let env: Awaited<ReturnType<typeof gatewayFor>> | undefined;
beforeAll(async () => {
  upstream = await new StandInUpstream().start();
});
afterAll(() => upstream.close());
afterEach(async () => {
  upstream.release();
  upstream.reply = worstReply;
  upstream.hits.length = 0;
  await env?.close();
  env = undefined;
});

const hi = { model: 'model', messages: [{ role: 'user' as const, content: 'hi' }] };
const round = (n: number) => Math.round(n * 1e6) / 1e6;
const dollars = (promptTokens: number, completionTokens: number) =>
  round((promptTokens * PRICES[PRICED].inputPerMTok + completionTokens * PRICES[PRICED].outputPerMTok) / 1e6);
/** What the stand-in charges for a call: all it could cost. */
const worstOf = (hit: UpstreamHit) => ({
  tokens: hit.bytes + Number(hit.body.max_completion_tokens),
  dollars: dollars(hit.bytes, Number(hit.body.max_completion_tokens)),
});
type Settled = { ok: true } | { ok: false; err: InstanceType<typeof OpenAI.APIError> };

/** Fires `n` calls at once with the upstream held, lets the answers go once every call is either upstream or refused. */
async function race(client: OpenAI, n: number): Promise<Settled[]> {
  let refused = 0;
  upstream.hold();
  const calls = Array.from({ length: n }, () =>
    client.chat.completions.create(hi).then(
      (): Settled => ({ ok: true }),
      (err: unknown): Settled => {
        refused += 1;
        upstream.changed();
        if (!(err instanceof OpenAI.APIError)) throw err;
        return { ok: false, err: err as InstanceType<typeof OpenAI.APIError> };
      },
    ),
  );
  await upstream.until(() => upstream.hits.length + refused === n);
  upstream.release();
  return Promise.all(calls);
}

describe('admission reserves the worst case', () => {
  const kinds = [
    {
      kind: 'dollars',
      budget: { maxDollars: 1 },
      max: 1,
      of: (w: ReturnType<typeof worstOf>) => w.dollars,
      used: (u: { costUsd: number }) => u.costUsd,
    },
    {
      kind: 'tokens',
      budget: { maxTokens: 1000 },
      max: 1000,
      of: (w: ReturnType<typeof worstOf>) => w.tokens,
      used: (u: { totalTokens: number }) => u.totalTokens,
    },
  ] as const;
  it.each(kinds)('50 concurrent calls never spend more than a small $kind budget', async ({ kind, budget, max, of, used }) => {
    env = await gatewayFor(upstream, { maxCompletionTokens: 100, maxInFlightPerRun: 50 });
    const { client, runId, rolloutFile } = env.newRun(budget);
    const results = await race(client, 50);

    const worst = worstOf(upstream.hits[0]!);
    expect(upstream.hits.every((h) => h.bytes === upstream.hits[0]!.bytes)).toBe(true);
    const admitted = Math.floor(max / of(worst));
    expect(admitted).toBeGreaterThanOrEqual(2); // the race is a race, and every call that fits is let through
    expect(results.filter((r) => r.ok)).toHaveLength(admitted);
    expect(upstream.hits).toHaveLength(admitted);
    const usage = gw().usageOf(runId)!;
    expect(used(usage)).toBeLessThanOrEqual(max);
    expect(used(usage)).toBeCloseTo(admitted * of(worst), 6);
    // What the upstream charged, counted on its side.
    const charged = upstream.hits.map((h) => of(worstOf(h))).reduce((a, b) => a + b, 0);
    expect(charged).toBeLessThanOrEqual(max);

    // The others were refused with a reason: the calls in flight held the budget (429, retry later).
    for (const r of results) {
      if (r.ok) continue;
      expect([402, 429]).toContain(r.err.status);
      expect(r.err.message).toMatch(kind === 'dollars' ? /dollar budget of 1/ : /token budget of 1000/);
      if (r.err.status === 429) expect(r.err.code).toBe('budget_reserved');
    }
    // Settled at the worst case, what is left cannot pay for another such call: 402, for good.
    const next = await client.chat.completions.create(hi).then(
      () => undefined,
      (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
    );
    expect(next?.status).toBe(402);
    expect(next?.message).toContain('cannot cover this call');
    expect(gw().usageOf(runId)).toMatchObject({ requests: admitted, refusedRequests: 50 - admitted + 1, budgetExhausted: kind });
    expect(await usageFromRollout(rolloutFile)).toEqual(gw().usageOf(runId));
  });

  it('settles a call to its real usage: what it did not use is there for the next calls', async () => {
    env = await gatewayFor(upstream, { maxCompletionTokens: 100 });
    const { client, runId } = env.newRun({ maxDollars: 1 });
    upstream.reply = (hit) => ({ status: 200, body: completion(String(hit.body.model), 10, 1) });
    const real = dollars(10, 1);
    let ok = 0;
    let refusal: InstanceType<typeof OpenAI.APIError> | undefined;
    while (!refusal)
      await client.chat.completions.create(hi).then(
        () => ok++,
        (e: unknown) => (refusal = e as InstanceType<typeof OpenAI.APIError>),
      );
    const worst = worstOf(upstream.hits[0]!).dollars;
    // Admitted while what was used plus this call's worst case fits.
    let expected = 0;
    while (round(expected * real) + worst <= 1) expected++;
    expect(ok).toBe(expected);
    expect(ok).toBeGreaterThan(Math.floor(1 / worst));
    expect(refusal.status).toBe(402);
    expect(gw().usageOf(runId)?.costUsd).toBeCloseTo(ok * real, 6);
  });

  it('releases the reservation of a call that fails: a call waiting for it gets 429, then passes', async () => {
    env = await gatewayFor(upstream, { maxCompletionTokens: 100 });
    const { client, runId, rolloutFile } = env.newRun({ maxDollars: 0.3 }); // one worst case fits, not two
    upstream.hold();
    upstream.reply = () => ({ status: 400, body: { error: { message: 'bad messages', type: 'invalid_request_error', code: null } } });
    const first = client.chat.completions.create(hi).then(
      () => 200,
      (e: unknown) => (e as InstanceType<typeof OpenAI.APIError>).status,
    );
    await upstream.until(() => upstream.hits.length === 1);
    const waiting = await client.chat.completions.create(hi).then(
      () => undefined,
      (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
    );
    expect(waiting?.status).toBe(429);
    expect(waiting?.code).toBe('budget_reserved');
    expect(waiting?.message).toMatch(/calls in flight hold 0\.\d+ of the dollar budget of 0\.3 .*retry when they have finished/);
    expect(waiting?.headers?.get('retry-after')).toBe('1');
    upstream.release();
    expect(await first).toBe(400);
    expect(gw().usageOf(runId)).toMatchObject({ requests: 1, costUsd: 0, refusedRequests: 1 });
    expect(gw().usageOf(runId)?.budgetExhausted).toBeUndefined();

    upstream.reply = worstReply;
    await client.chat.completions.create(hi);
    expect(gw().usageOf(runId)).toMatchObject({ requests: 2, costUsd: worstOf(upstream.hits[1]!).dollars });
    expect(await usageFromRollout(rolloutFile)).toEqual(gw().usageOf(runId));
  });
});

describe('calls in flight per run', () => {
  it('refuses the fifth call in flight of a run with 429 naming the limit; other runs are not held up', async () => {
    env = await gatewayFor(upstream); // maxInFlightPerRun: 4 by default
    const a = env.newRun();
    const b = env.newRun();
    const results = await race(a.client, 6);
    expect(results.filter((r) => r.ok)).toHaveLength(4);
    const refused = results.flatMap((r) => (r.ok ? [] : [r.err]));
    expect(refused).toHaveLength(2);
    for (const err of refused) {
      expect(err.status).toBe(429);
      expect(err.code).toBe('too_many_requests_in_flight');
      expect((err.error as { message: string }).message).toBe(
        `run ${a.runId}: 4 calls already in flight, the gateway's limit per run (limits.maxInFlightPerRun: 4); retry when one has finished`,
      );
    }

    // Four of a's calls held upstream: b's still goes through, and a's fifth does not.
    upstream.hits.length = 0;
    upstream.hold();
    const held = Array.from({ length: 4 }, () => a.client.chat.completions.create(hi));
    await upstream.until(() => upstream.hits.length === 4);
    expect(
      (await a.client.chat.completions.create(hi).catch((e: unknown) => e as InstanceType<typeof OpenAI.APIError>)) as { status?: number },
    ).toMatchObject({ status: 429 });
    const fromB = b.client.chat.completions.create(hi);
    await upstream.until(() => upstream.hits.length === 5);
    upstream.release();
    await Promise.all([...held, fromB]);
    // The slots are given back once answered.
    await a.client.chat.completions.create(hi);
    expect(gw().usageOf(a.runId)).toMatchObject({ requests: 9, refusedRequests: 3 });
  });
});

function gw() {
  if (!env) throw new Error('no gateway');
  return env.gw;
}
