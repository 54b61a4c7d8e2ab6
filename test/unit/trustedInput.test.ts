/**
 * The worker's check of an activity's input paths (worker/interceptors.ts), without a server: a
 * path nested as deep as finalizeRunGroup's `plan.runs[i].runDir` is checked too, and a refused
 * input never reaches the activity.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Context } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import { trustedInputInterceptors } from '../../worker/interceptors';

const root = mkdtempSync(path.join(os.tmpdir(), 'trusted-input-'));
const paths = { runsDir: path.join(root, 'runs'), dataDir: path.join(root, 'data') };
const groupDir = path.join(paths.runsDir, 'group');
mkdirSync(path.join(groupDir, 'spambase_seed-1'), { recursive: true });

/** Runs the interceptor on one argument; resolves with whether the activity was called, or rejects with the refusal. */
async function execute(arg: unknown): Promise<boolean> {
  let called = false;
  const inbound = trustedInputInterceptors(paths)({} as Context).inbound!;
  await inbound.execute!({ args: [arg], headers: {} }, () => {
    called = true;
    return Promise.resolve(undefined);
  });
  return called;
}

const finalizeInput = (runDir: string) => ({
  plan: { groupDir, runs: [{ runId: 'g/spambase/seed-1', runDir }] },
  results: [{ runDir: path.join(groupDir, 'spambase_seed-1') }],
});

describe('the worker checks every path of an activity input', () => {
  it('lets a plan of its own folders through', async () => {
    expect(await execute(finalizeInput(path.join(groupDir, 'spambase_seed-1')))).toBe(true);
    expect(
      await execute({ runDir: path.join(groupDir, 'spambase_seed-1'), publicDataDir: path.join(paths.dataDir, 'spambase', 'public') }),
    ).toBe(true);
  });

  it('refuses a hostile path however deep it sits, naming the field, before the activity runs', async () => {
    await expect(execute(finalizeInput('/etc/cron.d'))).rejects.toThrow(/^plan\.runs\[0\]\.runDir: \/etc\/cron\.d is not a run folder/);
    await expect(execute({ runDir: path.join(groupDir, 'spambase_seed-1'), publicDataDir: '/' })).rejects.toThrow(
      /^publicDataDir: \/ is not inside the data folder/,
    );
    await expect(execute({ groupDir: paths.runsDir })).rejects.toThrow(/^groupDir: .* is not a folder of the runs folder/);
    await expect(execute({ runDir: 42 })).rejects.toThrow(/^runDir: not a path/);
  });
});
