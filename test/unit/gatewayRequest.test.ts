// The gateway's request allowlist (core/gateway/request.ts), over real HTTP: what is refused
// (400 naming the field, nothing forwarded), what is rewritten (n, max tokens: asserted where
// it reaches the upstream), and that the requests agents really send pass unchanged.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALLOWED_FIELDS } from '../../core/gateway/index.js';
import { gatewayFor, post, readRollout, StandInUpstream } from '../helpers/gatewayUpstream.js';

let upstream: StandInUpstream;
let env: Awaited<ReturnType<typeof gatewayFor>>;
beforeAll(async () => {
  upstream = await new StandInUpstream().start();
  env = await gatewayFor(upstream, { maxCompletionTokens: 1000 });
});
afterAll(async () => {
  await env.close();
  await upstream.close();
});
afterEach(() => {
  upstream.hits.length = 0;
});

const messages = [{ role: 'user', content: 'hi' }];
const base = { model: 'model', messages };

describe('refused fields', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['store', { store: true }, /^field "store" is not accepted by the gateway: completions are not stored at the provider/],
    ['store: false too', { store: false }, /^field "store" is not accepted/],
    [
      'service_tier',
      { service_tier: 'priority' },
      /^field "service_tier" is not accepted by the gateway: a service tier changes the price/,
    ],
    ['stream: true', { stream: true }, /^streaming \(stream: true\) is not supported by the gateway yet; send stream: false$/],
    ['stream_options', { stream_options: { include_usage: true } }, /^field "stream_options" is not accepted/],
    [
      'an unknown field',
      { frobnicate: 1 },
      /^field "frobnicate" is not accepted by the gateway; the gateway accepts only: model, messages, /,
    ],
    ['audio output', { modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } }, /^field "modalities" is not accepted/],
    ['web search', { web_search_options: {} }, /^field "web_search_options" is not accepted/],
    ['predicted outputs', { prediction: { type: 'content', content: 'x' } }, /^field "prediction" is not accepted/],
    ['metadata', { metadata: { a: 'b' } }, /^field "metadata" is not accepted/],
    [
      'an image part',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'see' },
              { type: 'image_url', image_url: { url: 'http://198.51.100.7/x.png' } },
            ],
          },
        ],
      },
      /^field "messages\[0\]\.content\[1\]\.type": only text parts/,
    ],
    [
      'an audio part',
      { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] },
      /^field "messages\[0\]\.content\[0\]\.type": only text parts/,
    ],
    [
      'an unknown key in a message',
      { messages: [{ role: 'user', content: 'hi', audio: { id: 'a' } }] },
      /^field "audio" in messages\[0\] is not accepted by the gateway$/,
    ],
    ['a tool that is not a function', { tools: [{ type: 'web_search' }] }, /^field "tools\[0\]\.type": only function tools are accepted/],
    ['n that is not a count', { n: 0 }, /^field "n": at least 1$/],
    ['max_tokens that is not a count', { max_tokens: 2.5 }, /^field "max_tokens": a whole number$/],
    ['no messages', { messages: [] }, /^field "messages": at least one message$/],
  ];
  it.each(cases)('%s: 400 naming the field, nothing forwarded, the refusal in the rollout', async (_name, extra, message) => {
    const run = env.newRun();
    const res = await post(env.gw, run.token, { ...base, ...extra });
    expect(res.status).toBe(400);
    expect(res.error?.type).toBe('invalid_request_error');
    expect(res.error?.message).toMatch(message);
    expect(upstream.hits).toHaveLength(0);
    const [line] = await readRollout(run.rolloutFile);
    expect(line).toMatchObject({ admitted: false, error: { status: 400 } });
    expect(env.gw.usageOf(run.runId)).toMatchObject({ requests: 0, refusedRequests: 1 });
  });

  it('refuses JSON nested deeper than 64 levels (a million levels of arrays in a tool call), without harm', async () => {
    const run = env.newRun();
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    const text = `{"model":"model","messages":[{"role":"assistant","content":null,"tool_calls":[{"x":${deep}}]}]}`;
    const res = await fetch(`${env.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${run.token}` },
      body: text,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('request body nests deeper than 64 levels');
    expect(upstream.hits).toHaveLength(0);
    expect((await post(env.gw, run.token, base)).status).toBe(200);
  });

  it('names every accepted field in the refusal, and only those', () => {
    expect([...ALLOWED_FIELDS].sort()).toEqual(
      [
        'frequency_penalty',
        'function_call',
        'functions',
        'logit_bias',
        'logprobs',
        'max_completion_tokens',
        'max_tokens',
        'messages',
        'model',
        'n',
        'parallel_tool_calls',
        'presence_penalty',
        'reasoning_effort',
        'response_format',
        'seed',
        'stop',
        'stream',
        'temperature',
        'tool_choice',
        'tools',
        'top_logprobs',
        'top_p',
        'user',
      ].sort(),
    );
  });
});

