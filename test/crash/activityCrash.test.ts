/**
 * A worker SIGKILLed the moment a step starts — prepare, grade, the run's record, the group's
 * reports — and another worker finishing the group: the records are those of a run nobody
 * disturbed. Each case has its own task queue and its own host (so its host queue) on one server,
 * so they all run at once beside an undisturbed group: a worker killed for its own case never
 * holds another case's agent step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../client/sdk';
import type { CompletedRunGroup } from '../../client/sdk';
import { CRASH_WORKER, groupRecords, spawnProc } from '../helpers/crash';
import { temporalSuite } from '../helpers/temporalSuite';
import { competitionRecord } from '../helpers/runKinds';

const CRASH_AT = ['prepareData', 'gradeSubmission', 'persistArtifacts', 'finalizeRunGroup'] as const;
type Case = (typeof CRASH_AT)[number] | 'undisturbed';

interface Finished {
  result: CompletedRunGroup;
  records: Record<string, unknown>;
  secs: number;
}

const t = temporalSuite('processes');
const clients: Client[] = [];
const finished = new Map<Case, Promise<Finished>>();

/** One group on its own task queue: a worker that dies at `crashAt` (if any), then a normal one. */
async function runCase(name: Case): Promise<Finished> {
  const taskQueue = `crash-${name}`;
  const client = new Client({ address: t.home.env.TEMPORAL_ADDRESS, uiUrl: null, taskQueue });
  clients.push(client);
  const crashAt = name === 'undisturbed' ? [] : [name];
  const hostId = `crash-host-${name}`;
  const env = { ...t.home.env, MLEBENCH_HOST_ID: hostId };
  const first = spawnProc([CRASH_WORKER, taskQueue, ...crashAt], env);
  await first.waitFor('worker polling');
  const groupId = `crash-${name}-${Date.now()}`;
  const started = Date.now();
  await client.run({ agentId: 'dummy', competitions: ['sotu-authorship'] }, { groupId });
  if (crashAt.length > 0) {
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });
    expect(first.output()).toContain(`crashing in ${name} (attempt 1`);
    const second = spawnProc([CRASH_WORKER, taskQueue], env);
    await second.waitFor('worker polling');
  }
  const result = await client.waitForCompletion(groupId);
  return { result, records: await groupRecords(result.groupDir, groupId, hostId), secs: (Date.now() - started) / 1000 };
}

beforeAll(() => {
  for (const name of ['undisturbed', ...CRASH_AT] as const) {
    const promise = runCase(name);
    promise.catch(() => undefined); // awaited (and reported) by its test
    finished.set(name, promise);
  }
});

afterAll(async () => {
  await Promise.allSettled(finished.values());
  await Promise.all(clients.map((c) => c.close()));
});

describe('a worker killed as a step starts', () => {
  it('leaves an undisturbed group to compare with', async () => {
    const { result, records, secs } = await finished.get('undisturbed')!;
    expect(result.runs.map((r) => r.outcome)).toEqual(['succeeded']);
    expect(competitionRecord(result.runs[0]).grade?.valid_submission).toBe(true);
    const run = 'sotu-authorship_seed-1';
    const compared = [
      'metadata.json',
      'grading_report.json',
      `${run}/run.json`,
      `${run}/container.json`,
      `${run}/submission/submission.csv`,
    ];
    expect(Object.keys(records)).toEqual(expect.arrayContaining(['files', ...compared]));
    console.log(`undisturbed group: ${secs.toFixed(1)} s`);
  });

  it.each(CRASH_AT)('in %s: the next worker finishes the group, with the records of an undisturbed one', async (crashAt) => {
    const undisturbed = await finished.get('undisturbed')!;
    const { result, records, secs } = await finished.get(crashAt)!;
    expect(result.runs.map((r) => r.outcome)).toEqual(['succeeded']);
    expect(records).toEqual(undisturbed.records);
    console.log(`killed in ${crashAt}: group done in ${secs.toFixed(1)} s (undisturbed ${undisturbed.secs.toFixed(1)} s)`);
  });
});
