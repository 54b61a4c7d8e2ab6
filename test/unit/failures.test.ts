/**
 * The failure rules without Docker or Temporal: a container killed from outside, agent retries in
 * config.yaml, the free-disk threshold, moving a killed attempt aside.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig, AgentConfigError } from '../../core/agents/config';
import { resolveAgent } from '../../core/agents';
import { decideOutcome, killedFromOutside, shouldRetryAgent } from '../../core/runs/outcome';
import { ensureFreeDisk, freeDiskBytes, minFreeDiskBytes } from '../../core/sandbox/disk';
import { archiveAttempt } from '../../core/sandbox/attempts';
import { InfraError } from '../../core/sandbox/errors';
import { parseRunOptions } from '../../core/options';
import type { AgentContainerResult } from '../../core/sandbox/types';

function container(over: Partial<AgentContainerResult> = {}): AgentContainerResult {
  return {
    containerId: 'c1',
    exitCode: 0,
    startedAt: '2026-11-25T10:00:00Z',
    finishedAt: '2026-11-25T10:01:00Z',
    timedOut: false,
    oomKilled: false,
    reattached: false,
    ...over,
  };
}
const graded = { submission_exists: true, valid_submission: true };

describe('a container killed from outside', () => {
  it('is agent_failed with the reason, never succeeded, even with a valid submission', () => {
    const { outcome, reason } = decideOutcome(container({ exitCode: 137 }), graded);
    expect(outcome).toBe('agent_failed');
    expect(reason).toBe(
      'the agent container was killed from outside the harness (SIGKILL, exit code 137): not out of memory, not the time limit, not a cancel',
    );
    expect(decideOutcome(container({ exitCode: 143 }), graded).reason).toMatch(/SIGTERM, exit code 143/);
  });

  it('is told apart from OOM, the time limit and an ordinary failure', () => {
    expect(killedFromOutside(container({ exitCode: 137, oomKilled: true }))).toBeUndefined();
    expect(killedFromOutside(container({ exitCode: 137, timedOut: true }))).toBeUndefined();
    expect(killedFromOutside(container({ exitCode: null, timedOut: true }))).toBeUndefined();
    expect(killedFromOutside(container({ exitCode: 1 }))).toBeUndefined();
    expect(killedFromOutside(container({ exitCode: 255 }))).toBeUndefined();
    expect(decideOutcome(container({ exitCode: 137, oomKilled: true }), graded).reason).toMatch(/^oom/);
  });

  it('is retried only after a kill from outside, and at most `retries` times', () => {
    expect(shouldRetryAgent(container({ exitCode: 137 }), 0, 1)).toBe(true);
    expect(shouldRetryAgent(container({ exitCode: 137 }), 1, 1)).toBe(false);
    expect(shouldRetryAgent(container({ exitCode: 137 }), 0, 0)).toBe(false);
    expect(shouldRetryAgent(container({ exitCode: 1 }), 0, 3)).toBe(false);
    expect(shouldRetryAgent(container({ exitCode: 137, oomKilled: true }), 0, 3)).toBe(false);
    expect(shouldRetryAgent(container({ exitCode: null, timedOut: true }), 0, 3)).toBe(false);
  });
});

describe('agent retries in config.yaml', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlebench-agent-config-'));
  const load = (yaml: string) => {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    return { file, config: () => loadAgentConfig(file) };
  };

  it('defaults to 0; a variant may override it', async () => {
    expect((await load('description: x\n').config()).retries).toBe(0);
    const c = await load('description: x\nretries: 2\nvariants:\n  once: { retries: 1 }\n').config();
    expect(c.retries).toBe(2);
    expect(c.variants.once?.retries).toBe(1);
    expect((await resolveAgent('dummy/retry')).retries).toBe(1);
    expect((await resolveAgent('dummy')).retries).toBe(0);
  });

  it('rejects a bad value with the file, the field and the reason', async () => {
    for (const [yaml, why] of [
      ['retries: -1', 'retries: at least 0'],
      ['retries: 1.5', 'retries: a whole number of retries (0 to 10)'],
      ['retries: "two"', 'retries: a whole number of retries (0 to 10)'],
      ['retries: 11', 'retries: at most 10'],
      ['variants:\n  v: { retries: -2 }', 'variants.v.retries: at least 0'],
    ] as const) {
      const { file, config } = load(`description: x\n${yaml}\n`);
      const err = await config().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AgentConfigError);
      expect((err as Error).message).toBe(`${file}: ${why}`);
    }
  });
});

describe('free disk', () => {
  it('reads MLEBENCH_MIN_FREE_DISK as bytes or a size, default 5 GiB, 0 = off', () => {
    expect(minFreeDiskBytes({})).toBe(5 * 1024 ** 3);
    expect(minFreeDiskBytes({ MLEBENCH_MIN_FREE_DISK: '5g' })).toBe(5 * 1024 ** 3);
    expect(minFreeDiskBytes({ MLEBENCH_MIN_FREE_DISK: '123456' })).toBe(123456);
    expect(minFreeDiskBytes({ MLEBENCH_MIN_FREE_DISK: '0' })).toBe(0);
    expect(() => minFreeDiskBytes({ MLEBENCH_MIN_FREE_DISK: 'lots' })).toThrow(/MLEBENCH_MIN_FREE_DISK: not a size: "lots"/);
  });

  it('refuses with an InfraError naming the folder, the free bytes and the threshold', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlebench-disk-')), 'not', 'yet', 'made');
    const free = await freeDiskBytes(dir);
    expect(free).toBeGreaterThan(0);
    await expect(ensureFreeDisk(dir, 1)).resolves.toBeUndefined();
    await expect(ensureFreeDisk(dir, 0)).resolves.toBeUndefined();
    const err = await ensureFreeDisk(dir, free * 2 + 1024 ** 4).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^not enough free disk space for the run folder ${dir}: \\d+ bytes free .*below the threshold MLEBENCH_MIN_FREE_DISK=${free * 2 + 1024 ** 4} bytes`,
      ),
    );
  });
});

describe('a retry starts clean', () => {
  it("moves the killed attempt's files to attempts/<n>/ once, even when interrupted", async () => {
    const run = mkdtempSync(path.join(os.tmpdir(), 'mlebench-attempt-'));
    for (const d of ['submission', 'code', 'logs']) mkdirSync(path.join(run, d));
    writeFileSync(path.join(run, 'submission', 'submission.csv'), 'id,y\n');
    writeFileSync(path.join(run, 'container.json'), '{}');
    // An earlier call died after moving the submission only.
    mkdirSync(path.join(run, 'attempts', '0.partial'), { recursive: true });
    const { renameSync } = await import('node:fs');
    renameSync(path.join(run, 'submission'), path.join(run, 'attempts', '0.partial', 'submission'));

    const dir = await archiveAttempt(run, 0);
    expect(dir).toBe(path.join(run, 'attempts', '0'));
    for (const name of ['submission/submission.csv', 'code', 'logs', 'container.json']) expect(existsSync(path.join(dir, name))).toBe(true);
    for (const name of ['submission', 'code', 'logs', 'container.json']) expect(existsSync(path.join(run, name))).toBe(false);
    // The new attempt's files are never moved by a repeated call.
    mkdirSync(path.join(run, 'submission'));
    writeFileSync(path.join(run, 'submission', 'submission.csv'), 'new\n');
    await archiveAttempt(run, 0);
    expect(readFileSync(path.join(run, 'submission', 'submission.csv'), 'utf8')).toBe('new\n');
  });
});

describe('the run option infraAttempts', () => {
  it('is optional (the agent step then gets 10 tries), a whole number from 1 to 100', () => {
    expect(parseRunOptions({ agentId: 'dummy', competitions: ['x'] }).infraAttempts).toBeUndefined();
    expect(parseRunOptions({ agentId: 'dummy', competitions: ['x'], infraAttempts: 2 }).infraAttempts).toBe(2);
    for (const bad of [0, 1.5, 101])
      expect(() => parseRunOptions({ agentId: 'dummy', competitions: ['x'], infraAttempts: bad })).toThrow(/infraAttempts/);
  });
});

describe("a run record's failure line", () => {
  it('says a non-retryable error once, though it travels as its own cause', async () => {
    const { ActivityFailure, ApplicationFailure, RetryState } = await import('@temporalio/common');
    const { describeFailure } = await import('../../workflows/failures');
    const message = 'run r: the agent calls an LLM, but this worker runs no gateway';
    const inner = ApplicationFailure.create({ message, type: 'LlmGatewayUnavailableError' });
    const wrapped = ApplicationFailure.create({ message, type: 'LlmGatewayUnavailableError', nonRetryable: true, cause: inner });
    const failure = new ActivityFailure('runAgent failed', 'runAgent', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', wrapped);
    expect(describeFailure(failure)).toBe(`activity runAgent failed: LlmGatewayUnavailableError: ${message}`);
  });
});

describe('a container that vanished unwatched', () => {
  it('fails the agent step at once (non-retryable), and the workflow reads which container it was from the failure', async () => {
    const { ActivityFailure, ApplicationFailure, RetryState } = await import('@temporalio/common');
    const { AgentContainerVanishedError } = await import('../../core/sandbox/errors');
    const { toActivityFailure } = await import('../../worker/interceptors');
    const { describeFailure, vanishedContainerOf } = await import('../../workflows/failures');
    const vanished = { containerId: 'abc123', lastSeenElapsedSecs: 3600.4 };
    const mapped = toActivityFailure(new AgentContainerVanishedError('r1', vanished));
    expect(mapped).toBeInstanceOf(ApplicationFailure);
    expect(mapped).toMatchObject({ type: 'AgentContainerVanishedError', nonRetryable: true, details: [vanished] });
    const failure = new ActivityFailure('runAgent failed', 'runAgent', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', mapped as Error);
    expect(vanishedContainerOf(failure)).toEqual(vanished);
    expect(describeFailure(failure)).toMatch(/the agent container abc123 of run r1 disappeared .*after 3600 s of work/);
    expect(
      vanishedContainerOf(new ActivityFailure('x', 'runAgent', '1', RetryState.TIMEOUT, 'worker', new Error('other'))),
    ).toBeUndefined();
  });
});
