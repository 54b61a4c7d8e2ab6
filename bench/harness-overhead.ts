/**
 * Benchmark: what the harness adds over a bare `docker run` of the same agent image.
 *
 *   npm run build && node dist/bench/harness-overhead.js [--runs 8] [--parallel-runs 32] [--parallel 8]
 *
 * 1. sequential: N dummy runs through a run group with maxParallel 1, and N bare `docker run`s
 *    one after another — per-run wall time (median, p90) of both;
 * 2. parallel: M runs at parallelism P both ways — total wall time and the ratio;
 * and the worker's peak memory (VmHWM of the worker process). Prints figures; asserts nothing.
 */
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '../client/sdk';
import { startDevServer } from '../temporal/devServer';
import { harnessPaths, REPO_ROOT, useEnvironment } from '../core/config';
import { configureLog, logSettings } from '../core/log';
import { resolveAgent } from '../core/agents';
import { prepareCompetition } from '../core/competitions';
import type { RunResult } from '../core/runs/types';

const run = promisify(execFile);
const COMPETITION = 'sotu-authorship';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: at(0.5), p90: at(0.9), n: sorted.length };
}

async function bareRuns(n: number, parallel: number, image: string, publicDir: string): Promise<{ perRun: number[]; totalSecs: number }> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-bare-'));
  const perRun: number[] = [];
  let next = 0;
  const started = Date.now();
  const loop = async () => {
    for (let i = next++; i < n; i = next++) {
      const out = path.join(scratch, String(i));
      await run('mkdir', ['-p', `${out}/submission`, `${out}/code`, `${out}/logs`]);
      await run('chmod', ['-R', '777', out]);
      const t0 = Date.now();
      await run('docker', [
        'run',
        '--rm',
        '--network',
        'none',
        '--user',
        '1000:1000',
        '-v',
        `${publicDir}:/home/data:ro`,
        '-v',
        `${out}/submission:/home/submission`,
        '-v',
        `${out}/code:/home/code`,
        '-v',
        `${out}/logs:/home/logs`,
        '-e',
        `COMPETITION_ID=${COMPETITION}`,
        '-e',
        'SEED=1',
        '-e',
        'TIME_LIMIT_SECS=600',
        image,
      ]);
      perRun.push((Date.now() - t0) / 1000);
    }
  };
  await Promise.all(Array.from({ length: parallel }, loop));
  return { perRun, totalSecs: (Date.now() - started) / 1000 };
}

async function harnessRuns(client: Client, n: number, parallel: number): Promise<{ perRun: number[]; totalSecs: number }> {
  const started = Date.now();
  const id = await client.run({ agentId: 'dummy', competitions: [COMPETITION], nSeeds: n, maxParallel: parallel });
  const result = await client.waitForCompletion(id);
  const totalSecs = (Date.now() - started) / 1000;
  const failed = result.runs.filter((r: RunResult) => r.outcome !== 'succeeded');
  if (failed.length) throw new Error(`${failed.length} benchmark runs did not succeed: ${failed[0]!.reason}`);
  const perRun = result.runs.map((r) => (Date.parse(r.timings.finishedAt) - Date.parse(r.timings.startedAt)) / 1000);
  return { perRun, totalSecs };
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function main(): Promise<void> {
  useEnvironment(process.env);
  configureLog(logSettings(process.env, { terminal: false }));
  const n = arg('runs', 8);
  const m = arg('parallel-runs', 32);
  const p = arg('parallel', 8);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const env = { ...process.env, MLEBENCH_RUNS_DIR: path.join(scratch, 'runs'), MLEBENCH_LOG_LEVEL: 'warn' };
  const server = await startDevServer({ port: 7533, uiPort: 8533, headless: true, dbFile: path.join(scratch, 'temporal.db') });
  const worker = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'client', 'cli', 'main.js'), 'worker'], {
    env: { ...env, TEMPORAL_ADDRESS: server.address },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const client = new Client({ address: server.address, uiUrl: null });
  try {
    const prepared = await prepareCompetition(COMPETITION, { dataDir: harnessPaths().dataDir });
    const image = (await resolveAgent('dummy')).image;
    await harnessRuns(client, 2, 2); // warm-up: workflow bundle, first container start

    const seqBare = await bareRuns(n, 1, image, prepared.publicDir);
    const seqHarness = await harnessRuns(client, n, 1);
    const parBare = await bareRuns(m, p, image, prepared.publicDir);
    const parHarness = await harnessRuns(client, m, p);

    const fmt = (s: { median: number; p90: number; n: number }) => `median ${s.median.toFixed(2)} s, p90 ${s.p90.toFixed(2)} s (n=${s.n})`;
    const bareSeq = stats(seqBare.perRun);
    const harnSeq = stats(seqHarness.perRun);
    console.log(`sequential, ${n} runs`);
    console.log(`  bare docker run : ${fmt(bareSeq)}`);
    console.log(`  harness         : ${fmt(harnSeq)}`);
    console.log(`  overhead/run    : median ${(harnSeq.median - bareSeq.median).toFixed(2)} s (each child workflow, start to end)`);
    console.log(
      `  whole group     : ${seqHarness.totalSecs.toFixed(1)} s vs ${seqBare.totalSecs.toFixed(1)} s bare → ` +
        `${((seqHarness.totalSecs - seqBare.totalSecs) / n).toFixed(2)} s per run including the group's own steps`,
    );
    console.log(`parallel, ${m} runs at ${p}`);
    console.log(`  bare docker run : total ${parBare.totalSecs.toFixed(1)} s; per run ${fmt(stats(parBare.perRun))}`);
    console.log(`  harness         : total ${parHarness.totalSecs.toFixed(1)} s; per run ${fmt(stats(parHarness.perRun))}`);
    console.log(`  ratio           : ${(parHarness.totalSecs / parBare.totalSecs).toFixed(2)}x`);
    console.log(`worker peak memory: ${peakRssMb(worker.pid!).toFixed(0)} MB`);
  } finally {
    await client.close();
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
