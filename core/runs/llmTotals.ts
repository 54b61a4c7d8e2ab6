/** A group's LLM use, summed over its runs' records: for metadata.json, the SDK's summary and the CLI. */
import type { RunResult } from './types';

export interface LlmTotals {
  /** Runs that called the LLM through the gateway. */
  runs: number;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
  /** Answered calls with no price (their cost is not in costUsd). */
  unpricedRequests: number;
  /** Runs whose budget ran out. */
  budgetExhausted: number;
}

/** Null when no run of the group is an LLM agent's. */
export function llmTotals(runs: readonly RunResult[]): LlmTotals | null {
  const used = runs.flatMap((r) => (r.llm ? [r.llm] : []));
  if (used.length === 0) return null;
  const sum = (f: (u: (typeof used)[number]) => number) => used.reduce((acc, u) => acc + f(u), 0);
  return {
    runs: used.length,
    requests: sum((u) => u.requests),
    promptTokens: sum((u) => u.promptTokens),
    completionTokens: sum((u) => u.completionTokens),
    totalTokens: sum((u) => u.totalTokens),
    costUsd: Math.round(sum((u) => u.costUsd) * 1e6) / 1e6,
    unpricedRequests: sum((u) => u.unpricedRequests ?? 0),
    budgetExhausted: used.filter((u) => u.budgetExhausted).length,
  };
}

/** Dollars as people read them, honest about calls with no price: "$0.0123", "$0.0123 + 3 unpriced", "cost unknown (no price)". */
export function formatCost(costUsd: number, unpricedRequests = 0): string {
  if (unpricedRequests === 0) return `$${costUsd.toFixed(4)}`;
  return costUsd > 0 ? `$${costUsd.toFixed(4)} + ${unpricedRequests} unpriced` : 'cost unknown (no price)';
}

/** "1.2k", "3.4M": token counts as people read them. */
export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 999_950) return `${(n / 1000).toFixed(1)}k`; // 999,950 and up would round to "1000.0k"
  return `${(n / 1_000_000).toFixed(2)}M`;
}
