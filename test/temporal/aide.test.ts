/**
 * AIDE end to end through the harness: a real Temporal dev server and worker, the worker's LLM
 * gateway (the repository's gateway.yaml) in front of a local scripted OpenAI-compatible upstream,
 * the aide/dev container on spambase. The run is graded from AIDE's best submission, its transcript
 * is in logs/llm/, and its totals reach run.json, metadata.json, the SDK summary and the CLI table.
 * A request budget that runs out ends a run, and the record says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HarnessWorker } from '../../worker/harnessWorker';
import { resultsTable } from '../../client/cli/format';
import type { GroupMetadata } from '../../core/artifacts/records';
import { loadGatewayConfig, startGateway, type Gateway, type RolloutLine } from '../../core/gateway';
import type { RunResult } from '../../core/runs/types';
import { DEFAULT_GATEWAY_CONFIG } from '../../worker/gateway';
import { startScriptedLlm, type ScriptedLlm } from '../helpers/scriptedLlm';
import { temporalSuite } from '../helpers/temporalSuite';
import { competitionRecord } from '../helpers/runKinds';

const UPSTREAM_KEY = 'sk-upstream-aide-test-key-0d9e';
const h = temporalSuite('in-process');
let upstream: ScriptedLlm;
let gateway: Gateway;
let worker: HarnessWorker;
let running: Promise<void>;

beforeAll(async () => {
  upstream = await startScriptedLlm();
  gateway = await startGateway({ config: await loadGatewayConfig(DEFAULT_GATEWAY_CONFIG), apiKey: UPSTREAM_KEY, baseURL: upstream.url });
  worker = await h.newWorker({ gateway });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await gateway?.close();
  await upstream?.close();
});

function rollout(run: RunResult): RolloutLine[] {
  return readFileSync(path.join(run.runDir, 'logs', 'llm', 'rollout.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RolloutLine);
}

describe('aide/dev through the gateway', () => {
  it('runs AIDE on spambase: a graded valid submission, its best code, its journal and the transcript', async () => {
    const groupId = 'aide-dev-spambase';
    const before = upstream.requests.length;
    await h.client.run(
      { agentId: 'aide/dev', competitions: ['spambase'], timeLimitSecs: 600, stepLimit: 3, llmBudget: { maxDollars: 5 } },
      { groupId },
    );
    const result = await h.client.waitForCompletion(groupId);
    const run = result.runs[0]!;
    expect(run.outcome, run.reason).toBe('succeeded');
    expect(competitionRecord(run).grade).toMatchObject({ valid_submission: true, submission_exists: true });
    expect(run.score).toBeGreaterThan(0.95);

    // AIDE's own artifacts, collected MLE-bench style.
    expect(existsSync(path.join(run.runDir, 'code', 'best_solution.py'))).toBe(true);
    const journal = JSON.parse(readFileSync(path.join(run.runDir, 'logs', 'aide', 'journal.json'), 'utf8')) as { nodes: unknown[] };
    expect(journal.nodes.length).toBe(3);

    // Every call went through the gateway: the upstream saw the real key and the upstream model only.
    const seen = upstream.requests.slice(before).filter((r) => r.kind !== 'models');
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen.map((r) => r.headers.authorization))).toEqual(new Set([`Bearer ${UPSTREAM_KEY}`]));
    expect(new Set(seen.map((r) => r.body.model))).toEqual(new Set(['gpt-4o-mini-2024-07-18']));

    // The transcript: one line per call, the request as AIDE sent it (the alias) and the reply.
    const lines = rollout(run);
    expect(lines).toHaveLength(seen.length);
    for (const line of lines) {
      expect(line).toMatchObject({
        runId: run.runId,
        admitted: true,
        upstreamModel: 'gpt-4o-mini-2024-07-18',
        request: { model: 'gateway-gpt-4o-mini' },
      });
      expect((line.response as { choices: unknown[] }).choices).toHaveLength(1);
    }

    // Totals: run.json, metadata.json, the SDK's summary, the CLI's table.
    const record = JSON.parse(readFileSync(path.join(run.runDir, 'run.json'), 'utf8')) as RunResult;
    expect(record.llm).toMatchObject({ requests: seen.length, rolloutFile: 'logs/llm/rollout.jsonl' });
    expect(record.llm!.totalTokens).toBe(lines.reduce((n, l) => n + (l.usage?.totalTokens ?? 0), 0));
    expect(record.llm!.costUsd).toBeGreaterThan(0);
    expect(record.llm!.budgetExhausted).toBeUndefined();
    const metadata = JSON.parse(readFileSync(path.join(result.groupDir, 'metadata.json'), 'utf8')) as GroupMetadata;
    expect(metadata.llm_totals).toMatchObject({ runs: 1, requests: seen.length, totalTokens: record.llm!.totalTokens, budgetExhausted: 0 });
    expect(metadata.runs[0]!.llm).toMatchObject({ requests: seen.length, budget_exhausted: null });
    const summary = await h.client.getRunSummary(groupId);
    expect(summary.llmTotals).toMatchObject({ requests: seen.length, costUsd: record.llm!.costUsd });
    const table = resultsTable('competition', result.runs);
    expect(table).toContain(`${seen.length} req`);
    expect(table).toContain(`LLM: ${seen.length} requests`);
  });

  it('a request budget that runs out ends the run; the record says the budget ended it', async () => {
    const groupId = 'aide-dev-budget';
    await h.client.run(
      { agentId: 'aide/dev', competitions: ['spambase'], timeLimitSecs: 600, stepLimit: 5, llmBudget: { maxRequests: 3, maxDollars: 5 } },
      { groupId },
    );
    const result = await h.client.waitForCompletion(groupId);
    const run = result.runs[0]!;
    expect(run.llm).toMatchObject({ requests: 3, budgetExhausted: 'requests', budget: { maxRequests: 3 } });
    expect(run.reason).toContain('its LLM request budget ran out');
    // Refused with 402 (never forwarded), and AIDE stopped calling.
    const lines = rollout(run);
    expect(lines.filter((l) => l.admitted)).toHaveLength(3);
    expect(lines.filter((l) => !l.admitted)).toEqual([
      expect.objectContaining({ budgetExhausted: 'requests', error: expect.objectContaining({ status: 402 }) as unknown }),
    ]);
    const metadata = JSON.parse(readFileSync(path.join(result.groupDir, 'metadata.json'), 'utf8')) as GroupMetadata;
    expect(metadata.runs[0]!.llm).toMatchObject({ requests: 3, budget_exhausted: 'requests' });
    expect(resultsTable('competition', result.runs)).toContain('requests budget ran out');
  });
});
