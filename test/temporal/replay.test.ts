/**
 * Committed workflow histories (recorded by runGroup.test.ts with MLEBENCH_RECORD_HISTORY=1) replay
 * against today's workflow code: a change that would break running workflows fails here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, it } from 'vitest';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { REPO_ROOT } from '../../core/config';

let code: string;

beforeAll(async () => {
  ({ code } = await bundleWorkflowCode({ workflowsPath: path.join(REPO_ROOT, 'workflows', 'index.ts'), logger: silent }));
});

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

describe('recorded histories replay without non-determinism', () => {
  // competitionRun: before host task queues (the unpatched path); competitionRun-hosts: after.
  for (const name of ['runGroup', 'competitionRun', 'competitionRun-hosts', 'techniqueRun']) {
    it(name, async () => {
      // As `temporal workflow show -o json` wrote it.
      const history: unknown = JSON.parse(readFileSync(path.join(__dirname, '..', 'histories', `${name}.json`), 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: { code } }, history, `recorded-${name}`);
    });
  }
});
