/**
 * The several-terminal set-up: `mlebench server` in one terminal, two `mlebench worker`s in
 * others (both poll the task queue), and `mlebench run --detach`, `status`, `summary` and `list`
 * from another — each a separate process, as a user would run them.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { isPortOpen } from '../../temporal/devServer';
import { buildImages } from '../../core/sandbox/images';
import { TASK_QUEUE } from '../../temporal/contract';
import { Client } from '../../client/sdk';
import { cliEnv, MLEBENCH_BIN } from '../helpers/cli';

const exec = promisify(execFile);
const PORT = 7633;
const UI_PORT = 8633;
const { home, env } = cliEnv({ TEMPORAL_ADDRESS: `127.0.0.1:${PORT}`, TEMPORAL_UI_URL: `http://localhost:${UI_PORT}` });
const processes: ChildProcess[] = [];
let groupId = '';

function start(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [MLEBENCH_BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  processes.push(child);
  return child;
}

/** Resolves once the child has written `text` to stderr (its "ready" line). */
function readyLine(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before "${text}": ${seen}`)));
  });
}

async function mlebench(...args: string[]): Promise<string> {
  return (await exec(process.execPath, [MLEBENCH_BIN, ...args], { env, timeout: 120_000 })).stdout;
}

beforeAll(async () => {
  await buildImages();
  const server = start(['server', '--port', String(PORT), '--ui-port', String(UI_PORT), '--db-file', path.join(home, 'temporal.db')]);
  await readyLine(server, 'Temporal dev server on');
  const workers = [start(['worker']), start(['worker'])];
  await Promise.all(workers.map((w) => readyLine(w, 'worker polling')));
});

afterAll(async () => {
  // Workers first, then the server: each stops on SIGTERM.
  for (const child of [...processes].reverse()) {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
});

describe('server, workers and a detached run in separate processes', () => {
  it('serves the Web UI, has two pollers, and runs a detached group to completion', async () => {
    const ui = await fetch(`http://localhost:${UI_PORT}/`);
    expect(ui.status).toBe(200);

    const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS! });
    const queue = await connection.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: TASK_QUEUE },
      taskQueueType: 1,
    });
    expect(new Set((queue.pollers ?? []).map((p) => p.identity)).size).toBe(2);
    await connection.close();

    const started = JSON.parse(
      await mlebench(
        'run',
        '--agent',
        'dummy',
        '--competitions',
        'sotu-authorship',
        '--seeds',
        '4',
        '--max-parallel',
        '4',
        '--detach',
        '--json',
      ),
    ) as { run_group_id: string; web_ui: string };
    groupId = started.run_group_id;
    expect(started.web_ui).toContain(`localhost:${UI_PORT}/namespaces/default/workflows/`);

    const client = new Client({ address: env.TEMPORAL_ADDRESS, uiUrl: null });
    const result = await client.waitForCompletion(started.run_group_id);
    expect(result.runs.map((r) => r.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect((await client.listRuns()).map((g) => g.id)).toContain(started.run_group_id);
    await client.close();

    const status = JSON.parse(await mlebench('status', started.run_group_id, '--json')) as { status: string; progress: { done: number } };
    expect(status).toMatchObject({ status: 'COMPLETED', progress: { done: 4 } });
    const summary = JSON.parse(await mlebench('summary', started.run_group_id, '--json')) as {
      gradingReport: { total_runs: number; total_valid_submissions: number };
    };
    expect(summary.gradingReport).toMatchObject({ total_runs: 4, total_valid_submissions: 4 });
    const listed = JSON.parse(await mlebench('list', '--json')) as {
      competitions: { id: string; prepared: boolean }[];
      agents: { id: string }[];
    };
    expect(listed.competitions).toContainEqual(expect.objectContaining({ id: 'sotu-authorship', prepared: true }));
    expect(listed.agents.map((a) => a.id)).toEqual(expect.arrayContaining(['dummy', 'dummy/fail', 'dummy/slow', 'baseline']));
  });

  it('keeps its state in the SQLite file: a restarted server still knows the group', async () => {
    const server = processes[0]!;
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    expect(await isPortOpen(PORT)).toBe(false);
    const again = start(['server', '--port', String(PORT), '--ui-port', String(UI_PORT), '--db-file', path.join(home, 'temporal.db')]);
    await readyLine(again, 'Temporal dev server on');
    const status = JSON.parse(await mlebench('status', '--json')) as { id: string; status: string }[];
    expect(status).toContainEqual(expect.objectContaining({ id: groupId, status: 'COMPLETED' }));
  });
});
