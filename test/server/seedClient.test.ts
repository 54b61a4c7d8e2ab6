/**
 * The seed's API to the letter: a client written only from shared/seed-api.md
 * (test/helpers/seed_client.py, not our clients/python/sdk.py) drives `buildServer` over a real
 * Temporal dev server, a real worker and real agent containers through a competition run and a
 * technique run (the dummy agent, one offline competition each, named by MLE-bench split files of
 * MLEBENCH_REPO, the first by the seed's default), asserting the seed's shapes and status codes;
 * here, that what it downloaded is what the run folders hold.
 */
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../client/server/app';
import { REPO_ROOT } from '../../core/config';
import { buildImages } from '../../core/sandbox/images';
import { runPython } from '../helpers/python';
import { startHarnessTestEnv, type HarnessTestEnv } from '../helpers/temporalEnv';

let h: HarnessTestEnv;
let app: FastifyInstance | undefined;
let baseUrl: string;
const savedRepo = process.env.MLEBENCH_REPO;

beforeAll(async () => {
  await buildImages();
  h = await startHarnessTestEnv();
  // The seed names its competitions by MLE-bench's split files: a checkout whose splits hold one
  // offline competition each, so the seed's default (experiments/splits/low.txt) runs one run.
  const checkout = mkdtempSync(path.join(os.tmpdir(), 'seed-checkout-'));
  mkdirSync(path.join(checkout, 'experiments', 'splits'), { recursive: true });
  writeFileSync(path.join(checkout, 'experiments', 'splits', 'low.txt'), 'spam-assassin\n');
  writeFileSync(path.join(checkout, 'experiments', 'splits', 'seed-e2e-technique.txt'), 'spambase\n');
  process.env.MLEBENCH_REPO = checkout;
  app = await buildServer({ client: h.client, paths: h.paths });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  if (savedRepo === undefined) delete process.env.MLEBENCH_REPO;
  else process.env.MLEBENCH_REPO = savedRepo;
  await app?.close();
  await h?.teardown();
});

interface Group {
  record: { run_id: string; run_group: string; run_dir: string; request: Record<string, unknown> };
  summary: { grading_reports: string[] };
  reports: Record<string, unknown>;
  artifacts: Record<string, string[]>;
  downloads: Record<string, string>;
}
interface Seen {
  malformed: number[];
  unknown: number[];
  early: [string, number, number];
  competition: Group;
  technique: Group;
  listed: string[];
}

/** A project-relative path as the records give it, on disk (the runs folder's parent is the project). */
const onDisk = (p: string) => path.join(path.dirname(h.paths.runsDir), p);

describe("a client written from the seed's API description", () => {
  it('runs a competition group and a technique group, in the seed shapes and status codes', async () => {
    const worker = await h.newWorker();
    const finished = await worker.runUntil(() =>
      runPython(path.join(REPO_ROOT, 'test', 'helpers', 'seed_client_e2e.py'), {
        MLEBENCH_API_URL: baseUrl,
        PYTHONPATH: path.join(REPO_ROOT, 'test', 'helpers'),
        SEED_E2E_TECHNIQUE_SPLIT: 'experiments/splits/seed-e2e-technique.txt',
      }),
    );
    expect(finished.code, `the seed client's script failed:\n${finished.stderr}\n${finished.stdout}`).toBe(0);
    const lines = finished.stdout.trim().split('\n');
    const seen = JSON.parse(lines[lines.length - 1]!) as Seen;

    expect(seen.malformed).toEqual([422, 422, 422, 422]);
    expect(seen.unknown).toEqual([404, 404, 404, 404]);
    expect(seen.early.slice(1)).toEqual([409, 409]);

    for (const group of [seen.competition, seen.technique]) {
      // run_dir is the group folder, relative to the runs folder's parent; every path it lists is a file there.
      expect(path.dirname(onDisk(group.record.run_dir))).toBe(h.paths.runsDir);
      for (const kind of ['submissions', 'grading_reports', 'logs', 'rollouts', 'code', 'metadata']) {
        for (const p of group.artifacts[kind] ?? []) expect(statSync(onDisk(p)).isFile(), p).toBe(true);
      }
      for (const [p, text] of Object.entries(group.downloads)) expect(text).toBe(readFileSync(onDisk(p), 'utf8'));
      for (const [p, report] of Object.entries(group.reports)) expect(report).toEqual(JSON.parse(readFileSync(onDisk(p), 'utf8')));
    }
    expect(seen.competition.summary.grading_reports.map((p) => path.basename(p))).toEqual(['grading_report.json']);
    expect(seen.technique.summary.grading_reports.map((p) => path.basename(p))).toContain('technique_grades.json');
    expect(seen.listed.slice(0, 2)).toEqual([seen.technique.record.run_id, seen.competition.record.run_id]);
  }, 900_000);
});
