/**
 * Preloaded into the benchmark's worker processes (`node --expose-gc --require
 * dist/bench/heapSampler.js`), and so into each of their threads (the SDK runs the workflows in
 * one of its own): every BENCH_HEAP_SECS seconds it collects the garbage of its thread and
 * appends that thread's heap still in use, and the process's resident set, to BENCH_HEAP_FILE as
 * one JSON line. Heap in use after a full collection is what is really kept: growing over many
 * runs, it is a leak; levelling off, it is not. A benchmark aid, never loaded by a real worker.
 */
import { appendFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

export interface HeapSample {
  /** Milliseconds since the epoch. */
  t: number;
  /** 0: the main thread (activities, the SDK's bridge); others: the workflow thread(s). */
  thread: number;
  heapUsed: number;
  external: number;
  rss: number;
}

const file = process.env.BENCH_HEAP_FILE;
const everyMs = Number(process.env.BENCH_HEAP_SECS ?? '5') * 1000;
const gc = (globalThis as { gc?: () => void }).gc;

if (file && gc) {
  setInterval(() => {
    gc();
    const m = process.memoryUsage();
    const sample: HeapSample = { t: Date.now(), thread: threadId, heapUsed: m.heapUsed, external: m.external, rss: m.rss };
    appendFileSync(file, `${JSON.stringify(sample)}\n`);
  }, everyMs).unref();
}
