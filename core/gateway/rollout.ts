/**
 * Rollouts: one JSON line per call in the run's rollout file. Each line is written with a single
 * append (O_APPEND), and appends to one file are chained so lines never interleave.
 *
 * What an agent can make the file grow by is bounded: a request or a response is kept up to
 * limits.rolloutBodyBytes of JSON (its head, marked truncated); answered calls are bounded by the
 * run's budget, and calls refused or failed get a line only up to limits.maxUnansweredLines; past
 * that they are counted in checkpoint lines (the run's totals so far), written when the count of
 * such calls reaches a power of two and when the run's registration or the gateway ends: a few
 * lines however many calls are refused. A checkpoint replaces what came before it when the totals
 * are rebuilt (usageFromRollout).
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
  /** What the gateway changed in the request before forwarding it (n, max tokens). */
  adjusted?: Record<string, number>;
}

/** The run's totals when it was written: a line that is not a call. */
export interface CheckpointLine {
  ts: string;
  runId: string;
  checkpoint: RunUsage & { unansweredLines: number };
}

/** A request or response too large for the rollout: the head of its JSON text. */
export interface TruncatedBody {
  truncated: true;
  /** The size of the whole JSON text. */
  bytes: number;
  head: string;
}

/** `value`, or the head of its JSON when that is longer than `maxBytes` (cut on a character boundary). */
export function capBody(value: unknown, maxBytes: number): unknown {
  if (value === null || value === undefined) return value;
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    return { truncated: true, bytes: 0, head: `(not serialisable: ${(err as Error).message})` } satisfies TruncatedBody;
  }
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return value;
  let head = Buffer.from(text).subarray(0, maxBytes).toString('utf8');
  if (head.endsWith('\uFFFD')) head = head.slice(0, -1); // a character cut in two
  return { truncated: true, bytes, head } satisfies TruncatedBody;
}

export class RolloutWriter {
  private readonly chains = new Map<string, Promise<void>>();

  /** Appends one line; never rejects (a failed write is reported through onError). */
  append(file: string, line: RolloutLine | CheckpointLine, onError: (err: Error) => void): Promise<void> {
    const text = `${JSON.stringify(line)}\n`;
    const prev = this.chains.get(file) ?? Promise.resolve();
    const next = prev
      .then(async () => {
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.appendFile(file, text, { encoding: 'utf8', flag: 'a' });
      })
      .catch((err: unknown) => onError(new Error(`rollout ${file}: ${(err as Error).message}`, { cause: err })));
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

export interface RolloutState {
  usage: RunUsage;
  /** Refused or failed calls that have a line of their own. */
  unansweredLines: number;
}

const zeroUsage = (): RunUsage => ({ requests: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 });

/**
 * A run's totals as its rollout file records them: how a worker that restarts mid-run picks the
 * run's budget up where the last one left it. A missing file is a run that has made no call; a
 * torn last line (the writer died mid-append) is skipped; a checkpoint line replaces the totals
 * read so far (only calls refused or failed past the line cap since the last checkpoint are lost
 * with a worker that dies, and none of those cost tokens).
 */
export async function rolloutState(file: string): Promise<RolloutState> {
  let usage = zeroUsage();
  let unansweredLines = 0;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { usage, unansweredLines };
    throw new Error(`rollout ${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    let line: Partial<RolloutLine & CheckpointLine>;
    try {
      line = JSON.parse(raw) as Partial<RolloutLine & CheckpointLine>;
    } catch {
      continue;
    }
    if (line.checkpoint) {
      ({ unansweredLines, ...usage } = line.checkpoint);
      continue;
    }
    if (line.admitted) usage.requests += 1;
    else if (line.error) usage.refusedRequests = (usage.refusedRequests ?? 0) + 1;
    if (line.error) unansweredLines += 1;
    if (line.budgetExhausted) usage.budgetExhausted ??= line.budgetExhausted;
    if (line.usage) {
      usage.promptTokens += line.usage.promptTokens;
      usage.completionTokens += line.usage.completionTokens;
      usage.totalTokens += line.usage.totalTokens;
    }
    if (typeof line.costUsd === 'number') usage.costUsd = Math.round((usage.costUsd + line.costUsd) * 1e6) / 1e6;
    else if (line.response !== undefined) usage.unpricedRequests = (usage.unpricedRequests ?? 0) + 1;
  }
  return { usage, unansweredLines };
}

/** A run's totals as its rollout file records them (see rolloutState). */
export async function usageFromRollout(file: string): Promise<RunUsage> {
  return (await rolloutState(file)).usage;
}
