/**
 * Committed workflow histories (test/histories/, recorded from real runs by `npm run
 * histories:record`, see record.ts there) replay against today's workflow code: a change that
 * would break running workflows fails here. Every file of the folder is replayed; the branches
 * that matter are checked to be there, so a history re-recorded without its branch fails too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { REPO_ROOT } from '../../core/config';

const HISTORIES = path.join(__dirname, '..', 'histories');
const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

let code: string;

beforeAll(async () => {
  ({ code } = await bundleWorkflowCode({ workflowsPath: path.join(REPO_ROOT, 'workflows', 'index.ts'), logger: silent }));
});

/** A history as `temporal workflow show -o json` (or historyToJSON) writes it. */
function readHistory(name: string): { events: Record<string, unknown>[] } {
  return JSON.parse(readFileSync(path.join(HISTORIES, `${name}.json`), 'utf8')) as { events: Record<string, unknown>[] };
}

/** An event's type (without EVENT_TYPE_) and, for a scheduled activity, its type and task queue. */
interface Step {
  type: string;
  activity?: string;
  queue?: string;
  /** A search attribute upsert's Outcome, decoded. */
  outcome?: string;
}

function steps(name: string): Step[] {
  return readHistory(name).events.map((e) => {
    const type = String(e.eventType).replace(/^EVENT_TYPE_/, '');
    const scheduled = e.activityTaskScheduledEventAttributes as { activityType: { name: string }; taskQueue: { name: string } } | undefined;
    const upsert = e.upsertWorkflowSearchAttributesEventAttributes as
      { searchAttributes?: { indexedFields?: Record<string, { data: string }> } } | undefined;
    const outcome = upsert?.searchAttributes?.indexedFields?.Outcome?.data;
    return {
      type,
      ...(scheduled ? { activity: scheduled.activityType.name, queue: scheduled.taskQueue.name } : {}),
      ...(outcome ? { outcome: JSON.parse(Buffer.from(outcome, 'base64').toString('utf8')) as string } : {}),
    };
  });
}

const has = (name: string, type: string) => steps(name).some((s) => s.type === type);
const agentSteps = (name: string) => steps(name).filter((s) => s.activity === 'runAgent');

/** Each branch that matters, the history that holds it and what makes it that branch. */
const BRANCHES: [history: string, branch: string, check: (name: string) => void][] = [
  // Before host task queues (the unpatched path): the agent step on the shared queue.
  ['competitionRun', 'a run before host queues', (n) => expect(agentSteps(n).map((s) => s.queue)).toEqual(['mlebench'])],
  ['techniqueRun', 'a technique run before host queues', (n) => expect(agentSteps(n).map((s) => s.queue)).toEqual(['mlebench'])],
  ['competitionRun-hosts', 'a run on a host queue', (n) => expect(agentSteps(n).map((s) => s.queue)).toEqual(['mlebench-host-vm'])],
  [
    'techniqueRun-hosts',
    'a technique run on a host queue',
    (n) => expect(agentSteps(n).map((s) => s.queue)).toEqual([expect.stringMatching(/^mlebench-host-/)]),
  ],
  ['runGroup-completed', 'a completed group', (n) => expect(has(n, 'WORKFLOW_EXECUTION_COMPLETED')).toBe(true)],
  [
    'runGroup-cancelled',
    'a cancelled group',
    (n) => expect([has(n, 'WORKFLOW_EXECUTION_CANCEL_REQUESTED'), has(n, 'CHILD_WORKFLOW_EXECUTION_CANCELED')]).toEqual([true, true]),
  ],
  [
    'runGroup-run-cancelled',
    'one child cancelled alone: the group goes on (before runs-end-alone, it failed)',
    (n) => {
      expect([has(n, 'WORKFLOW_EXECUTION_CANCEL_REQUESTED'), has(n, 'CHILD_WORKFLOW_EXECUTION_CANCELED')]).toEqual([false, true]);
      expect(has(n, n.endsWith('-before-runs-end-alone') ? 'WORKFLOW_EXECUTION_FAILED' : 'WORKFLOW_EXECUTION_COMPLETED')).toBe(true);
    },
  ],
  ['runGroup-child-failed', 'a child that failed (terminated)', (n) => expect(has(n, 'CHILD_WORKFLOW_EXECUTION_TERMINATED')).toBe(true)],
  [
    'runGroup-child-not-started',
    'a child that could not start (its id taken)',
    (n) => expect(has(n, 'START_CHILD_WORKFLOW_EXECUTION_FAILED')).toBe(true),
  ],
  ['competitionRun-cancelled', 'a run cancelled with its group', (n) => expect(has(n, 'ACTIVITY_TASK_CANCELED')).toBe(true)],
  ['competitionRun-run-cancelled', 'a run cancelled alone', (n) => expect(has(n, 'WORKFLOW_EXECUTION_CANCELED')).toBe(true)],
  ['competitionRun-agent-failed', 'an agent that failed', (n) => expect(steps(n).some((s) => s.outcome === 'agent_failed')).toBe(true)],
  [
    'competitionRun-agent-retry',
    'an agent retried in a fresh container on its host',
    (n) => expect(agentSteps(n).map((s) => s.queue)).toEqual(['mlebench-host-recorder', 'mlebench-host-recorder']),
  ],
  [
    'competitionRun-host-lost',
    'a lost host: the agent step timed out on it, the run restarted on another',
    (n) => {
      expect(has(n, 'ACTIVITY_TASK_TIMED_OUT')).toBe(true);
      expect(agentSteps(n).map((s) => s.queue)).toEqual(['mlebench-host-host-a', 'mlebench-host-host-b']);
    },
  ],
];

describe('recorded histories replay without non-determinism', () => {
  const names = readdirSync(HISTORIES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();

  for (const name of names) {
    it(name, async () => {
      await Worker.runReplayHistory({ workflowBundle: { code } }, readHistory(name), `recorded-${name}`);
    });
  }

  // A case's history of today's code, and those from before a patch changed its commands.
  for (const [name, branch, check] of BRANCHES) {
    it(`${name} holds ${branch}`, () => {
      expect(names).toContain(name);
      for (const recorded of names.filter((n) => n === name || n.startsWith(`${name}-before-`))) check(recorded);
    });
  }
});
