/** A group's LLM totals, token counts for people, and the CLI's LLM column, totals line and JSON field. */
import { describe, expect, it } from 'vitest';
import { formatCost, formatTokens, llmTotals } from '../../core/runs/llmTotals';
import type { CompetitionRunResult, RunResult, TechniqueRunResult } from '../../core/runs/types';
import type { LlmUsageRecord } from '../../core/gateway/runAccess';
import { resultsTable, runsJson } from '../../client/cli/format';

const usage = (over: Partial<LlmUsageRecord> = {}): LlmUsageRecord => ({
  requests: 3,
  promptTokens: 1000,
  completionTokens: 200,
  totalTokens: 1200,
  costUsd: 0.0012,
  budget: {},
  rolloutFile: 'logs/llm/rollout.jsonl',
  ...over,
});

const run = (competitionId: string, seed: number, over: Partial<CompetitionRunResult> = {}): CompetitionRunResult => ({
  kind: 'competition',
  runId: `g/${competitionId}/seed-${seed}`,
  groupId: 'g',
  agentId: 'aide',
  competitionId,
  seed,
  runDir: `/runs/g/${competitionId}_seed-${seed}`,
  outcome: 'succeeded',
  score: 0.75,
  medal: null,
  aboveMedian: true,
  timings: { startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:10:00Z', agentSecs: 600 },
  container: null,
  grade: null,
  ...over,
});

// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

describe('llmTotals', () => {
  it('is null when no run used the LLM', () => {
    expect(llmTotals([])).toBeNull();
    expect(llmTotals([run('a', 1), run('b', 1)])).toBeNull();
  });

  it('sums the runs that did, and counts those whose budget ran out', () => {
    const runs = [
      run('a', 1, { llm: usage() }),
      run('a', 2),
      run('b', 1, {
        llm: usage({
          requests: 5,
          promptTokens: 4000,
          completionTokens: 1000,
          totalTokens: 5000,
          costUsd: 0.5,
          budgetExhausted: 'requests',
        }),
      }),
      run('c', 1, { llm: usage({ requests: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 }) }),
    ];
    expect(llmTotals(runs)).toMatchObject({
      runs: 3,
      requests: 8,
      promptTokens: 5000,
      completionTokens: 1200,
      totalTokens: 6200,
      costUsd: 0.5012,
      budgetExhausted: 1,
    });
  });

  it('rounds dollars to a millionth, so float sums read cleanly', () => {
    const runs = [0.1, 0.2, 0.000_000_4].map((costUsd, i) => run('a', i + 1, { llm: usage({ costUsd }) }));
    expect(llmTotals(runs)!.costUsd).toBe(0.3);
  });
});

describe('formatCost', () => {
  it('never shows the cost of calls to a model with no price as $0', () => {
    expect(formatCost(0.01234)).toBe('$0.0123');
    expect(formatCost(0.01234, 0)).toBe('$0.0123');
    expect(formatCost(0.01234, 3)).toBe('$0.0123 + 3 unpriced');
    expect(formatCost(0, 10)).toBe('cost unknown (no price)');
  });

  it('sums unpriced calls over the group', () => {
    const usage = (unpricedRequests?: number): LlmUsageRecord => ({
      requests: 2,
      promptTokens: 1,
      completionTokens: 1,
      totalTokens: 2,
      costUsd: 0,
      budget: {},
      rolloutFile: 'logs/llm/rollout.jsonl',
      ...(unpricedRequests ? { unpricedRequests } : {}),
    });
    const runs = [{ llm: usage(2) }, { llm: usage() }, { llm: usage(1) }] as RunResult[];
    expect(llmTotals(runs)?.unpricedRequests).toBe(3);
  });
});

describe('formatTokens', () => {
  it('prints small counts as they are, thousands with k, millions with M', () => {
    expect(formatTokens(0)).toBe('0');
    expect(formatTokens(999)).toBe('999');
    expect(formatTokens(1000)).toBe('1.0k');
    expect(formatTokens(1234)).toBe('1.2k');
    expect(formatTokens(56_789)).toBe('56.8k');
    expect(formatTokens(1_000_000)).toBe('1.00M');
    expect(formatTokens(3_456_789)).toBe('3.46M');
    expect(formatTokens(1_234_567_890)).toBe('1234.57M');
  });

  it('never prints "1000.0k": counts that round up to a thousand k are millions', () => {
    expect(formatTokens(999_949)).toBe('999.9k');
    for (const n of [999_950, 999_999]) expect(formatTokens(n), String(n)).toBe('1.00M');
  });
});

describe('the CLI results table', () => {
  it('has no LLM column and no totals line when no run used the LLM', () => {
    const out = plain(resultsTable('competition', [run('a', 1), run('b', 1)]));
    expect(out).not.toMatch(/LLM/);
  });

  it('shows each run’s requests, tokens, dollars and exhausted budget, and the group’s totals', () => {
    const runs = [
      run('b', 1, {
        llm: usage({ requests: 5, promptTokens: 1500, completionTokens: 800, totalTokens: 2300, costUsd: 0.25, budgetExhausted: 'tokens' }),
        reason: 'its LLM token budget ran out; the agent finished on its own',
      }),
      run('a', 1, { llm: usage() }),
      run('c', 1), // not an LLM run in an LLM group: a dash
    ];
    const out = plain(resultsTable('competition', runs));
    const lines = out.split('\n');
    expect(lines.find((l) => l.includes('competition'))).toMatch(/│\s*LLM\s*│/);
    expect(out).toContain('3 req');
    expect(out).toContain('1.2k tok');
    expect(out).toContain('$0.0012');
    expect(out).toContain('5 req');
    expect(out).toContain('2.3k tok');
    expect(out).toContain('$0.2500');
    expect(out).toContain('tokens budget ran out');
    const rowC = lines.find((l) => l.includes('│ c '));
    expect(rowC?.trimEnd()).toMatch(/│\s*—\s*│$/);
    expect(lines.at(-1)).toBe('LLM: 8 requests, 3.5k tokens (2.5k in, 1.0k out), $0.2512 over 2 run(s); 1 run(s) ended by their budget');
  });

  it('leaves the budget note off the totals line when no budget ran out', () => {
    const out = plain(resultsTable('competition', [run('a', 1, { llm: usage() })]));
    expect(out.split('\n').at(-1)).toBe('LLM: 3 requests, 1.2k tokens (1.0k in, 200 out), $0.0012 over 1 run(s)');
  });

  it('adds the totals line under a technique table too', () => {
    const { medal: _m, aboveMedian: _a, grade: _g, ...common } = run('a', 1, { llm: usage() });
    const technique: TechniqueRunResult = { ...common, kind: 'technique', task: 'imbalance', techniqueGrade: null };
    const out = plain(resultsTable('technique', [technique]));
    expect(out).toMatch(/task/);
    expect(out.split('\n').at(-1)).toBe('LLM: 3 requests, 1.2k tokens (1.0k in, 200 out), $0.0012 over 1 run(s)');
  });
});

describe('the CLI JSON', () => {
  it('has an llm field for LLM runs only, with the run’s record as it is', () => {
    const record = usage({ budget: { maxRequests: 3 }, budgetExhausted: 'requests' });
    const [withLlm, without] = runsJson([run('a', 1, { llm: record }), run('b', 1)]);
    expect(withLlm!.llm).toEqual(record);
    expect(without).not.toHaveProperty('llm');
    expect(JSON.parse(JSON.stringify(withLlm))).toMatchObject({
      run_id: 'g/a/seed-1',
      llm: { requests: 3, budget: { maxRequests: 3 }, budgetExhausted: 'requests' },
    });
  });
});
