/**
 * The runAgent activity's cancellation rule, against real containers: a cancel asked for by the
 * workflow stops the agent; a worker shutdown leaves it running, and the next attempt re-attaches.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ActivityCancellationDetails } from '@temporalio/common';
import { runAgentActivities, type RunAgentInput } from '../../activities/runAgent';
import { listAgentContainers, removeGroupContainers } from '../../core/sandbox';
import { buildImages } from '../../core/sandbox/images';
import type { AgentContainerProgress } from '../../core/sandbox/types';
import { makeTextCompetition } from '../helpers/fakeCompetition';

const group = `activity-test-${process.pid}`;
let tmp: string;
let input: (name: string) => RunAgentInput;

beforeAll(async () => {
  await buildImages();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'activity-test-'));
  const competition = makeTextCompetition(path.join(tmp, 'competition'));
  input = (name) => ({
    runId: `${group}/${name}`,
    groupId: group,
    agentId: 'dummy/slow',
    competitionId: 'fake-text',
    seed: 1,
    timeLimitSecs: 600,
    publicDataDir: competition.publicDir,
    runDir: path.join(tmp, name),
  });
});

afterAll(async () => {
  await removeGroupContainers(group);
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs the activity until its first heartbeat (the container runs), then cancels it the given way. */
async function runThenCancel(
  env: MockActivityEnvironment,
  run: RunAgentInput,
  how: ActivityCancellationDetails,
): Promise<{ error: unknown; containerId: string }> {
  const activities = runAgentActivities();
  let containerId = '';
  const heartbeat = new Promise<void>((resolve) =>
    env.on('heartbeat', (details: AgentContainerProgress) => {
      containerId = details.containerId;
      resolve();
    }),
  );
  const running = env
    .run((i: RunAgentInput) => activities.runAgent(i), run)
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  await heartbeat;
  env.cancel(how.workerShutdown ? 'WORKER_SHUTDOWN' : 'CANCELLED', how);
  return { error: await running, containerId };
}

describe('runAgent cancellation', () => {
  it('a worker shutdown leaves the container running; the next attempt re-attaches to it', async () => {
    const run = input('shutdown');
    const first = await runThenCancel(new MockActivityEnvironment(), run, new ActivityCancellationDetails({ workerShutdown: true }));
    expect(first.error).toBeInstanceOf(Error);
    expect((await listAgentContainers({ runId: run.runId, running: true })).map((c) => c.Id)).toEqual([first.containerId]);

    const second = await runThenCancel(new MockActivityEnvironment(), run, new ActivityCancellationDetails({ cancelRequested: true }));
    expect(second.containerId).toBe(first.containerId);
    expect(await listAgentContainers({ runId: run.runId })).toEqual([]);
  });

  it('a heartbeat time-out is not a cancel either', async () => {
    const run = input('timeout');
    const first = await runThenCancel(new MockActivityEnvironment(), run, new ActivityCancellationDetails({ timedOut: true }));
    expect((await listAgentContainers({ runId: run.runId, running: true })).map((c) => c.Id)).toEqual([first.containerId]);
  });
});
