/**
 * How runs fail, end to end: a real Temporal dev server, a real worker, real containers.
 * A container killed from outside (with and without agent retries), the time limit, a disk below
 * the threshold, and nothing left in Docker by any of them or by a cancel.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import type { GradingReport } from '../../core/grading/report';
import type { RunResult } from '../../core/runs/types';
import type { CompletedRunGroup } from '../../client/sdk';
import { temporalSuite } from '../helpers/temporalSuite';
import { labelled, submissionDirOf, until } from '../helpers/runContainers';
import { watchGroupEvents } from '../helpers/dockerEvents';
import { competitionRecord } from '../helpers/runKinds';

const h = temporalSuite('in-process', { runWorker: true });
const groups: string[] = [];
const docker = new Docker();

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

async function nothingLeft(groupId: string): Promise<void> {
  expect(await labelled(`mlebench.group=${groupId}`)).toEqual({ containers: [], networks: [], volumes: [] });
}

async function start(groupId: string, agentId: string, extra: Record<string, unknown> = {}) {
  groups.push(groupId);
  const watch = await watchGroupEvents(groupId);
  await h.client.run({ agentId, competitions: ['sotu-authorship'], ...extra }, { groupId });
  return watch;
}

describe('a container killed from outside the harness', () => {
  it('ends the run agent_failed with the reason, even though its submission was written and is valid', async () => {
    const groupId = 'fail-killed';
    const watch = await start(groupId, 'dummy/hang', { timeLimitSecs: 600 });
    const started = await watch.next((e) => e.action === 'start');
    const submission = path.join(await submissionDirOf(started.id), 'submission.csv');
    await until(() => existsSync(submission), 60_000, 'the agent to write its submission');
    await docker.getContainer(started.id).kill(); // SIGKILL, as `docker kill` does
    const result = await h.client.waitForCompletion(groupId);
    watch.stop();

    const run = result.runs[0]!;
    expect(run.outcome).toBe('agent_failed');
    expect(run.reason).toBe(
      'the agent container was killed from outside the harness (SIGKILL, exit code 137): not out of memory, not the time limit, not a cancel',
    );
    expect(run.container).toMatchObject({ exitCode: 137, oomKilled: false, timedOut: false });
    expect(competitionRecord(run).grade?.valid_submission).toBe(true); // graded, and still not a success
    expect(run.agentRetries).toBeUndefined();
    expect(readJson<RunResult>(path.join(run.runDir, 'run.json')).outcome).toBe('agent_failed');
    await nothingLeft(groupId);
  });

  it('starts the agent again in a fresh container when its config asks for retries', async () => {
    const groupId = 'fail-killed-retried';
    const watch = await start(groupId, 'dummy/retry', { timeLimitSecs: 600 });
    const first = await watch.next((e) => e.action === 'start');
    await docker.getContainer(first.id).kill();
    const second = await watch.next((e) => e.action === 'start' && e.id !== first.id);
    const result = await h.client.waitForCompletion(groupId);
    watch.stop();

    expect(first.attributes['mlebench.attempt']).toBeUndefined();
    expect(second.attributes['mlebench.attempt']).toBe('1');
    expect(second.name).toBe(`${first.name}-retry1`);
    const run = result.runs[0]!;
    expect(run.outcome).toBe('succeeded');
    const record = readJson<RunResult & { container: { attempt: number } }>(path.join(run.runDir, 'run.json'));
    expect(record.agentRetries).toBe(1);
    expect(record.container.attempt).toBe(1);
    expect(record.container.containerId).toBe(second.id);
    expect(record.previousContainers).toMatchObject([{ containerId: first.id, exitCode: 137 }]);
    // The killed attempt's files are kept aside; the run folder holds the fresh one's.
    expect(existsSync(path.join(run.runDir, 'attempts', '0', 'container.json'))).toBe(true);
    expect(existsSync(path.join(run.runDir, 'attempts', '0', 'logs', 'agent.log'))).toBe(true);
    expect(existsSync(path.join(run.runDir, 'submission', 'submission.csv'))).toBe(true);
    await nothingLeft(groupId);
  });
});

describe('the time limit', () => {
  it('stops an agent that never exits at its limit: agent_timeout, and the submission it wrote is graded', async () => {
    const groupId = 'fail-time-limit';
    const watch = await start(groupId, 'dummy/hang', { timeLimitSecs: 5 });
    const result = await h.client.waitForCompletion(groupId);
    watch.stop();

    const run = result.runs[0]!;
    expect(run.outcome).toBe('agent_timeout');
    expect(run.container).toMatchObject({ timedOut: true, exitCode: null });
    const agentSecs = run.timings.agentSecs!;
    expect(agentSecs).toBeGreaterThanOrEqual(5);
    expect(agentSecs).toBeLessThan(5 + 10 + 5); // the limit, the stop's grace, a margin
    const record = readJson<RunResult>(path.join(run.runDir, 'run.json'));
    expect(record.score).toEqual(expect.any(Number));
    expect(competitionRecord(record).grade?.valid_submission).toBe(true);
    const report = readJson<GradingReport>(path.join(result.groupDir, 'grading_report.json'));
    expect(report.competition_reports[0]?.score).toBe(record.score);
    expect(report.total_valid_submissions).toBe(1);
    await nothingLeft(groupId);
  });
});

describe('free disk', () => {
  it('refuses to start a container below MLEBENCH_MIN_FREE_DISK: infra_error naming the folder, the free bytes and the threshold', async () => {
    const groupId = 'fail-disk';
    const before = process.env.MLEBENCH_MIN_FREE_DISK;
    process.env.MLEBENCH_MIN_FREE_DISK = '1000t'; // above any disk here; read by the in-process worker's activity
    let result: CompletedRunGroup;
    let watch: Awaited<ReturnType<typeof start>>;
    try {
      watch = await start(groupId, 'dummy', { infraAttempts: 2 });
      result = await h.client.waitForCompletion(groupId);
    } finally {
      if (before === undefined) delete process.env.MLEBENCH_MIN_FREE_DISK;
      else process.env.MLEBENCH_MIN_FREE_DISK = before;
    }
    watch.stop();
    const run = result.runs[0]!;
    expect(run.outcome).toBe('infra_error');
    expect(run.reason).toMatch(
      new RegExp(
        `InfraError: not enough free disk space for the run folder ${run.runDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+ bytes free .* below the threshold MLEBENCH_MIN_FREE_DISK=${1000 * 1024 ** 4} bytes`,
      ),
    );
    expect(watch.events.filter((e) => e.action === 'create')).toEqual([]); // no container was made
    await nothingLeft(groupId);
  });
});

describe('nothing left behind', () => {
  it('after a cancel too, no container, network or volume of any group here remains', async () => {
    const groupId = 'fail-cancelled';
    const watch = await start(groupId, 'dummy/slow');
    await watch.next((e) => e.action === 'start');
    await h.client.cancel(groupId);
    await h.client.waitForCompletion(groupId).catch(() => undefined);
    watch.stop();
    const status = await h.client.getRun(groupId);
    expect(status.status).toBe('CANCELLED');
    // A success (the retried run), failures (killed, timed out, refused) and a cancel: all clean.
    expect(groups).toHaveLength(5);
    for (const id of groups) await nothingLeft(id);
  });
});