describe('rewritten fields', () => {
  it('forces n to 1 and says so in the rollout', async () => {
    const run = env.newRun();
    const res = await post(env.gw, run.token, { ...base, n: 5 });
    expect(res.status).toBe(200);
    expect(upstream.hits[0]?.body.n).toBe(1);
    const [line] = await readRollout(run.rolloutFile);
    expect(line).toMatchObject({ request: { n: 5 }, adjusted: { n: 1, max_completion_tokens: 1000 } });
  });

  it.each(['max_tokens', 'max_completion_tokens'])('clamps %s to the ceiling, and keeps a smaller one', async (field) => {
    const run = env.newRun();
    await post(env.gw, run.token, { ...base, [field]: 1_000_000 });
    await post(env.gw, run.token, { ...base, [field]: 7 });
    expect(upstream.hits.map((h) => h.body[field])).toEqual([1000, 7]);
    // Only the field the agent used: a second one is never added.
    const other = field === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens';
    expect(upstream.hits.map((h) => h.body[other])).toEqual([undefined, undefined]);
    const lines = await readRollout(run.rolloutFile);
    expect(lines.map((l) => l.adjusted)).toEqual([{ [field]: 1000 }, undefined]);
  });

  it('clamps both when both are sent', async () => {
    const run = env.newRun();
    await post(env.gw, run.token, { ...base, max_tokens: 5000, max_completion_tokens: 20 });
    expect(upstream.hits[0]?.body).toMatchObject({ max_tokens: 1000, max_completion_tokens: 20 });
  });

  it('sets max_completion_tokens to the ceiling when neither is sent, or max_tokens when configured so', async () => {
    const run = env.newRun();
    await post(env.gw, run.token, base);
    expect(upstream.hits[0]?.body).toMatchObject({ max_completion_tokens: 1000, n: 1, model: 'priced' });
    expect(upstream.hits[0]?.body.max_tokens).toBeUndefined();

    const other = await gatewayFor(upstream, { maxCompletionTokens: 321, maxTokensField: 'max_tokens' });
    try {
      const r = other.newRun();
      await post(other.gw, r.token, base);
      expect(upstream.hits[1]?.body).toMatchObject({ max_tokens: 321 });
      expect(upstream.hits[1]?.body.max_completion_tokens).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it("forwards AIDE's requests (tools, tool_choice, temperature) and a tool-call conversation as sent, but for model, n and max tokens", async () => {
    const aide = {
      model: 'model',
      messages: [
        { role: 'system', content: 'You are a Kaggle grandmaster.' },
        { role: 'user', content: [{ type: 'text', text: 'Review this run.' }] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'submit_review', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'ok' },
      ],
      temperature: 0.5,
      tools: [{ type: 'function', function: { name: 'submit_review', description: 'd', parameters: { type: 'object', properties: {} } } }],
      tool_choice: { type: 'function', function: { name: 'submit_review' } },
      response_format: { type: 'text' },
      seed: 3,
      stop: ['```'],
      stream: false,
    };
    const run = env.newRun();
    const res = await post(env.gw, run.token, aide);
    expect(res.status).toBe(200);
    expect(upstream.hits[0]?.body).toEqual({ ...aide, model: 'priced', n: 1, max_completion_tokens: 1000 });
  });
});
