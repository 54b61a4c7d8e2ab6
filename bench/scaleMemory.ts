/**
 * The benchmark's worker memory over a whole run: the heap samples bench/heapSampler.ts writes
 * in each worker (heap in use after a full collection, per thread; the process's resident set),
 * laid against how many runs were done at the time, at the quarters of the run and as a slope
 * over its second half: a heap that keeps growing with runs done is a leak.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../core/config';
import type { HeapSample } from './heapSampler';

/** The node flags that load the sampler into a worker process (compiled: run `npm run build` first). */
export function heapSamplerArgs(): string[] {
  const sampler = path.join(REPO_ROOT, 'dist', 'bench', 'heapSampler.js');
  if (!existsSync(sampler)) throw new Error(`${sampler} is missing: run "npm run build" first`);
  return ['--expose-gc', '--require', sampler];
}

export function readHeapSamples(file: string): HeapSample[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as HeapSample);
}

/** Runs done over time (the progress the benchmark saw), to place each sample. */
export type DoneTimeline = { t: number; done: number }[];

function doneAt(timeline: DoneTimeline, t: number): number {
  let done = 0;
  for (const point of timeline) if (point.t <= t) done = point.done;
  return done;
}

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? NaN : points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
}

const MB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)}`;

/** The most a heap may grow per 100 runs over the second half for it to count as levelled off (a shrinking one has). */
const LEVEL_MB_PER_100_RUNS = 1;

/**
 * Lines for one worker: per thread, heap after GC at the start of the measured window and when
 * 25/50/75/100 % of its runs were done, and the growth per 100 runs over the second half; the same
 * for the resident set.
 */
export function memoryLines(label: string, samples: HeapSample[], timeline: DoneTimeline, since: number, total: number): string[] {
  const window = samples.filter((s) => s.t >= since);
  if (!window.length) return [`  ${label}: no heap samples (the sampler did not run)`];
  const series = (pick: (s: HeapSample) => number, of: HeapSample[]) => {
    const placed = of.map((s) => ({ x: doneAt(timeline, s.t), y: pick(s) }));
    const at = (fraction: number) => {
      const target = fraction * total;
      const found = placed.find((p) => p.x >= target) ?? placed[placed.length - 1]!;
      return found.y;
    };
    const perHundred = slope(placed.filter((p) => p.x >= total / 2)) * 100;
    return { points: [placed[0]!.y, at(0.25), at(0.5), at(0.75), placed[placed.length - 1]!.y], perHundred };
  };
  // A heap after a full collection is what is kept, so its growth is a verdict; the resident set
  // also holds what the allocator keeps for reuse, so its growth is a figure only.
  const describe = (name: string, s: ReturnType<typeof series>, judged: boolean) => {
    const growth = `${s.perHundred >= 0 ? '+' : ''}${(s.perHundred / MB).toFixed(2)} MB per 100 runs over the second half`;
    const verdict = Number.isNaN(s.perHundred)
      ? 'too few samples in the second half'
      : judged
        ? `${growth} (${s.perHundred / MB > LEVEL_MB_PER_100_RUNS ? 'GROWING' : 'level'})`
        : growth;
    return `  ${label} ${name.padEnd(16)}: ${s.points.map(mb).join(' → ')} MB at 0/25/50/75/100 % of the runs; ${verdict}`;
  };
  const lines: string[] = [];
  const ofThread = (thread: number) => window.filter((s) => s.thread === thread);
  for (const thread of [...new Set(window.map((s) => s.thread))].sort((a, b) => a - b)) {
    const name = thread === 0 ? 'main heap' : `workflow heap ${thread}`;
    lines.push(
      describe(
        name,
        series((s) => s.heapUsed, ofThread(thread)),
        true,
      ),
    );
  }
  lines.push(
    describe(
      'resident set',
      series((s) => s.rss, ofThread(0)),
      false,
    ),
  );
  return lines;
}
