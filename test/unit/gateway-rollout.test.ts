/**
 * A run's totals rebuilt from its rollout file (how a restarted worker resumes a run's budget),
 * and the grace an LLM agent gets once its budget is exhausted.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RolloutWriter, usageFromRollout, type RolloutLine } from '../../core/gateway/rollout';
import { RunRegistry, admit } from '../../core/gateway/runs';
import { budgetGraceMs } from '../../core/gateway/runAccess';

const zeros = { requests: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 };

const line = (over: Partial<RolloutLine> = {}): RolloutLine => ({
  ts: '2026-01-01T00:00:00.000Z',
  runId: 'g/c/seed-1',
  request: { model: 'alias', messages: [] },
  usage: null,
  costUsd: null,
  latencyMs: 5,
  admitted: false,
  ...over,
});
/** A call that was forwarded and answered. */
const answered = (promptTokens: number, completionTokens: number, costUsd: number | null) =>
  line({
    admitted: true,
    response: { id: 'x' },
    usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
    costUsd,
  });
/** A call refused before forwarding, e.g. because the budget was used up. */
const refused = (budgetExhausted?: RolloutLine['budgetExhausted']) =>
  line({ error: { status: 402, type: 'budget_exhausted', message: 'budget exhausted' }, ...(budgetExhausted ? { budgetExhausted } : {}) });

describe('usageFromRollout', () => {
  let dir: string;
  let file: string;
  const write = (lines: (RolloutLine | string)[], tail = '') =>
    writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + (lines.length ? '\n' : '') + tail);

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rollout-'));
    file = path.join(dir, 'logs', 'llm', 'rollout.jsonl');
    mkdirSync(path.dirname(file), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is all zeros, with no exhausted budget, for a run that has made no call (no file)', async () => {
    expect(await usageFromRollout(path.join(dir, 'nowhere', 'rollout.jsonl'))).toStrictEqual(zeros);
  });

  it('is all zeros for an empty file', async () => {
    write([]);
    expect(await usageFromRollout(file)).toStrictEqual(zeros);
  });

  it('sums the answered calls', async () => {
    write([answered(100, 20, 0.001), answered(300, 40, 0.002)]);
    expect(await usageFromRollout(file)).toStrictEqual({
      requests: 2,
      promptTokens: 400,
      completionTokens: 60,
      totalTokens: 460,
      costUsd: 0.003,
    });
  });

  it('skips a torn last line (the writer died mid-append) and blank lines', async () => {
    const torn = JSON.stringify(answered(5000, 5000, 1)).slice(0, 40);
    write([answered(100, 20, 0.001), '', answered(10, 2, 0.0001)], torn);
    expect(await usageFromRollout(file)).toStrictEqual({
      requests: 2,
      promptTokens: 110,
      completionTokens: 22,
      totalTokens: 132,
      costUsd: 0.0011,
    });
  });

  it('counts lines that were not admitted (bad requests, refusals) as refused, not as requests', async () => {
    const badModel = line({ error: { status: 400, type: 'invalid_request_error', message: 'unknown model' } });
    write([
      answered(100, 20, 0.001),
      badModel,
      refused(),
      line({ request: null, error: { status: 400, type: 'invalid_request_error', message: 'not JSON' } }),
    ]);
    expect(await usageFromRollout(file)).toStrictEqual({
      requests: 1,
      promptTokens: 100,
      completionTokens: 20,
      totalTokens: 120,
      costUsd: 0.001,
      refusedRequests: 3,
    });
  });

  it('counts an admitted call that failed upstream as a request, with no tokens', async () => {
    const failed = line({ admitted: true, error: { status: 503, type: 'server_error', message: 'overloaded' }, attempts: 5 });
    write([failed, answered(10, 5, 0.0001)]);
    expect(await usageFromRollout(file)).toStrictEqual({
      requests: 2,
      promptTokens: 10,
      completionTokens: 5,
      totalTokens: 15,
      costUsd: 0.0001,
    });
  });

  it('counts the tokens of a call to a model without a price, and that its cost is unknown', async () => {
    write([answered(100, 50, null), answered(10, 5, 0.0001)]);
    expect(await usageFromRollout(file)).toStrictEqual({
      requests: 2,
      promptTokens: 110,
      completionTokens: 55,
      totalTokens: 165,
      costUsd: 0.0001,
      unpricedRequests: 1,
    });
  });

  it('reads the exhausted budget from the first refusal that found one', async () => {
    write([answered(100, 20, 0.001), refused('requests'), refused('tokens'), refused()]);
    expect(await usageFromRollout(file)).toStrictEqual({
      requests: 1,
      promptTokens: 100,
      completionTokens: 20,
      totalTokens: 120,
      costUsd: 0.001,
      refusedRequests: 3,
      budgetExhausted: 'requests',
    });
  });

  it('rounds dollars to a millionth as it sums', async () => {
    write([answered(1, 1, 0.1), answered(1, 1, 0.2)]);
    expect((await usageFromRollout(file)).costUsd).toBe(0.3);
  });

  it('says which file it cannot read (other than missing)', async () => {
    await expect(usageFromRollout(dir)).rejects.toThrow(`rollout ${dir}: cannot read: `);
  });

  it('reads back what RolloutWriter wrote, into a registration that resumes the budget where it was', async () => {
    const writer = new RolloutWriter();
    const errors: Error[] = [];
    const target = path.join(dir, 'written', 'rollout.jsonl'); // its folder is made on the first append
    for (const l of [answered(100, 20, 0.001), answered(50, 10, 0.0005), refused('requests')])
      void writer.append(target, l, (e) => errors.push(e));
    await writer.flush();
    expect(errors).toEqual([]);
    const usage = await usageFromRollout(target);
    expect(usage).toStrictEqual({
      requests: 2,
      promptTokens: 150,
      completionTokens: 30,
      totalTokens: 180,
      costUsd: 0.0015,
      refusedRequests: 1,
      budgetExhausted: 'requests',
    });

    const registry = new RunRegistry();
    const token = registry.register({ runId: 'g/c/seed-1', budget: { maxRequests: 2 }, rolloutFile: target, usage });
    const run = registry.byBearer(token)!;
    await expect(run.exhausted).resolves.toBe('requests');
    expect(() => admit(run)).toThrow(/request budget of 2 exhausted/);
  });
});

