/**
 * Rollouts: one JSON line per call in the run's rollout file. Each line is written with a single
 * append (O_APPEND), and appends to one file are chained so lines never interleave.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RunUsage } from './runs.js';

export interface RolloutLine {
  ts: string;
  runId: string;
  request: unknown;
  response?: unknown;
  error?: { status: number; type: string; message: string };
  usage: Pick<RunUsage, 'promptTokens' | 'completionTokens' | 'totalTokens'> | null;
  costUsd: number | null;
  latencyMs: number;
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
