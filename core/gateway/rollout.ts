/**
 * Rollouts: one JSON line per call in the run's rollout file. Each line is written with a single
 * append (O_APPEND), and appends to one file are chained so lines never interleave.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BudgetKind, RunUsage } from './runs.js';

export interface RolloutLine {
  ts: string;
  runId: string;
  request: unknown;
  response?: unknown;
  error?: { status: number; type: string; message: string };
  usage: Pick<RunUsage, 'promptTokens' | 'completionTokens' | 'totalTokens'> | null;
  costUsd: number | null;
  latencyMs: number;
  /** The call passed the budget check and counted as a request. */
  admitted?: boolean;
  /** Set on the refusal that found this budget used up. */
  budgetExhausted?: BudgetKind;
  upstreamModel?: string;
  attempts?: number;
}

export class RolloutWriter {
  private readonly chains = new Map<string, Promise<void>>();

  /** Appends one line; never rejects (a failed write is reported through onError). */
  append(file: string, line: RolloutLine, onError: (err: Error) => void): Promise<void> {
    const text = `${JSON.stringify(line)}\n`;
    const prev = this.chains.get(file) ?? Promise.resolve();
    const next = prev.then(async () => {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.appendFile(file, text, { encoding: 'utf8', flag: 'a' });
    }).catch((err: unknown) => onError(new Error(`rollout ${file}: ${(err as Error).message}`, { cause: err })));
    this.chains.set(file, next);
    void next.then(() => {
      if (this.chains.get(file) === next) this.chains.delete(file);
    });
    return next;
  }

  /** Waits for every pending append. */
  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }
}

/**
 * A run's totals as its rollout file records them: how a worker that restarts mid-run picks the
 * run's budget up where the last one left it. A missing file is a run that has made no call; a
 * torn last line (the writer died mid-append) is skipped.
 */
export async function usageFromRollout(file: string): Promise<RunUsage> {
  const usage: RunUsage = { requests: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 };
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return usage;
    throw new Error(`rollout ${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    let line: Partial<RolloutLine>;
    try {
      line = JSON.parse(raw) as Partial<RolloutLine>;
    } catch {
      continue;
    }
    if (line.admitted) usage.requests += 1;
    if (line.budgetExhausted) usage.budgetExhausted ??= line.budgetExhausted;
    if (line.usage) {
      usage.promptTokens += line.usage.promptTokens;
      usage.completionTokens += line.usage.completionTokens;
      usage.totalTokens += line.usage.totalTokens;
    }
    if (typeof line.costUsd === 'number') usage.costUsd = Math.round((usage.costUsd + line.costUsd) * 1e6) / 1e6;
    else if (line.response !== undefined) usage.unpricedRequests = (usage.unpricedRequests ?? 0) + 1;
  }
  return usage;
}
