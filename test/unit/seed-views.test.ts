/** The seed's shapes of our records (client/server/seedViews.ts): project paths, artifact kinds, the run record. */
import { describe, expect, it } from 'vitest';
import { artifactKind, projectFile, projectPath, seedArtifacts, seedRecord } from '../../client/server/seedViews';
import type { RunGroupStatus } from '../../client/sdk';

const RUNS = '/srv/bench/runs';
const GROUP = `${RUNS}/2026-01-01T00-00-00-UTC_run-group_dummy`;
const RUN = 'g/spam-assassin/seed-1';

describe('seed views', () => {
  it('paths are relative to the runs folder’s parent, and only such paths are files of a group', () => {
    expect(projectPath(RUNS, GROUP)).toBe('runs/2026-01-01T00-00-00-UTC_run-group_dummy');
    expect(projectPath(RUNS, GROUP, 'a/b.csv')).toBe('runs/2026-01-01T00-00-00-UTC_run-group_dummy/a/b.csv');
    expect(projectFile(RUNS, 'runs/g/a/b.csv')).toEqual({ group: 'g', rel: 'a/b.csv' });
    expect(projectFile(RUNS, 'runs//g/./a.csv')).toEqual({ group: 'g', rel: 'a.csv' });
    for (const bad of ['runs/g', 'other/g/a.csv', 'runs/../etc/passwd', 'runs/g/../../x', 'runs/g/a\\b', 'runs/g/a\0b', '/etc/passwd']) {
      expect(projectFile(RUNS, bad), bad).toBeNull();
    }
  });

  it('sorts a group’s files into the seed’s kinds by the run-folder layout', () => {
    const cases: [string, string | null][] = [
      ['grading_report.json', null],
      ['technique_grades.json', null],
      ['metadata.json', null],
      ['notes.txt', null],
      ['r1/submission/submission.csv', RUN],
      ['r1/code/main.py', RUN],
      ['r1/logs/agent.log', RUN],
      ['r1/logs/llm/rollout.jsonl', RUN],
      ['r1/attempts/1/logs/llm/rollout.jsonl', RUN],
      ['r1/run.json', RUN],
      ['r1/container.json', RUN],
      ['r1/elsewhere/x', RUN],
      ['stray/submission/submission.csv', null],
    ];
    const kinds = Object.fromEntries(cases.map(([p, runId]) => [p, artifactKind({ path: p, size: 1, runId })]));
    expect(kinds).toEqual({
      'grading_report.json': 'grading_reports',
      'technique_grades.json': 'grading_reports',
      'metadata.json': 'metadata',
      'notes.txt': null,
      'r1/submission/submission.csv': 'submissions',
      'r1/code/main.py': 'code',
      'r1/logs/agent.log': 'logs',
      'r1/logs/llm/rollout.jsonl': 'rollouts',
      'r1/attempts/1/logs/llm/rollout.jsonl': 'rollouts',
      'r1/run.json': 'metadata',
      'r1/container.json': 'metadata',
      'r1/elsewhere/x': null,
      'stray/submission/submission.csv': null,
    });
    const listed = seedArtifacts(
      [
        { path: 'r2/submission/submission.csv', size: 1, runId: RUN },
        { path: 'r1/submission/submission.csv', size: 1, runId: RUN },
      ],
      GROUP,
      RUNS,
    );
    expect(listed.submissions).toEqual([
      `${projectPath(RUNS, GROUP)}/r1/submission/submission.csv`,
      `${projectPath(RUNS, GROUP)}/r2/submission/submission.csv`,
    ]);
    expect(listed.logs).toEqual([]);
  });

  it('the run record: Unix seconds, the seed statuses, its steps, a failure’s message', () => {
    const group: RunGroupStatus = {
      id: 'dummy-1',
      owner: 'local',
      status: 'CANCELLED',
      agentId: 'dummy',
      startTime: new Date(1_700_000_000_500),
      closeTime: new Date(1_700_000_060_250),
      groupDir: GROUP,
      request: { agent_id: 'dummy', n_seeds: 1 },
      progress: null,
      webUiUrl: null,
    };
    const record = seedRecord(group, GROUP, RUNS, null);
    expect(record).toMatchObject({
      run_id: 'dummy-1',
      status: 'failed',
      created_at: 1_700_000_000.5,
      updated_at: 1_700_000_060.25,
      request: { agent_id: 'dummy', n_seeds: 1 },
      message: 'cancelled',
      run_group: '2026-01-01T00-00-00-UTC_run-group_dummy',
      run_dir: 'runs/2026-01-01T00-00-00-UTC_run-group_dummy',
      detail: 'cancelled',
    });
    expect(record.logs).toEqual([
      { step: 'queued', at: 1_700_000_000.5 },
      { step: 'failed', at: 1_700_000_060.25, message: 'cancelled' },
    ]);
    const running = seedRecord({ ...group, status: 'RUNNING', closeTime: null, groupDir: null, request: null }, null, RUNS, null);
    expect(running).toMatchObject({
      status: 'queued',
      updated_at: 1_700_000_000.5,
      message: null,
      run_dir: null,
      request: { agent_id: 'dummy' },
    });
  });
});
