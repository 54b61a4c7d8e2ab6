/** The Temporal contract (temporal/contract.ts) is what the workflows, the dev server and the worker's host really use. */
import { describe, expect, it } from 'vitest';
import {
  ACTIVITY_OPTIONS,
  AGENT_STEP_RETRY,
  agentAttemptTimeoutMs,
  agentStepDeadlineMs,
  agentStepRetry,
  hostTaskQueue,
  QUERIES,
  SEARCH_ATTRIBUTE_FLAGS,
  SEARCH_ATTRIBUTES,
  TASK_QUEUE,
  WORKFLOW_TYPES,
} from '../../temporal/contract';
import { devServerArgs } from '../../temporal/devServer';
import { claimedHost, hostIdentity } from '../../worker/host';

describe('the Temporal contract', () => {
  it('names exactly the workflows the worker registers', async () => {
    const workflows = await import('../../workflows');
    expect(Object.keys(workflows).sort()).toEqual(Object.values(WORKFLOW_TYPES).sort());
  });

  it('keeps the query names the Temporal CLI is told to use (temporal workflow query --name progress)', () => {
    expect([QUERIES.progress.name, QUERIES.phase.name]).toEqual(['progress', 'phase']);
  });

  it('registers every search attribute with its type on the embedded dev server', () => {
    expect(SEARCH_ATTRIBUTE_FLAGS).toEqual([
      'Agent=Keyword',
      'Competition=KeywordList',
      'RunGroup=Keyword',
      'Outcome=Keyword',
      'TechniqueTask=Keyword',
      'Owner=Keyword',
    ]);
    const args = devServerArgs({ port: 7233, uiPort: 8233, dbFile: '/tmp/t.db', headless: true });
    const registered = args.flatMap((arg, i) => (arg === '--search-attribute' ? [args[i + 1]] : []));
    expect(registered).toEqual(SEARCH_ATTRIBUTE_FLAGS);
    expect(registered.map((f) => f!.split('=')[0])).toEqual(Object.values(SEARCH_ATTRIBUTES).map((k) => k.name));
  });
});

describe("a worker's host (worker/host.ts)", () => {
  it('is MLEBENCH_HOST_ID, else the engine of DOCKER_HOST, made task-queue-safe, with its own queue', () => {
    expect(hostIdentity({ MLEBENCH_HOST_ID: 'gpu box/2' })).toEqual({ hostId: 'gpu_box_2', taskQueue: `${TASK_QUEUE}-host-gpu_box_2` });
    expect(hostIdentity({ DOCKER_HOST: 'tcp://gpu-2:2376' }).hostId).toBe('gpu-2_2376');
    expect(hostIdentity({ MLEBENCH_HOST_ID: 'env' }, 'flag').hostId).toBe('flag');
    expect(hostTaskQueue('h1')).toBe('mlebench-host-h1');
  });

  it('counts as dead after MLEBENCH_HOST_DEAD_SECS (else 180 s); a bad value is refused, naming the variable', () => {
    const host = hostIdentity({ MLEBENCH_HOST_ID: 'h1' });
    expect(claimedHost(host, {}).deadAfterSecs).toBe(180);
    expect(claimedHost(host, { MLEBENCH_HOST_DEAD_SECS: '7' })).toEqual({ ...host, deadAfterSecs: 7, agentHeartbeatSecs: 45 });
    expect(() => claimedHost(host, { MLEBENCH_HOST_DEAD_SECS: '1.5' })).toThrow(/MLEBENCH_HOST_DEAD_SECS must be a whole number.*"1\.5"/);
  });
});

describe("the agent step's clocks", () => {
  it('gives the claimed run a heartbeat time-out of MLEBENCH_AGENT_HEARTBEAT_SECS (else 45 s); a bad value is refused, naming the variable', () => {
    const host = hostIdentity({ MLEBENCH_HOST_ID: 'h1' });
    expect(claimedHost(host, {}).agentHeartbeatSecs).toBe(45);
    expect(claimedHost(host, { MLEBENCH_AGENT_HEARTBEAT_SECS: '3' }).agentHeartbeatSecs).toBe(3);
    expect(() => claimedHost(host, { MLEBENCH_AGENT_HEARTBEAT_SECS: '0' })).toThrow(
      /MLEBENCH_AGENT_HEARTBEAT_SECS must be a whole number.*"0"/,
    );
  });

  it('bounds the step by the run deadline: time limit, grace, and one outage (heartbeat, backoff cap, host dead time); tries unlimited', () => {
    // 24 h agent, defaults: 86,400 + 300 grace + (45 + 2 + 180) window.
    expect(agentStepDeadlineMs(86_400, { heartbeatSecs: 45, deadAfterSecs: 180 })).toBe((86_400 + 300 + 227) * 1000);
    expect(agentStepDeadlineMs(60, { heartbeatSecs: 3, deadAfterSecs: 10 })).toBe(agentAttemptTimeoutMs(60) + 15_000);
    expect(AGENT_STEP_RETRY).not.toHaveProperty('maximumAttempts');
    expect(ACTIVITY_OPTIONS.agent.retry).toBe(AGENT_STEP_RETRY);
    expect(agentStepRetry(3)).toEqual({ ...AGENT_STEP_RETRY, maximumAttempts: 3 });
  });
});