describe('budgetGraceMs', () => {
  it('is 30 s by default (unset or empty)', () => {
    expect(budgetGraceMs({})).toBe(30_000);
    expect(budgetGraceMs({ MLEBENCH_BUDGET_GRACE_SECS: '' })).toBe(30_000);
    expect(budgetGraceMs({ MLEBENCH_BUDGET_GRACE_SECS: '  ' })).toBe(30_000);
  });

  it('reads MLEBENCH_BUDGET_GRACE_SECS in seconds, fractions and zero included', () => {
    expect(budgetGraceMs({ MLEBENCH_BUDGET_GRACE_SECS: '8' })).toBe(8000);
    expect(budgetGraceMs({ MLEBENCH_BUDGET_GRACE_SECS: '0' })).toBe(0);
    expect(budgetGraceMs({ MLEBENCH_BUDGET_GRACE_SECS: '2.5' })).toBe(2500);
  });

  it('rejects what is not a number of seconds >= 0, naming the variable and the value', () => {
    for (const raw of ['ten', '-1', 'Infinity', '30s', 'NaN', '0x1e', '1e3']) {
      expect(() => budgetGraceMs({ MLEBENCH_BUDGET_GRACE_SECS: raw }), raw).toThrow(
        `MLEBENCH_BUDGET_GRACE_SECS must be a number of seconds >= 0, not "${raw}"`,
      );
    }
  });

  it('reads the process environment by default', () => {
    const saved = process.env.MLEBENCH_BUDGET_GRACE_SECS;
    try {
      process.env.MLEBENCH_BUDGET_GRACE_SECS = '3';
      expect(budgetGraceMs()).toBe(3000);
    } finally {
      if (saved === undefined) delete process.env.MLEBENCH_BUDGET_GRACE_SECS;
      else process.env.MLEBENCH_BUDGET_GRACE_SECS = saved;
    }
  });
});
