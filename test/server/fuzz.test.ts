/**
 * The whole OpenAPI description of the REST API fuzzed by schemathesis (from the test
 * virtualenv) against `buildServer` over a real Temporal dev server, with a token of every role:
 * no 5xx, no answer carrying the server's files or environment (a check of ours,
 * test/helpers/schemathesis_hooks.py), answers that conform to the description. The number of
 * cases that ran is printed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAccessPolicy } from '../../client/server/access';
import { buildServer } from '../../client/server/app';
import { REPO_ROOT } from '../../core/config';
import { testPython } from '../helpers/python';
import { startHarnessTestEnv, type HarnessTestEnv } from '../helpers/temporalEnv';

const SECRET = `sk-fuzz-${Math.random().toString(36).slice(2)}`;
const TOKENS = { admin: `fuzz-admin-${'a'.repeat(24)}`, viewer: `fuzz-viewer-${'v'.repeat(24)}` };
let h: HarnessTestEnv;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  process.env.MLEBENCH_FUZZ_SERVER_SECRET = SECRET;
  h = await startHarnessTestEnv();
  // No group may start: nothing polls to run it, and a group no worker answers for costs every
  // read of it the progress query's deadline (10 s, schemathesis's own time-out). With the seed's
  // defaults a fuzzed body such as {technique_tasks: true} is a valid request.
  const access = await loadAccessPolicy('127.0.0.1', {
    MLEBENCH_API_TOKENS: `admin:admin:${TOKENS.admin},vera:viewer:${TOKENS.viewer}`,
    MLEBENCH_API_LIMITS: 'running_groups=0',
  });
  app = await buildServer({ client: h.client, paths: h.paths, access });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await h?.teardown();
  delete process.env.MLEBENCH_FUZZ_SERVER_SECRET;
});

/** schemathesis run over the whole description; resolves with its exit code, output and the cases it ran. */
function schemathesis(token: string, maxExamples: number): Promise<{ code: number | null; output: string; cases: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fuzz-'));
  const ndjson = path.join(dir, 'events.ndjson');
  const bin = path.join(path.dirname(testPython()), 'schemathesis');
  const args = [
    'run',
    `${base}/openapi.json`,
    '--checks',
    'not_a_server_error,status_code_conformance,content_type_conformance,no_file_or_environment',
    '--header',
    `Authorization: Bearer ${token}`,
    '--max-examples',
    String(maxExamples),
    '--seed',
    '1',
    '--workers',
    '1',
    '--phases',
    'examples,coverage,fuzzing',
    '--generation-database',
    'none',
    '--report',
    'ndjson',
    '--report-ndjson-path',
    ndjson,
    '--no-color',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd: dir,
      env: {
        ...process.env,
        PYTHONPATH: path.join(REPO_ROOT, 'test', 'helpers'),
        SCHEMATHESIS_HOOKS: 'schemathesis_hooks',
        MLEBENCH_FUZZ_SECRET: SECRET,
        MLEBENCH_FUZZ_PATH: process.env.PATH ?? '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.on('error', reject);
    child.on('close', (code) => {
      // Every case schemathesis sent is a ScenarioFinished's recorded interaction... count the HTTP calls it made.
      const events = readFileSync(ndjson, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const cases = events.reduce((n, e) => n + countInteractions(e), 0);
      resolve({ code, output, cases });
    });
  });
}

/** The HTTP interactions recorded in one ndjson event (the shape is schemathesis's). */
function countInteractions(event: unknown): number {
  const finished = (event as { ScenarioFinished?: { recorder?: { interactions?: Record<string, unknown> } } }).ScenarioFinished;
  return Object.keys(finished?.recorder?.interactions ?? {}).length;
}

describe('the REST API under a fuzzer', () => {
  it.each([
    ['admin', TOKENS.admin, 60],
    ['viewer', TOKENS.viewer, 30],
  ])(
    'with a %s token: no server error, no leak, answers as described',
    async (role, token, maxExamples) => {
      const run = await schemathesis(token, maxExamples);
      console.log(
        `schemathesis as ${role}: ${run.cases} cases; ${run.output
          .split('\n')
          .filter((l) => /passed|failed|errors?|Test cases|Summary/i.test(l))
          .slice(-6)
          .join(' | ')}`,
      );
      expect(run.code, run.output).toBe(0);
      expect(run.cases).toBeGreaterThan(100);
    },
    900_000,
  );
});
