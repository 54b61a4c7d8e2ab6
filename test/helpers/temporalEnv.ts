/**
 * A real Temporal dev server (the installed CLI binary) and a harness worker over temporary
 * run and data folders, shared by the tests of one file (set up by `temporalSuite('in-process')`).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { harnessPaths, REPO_ROOT, temporalCliPath, type HarnessPaths } from '../../core/config';
import { SEARCH_ATTRIBUTES } from '../../temporal/contract';
import { createHarnessWorker } from '../../worker/worker';
import type { HarnessWorker } from '../../worker/harnessWorker';
import { Client } from '../../client/sdk';
import type { Gateway } from '../../core/gateway';

export interface HarnessTestEnv {
  env: TestWorkflowEnvironment;
  paths: HarnessPaths;
  client: Client;
  workflowCode: string;
  /** A new worker on this env (not running yet), with the LLM gateway given (the test closes it). */
  newWorker(opts?: { gateway?: Gateway }): Promise<HarnessWorker>;
  teardown(): Promise<void>;
}

/** `metricsPort`: the server serves its Prometheus metrics there (e.g. to count the queries it answered). */
export async function startHarnessTestEnv(opts: { metricsPort?: number } = {}): Promise<HarnessTestEnv> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: Object.values(SEARCH_ATTRIBUTES),
      extraArgs: opts.metricsPort ? ['--metrics-port', String(opts.metricsPort)] : [],
    },
  });
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'mlebench-test-'));
  const paths: HarnessPaths = { ...harnessPaths(), runsDir: path.join(scratch, 'runs'), dataDir: path.join(scratch, 'data') };
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(REPO_ROOT, 'workflows', 'index.ts'), logger: quietLogger });
  const client = new Client({ address: env.address, uiUrl: null });
  return {
    env,
    paths,
    client,
    workflowCode: code,
    newWorker: (opts) => createHarnessWorker({ connection: env.nativeConnection, paths, workflowBundle: { code }, gateway: opts?.gateway }),
    async teardown() {
      await client.close();
      await env.teardown();
    },
  };
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => console.error(message),
};
