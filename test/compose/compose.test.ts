/**
 * The whole stack in containers (issue 9, item 1): `scripts/compose.sh up` brings up the offline
 * variant (docker-compose.offline.yml: every image built here — Temporal from the CLI binary on
 * the base image, the worker and the REST server from this checkout) under a project name and
 * ports of its own; the built `mlebench` CLI, as a separate process pointed at the compose
 * Temporal, starts a dummy group that the compose worker runs (agent containers on the host's
 * engine, scratch space loop-mounted inside the worker and seen by the host) and the compose
 * REST server reports; `down -v` leaves nothing of the project behind.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../core/config';
import { listScratchMounts } from '../../core/sandbox/scratch';
import { TASK_QUEUE } from '../../temporal/contract';
import { MLEBENCH_BIN } from '../helpers/cli';
import { labelled, until } from '../helpers/runContainers';
import { answers, answers200, newStack, projectLeftovers, type Stack } from './stack';

const run = promisify(execFile);
const docker = new Docker();

let stack: Stack;
let upSecs = 0;

beforeAll(async () => {
  stack = await newStack('offline', 'compose-test');
  const started = Date.now();
  await stack.compose(['up']);
  upSecs = (Date.now() - started) / 1000;
}, 600_000);

afterAll(async () => {
  await stack?.destroy();
}, 180_000);

describe('docker-compose (offline variant)', () => {
  it('has the same harness services (worker, server) in the online and the offline file', () => {
    const load = (f: string) =>
      parse(readFileSync(path.join(REPO_ROOT, f), 'utf8'), { merge: true }) as { services: Record<string, Record<string, unknown>> };
    const online = load('docker-compose.yml');
    const offline = load('docker-compose.offline.yml');
    for (const service of ['worker', 'server']) {
      for (const key of [
        'image',
        'build',
        'command',
        'user',
        'cap_drop',
        'cap_add',
        'device_cgroup_rules',
        'security_opt',
        'read_only',
        'tmpfs',
        'network_mode',
        'environment',
        'volumes',
        'ports',
      ]) {
        expect(online.services[service]?.[key], `${service}.${key}`).toEqual(offline.services[service]?.[key]);
      }
    }
    // Upstream images are pinned, never "latest" or untagged.
    for (const [name, s] of Object.entries(online.services)) {
      if (typeof s.image === 'string' && !s.image.startsWith('${')) expect(s.image, name).toMatch(/^[\w./-]+:\d[\w.-]*$/);
    }
  });

  it('answers: Temporal (frontend and Web UI) and the REST API, with the worker polling', async () => {
    console.log(`compose up took ${upSecs.toFixed(1)} s`);
    // compose.sh up waited already; this bounds what the test itself relies on.
    await answers(`${stack.api}/health`, (j) => j.status === 'ok', 60_000);
    const health = await stack.getJson('/health');
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ status: 'ok', temporal: { address: 'temporal:7233' } });
    // Published beyond its container's loopback, it serves with tokens only (compose.sh made the file).
    expect((await fetch(`${stack.api}/runs`)).status).toBe(401);
    await answers200(`http://127.0.0.1:${stack.ports.ui}/`, 30_000);
    // The compose worker polls the task queue (the CLI's --detach below starts no worker of its own).
    const connection = await Connection.connect({ address: `127.0.0.1:${stack.ports.temporal}` });
    try {
      await until(
        async () => {
          const res = await connection.workflowService.describeTaskQueue({
            namespace: 'default',
            taskQueue: { name: TASK_QUEUE },
            taskQueueType: 1,
          });
          return (res.pollers ?? []).length > 0;
        },
        60_000,
        'the compose worker to poll',
      );
    } finally {
      await connection.close();
    }
    const names = (await docker.listContainers({ filters: { label: [`com.docker.compose.project=${stack.project}`] } })).map(
      (c) => c.Labels['com.docker.compose.service'],
    );
    expect(names.sort()).toEqual(['server', 'temporal', 'worker']);
  });

  it('least privilege: the REST server runs as a non-root uid with no capabilities; the worker has only the four it uses', async () => {
    const container = async (service: string) => {
      const [c] = await docker.listContainers({
        filters: { label: [`com.docker.compose.project=${stack.project}`, `com.docker.compose.service=${service}`] },
      });
      return docker.getContainer(c!.Id);
    };
    const server = await container('server');
    const uid = (await run('docker', ['exec', server.id, 'id', '-u'])).stdout.trim();
    expect(uid).toBe('10001');
    // The server's own processes (tini and node under it), not only what exec starts.
    const status = (await run('docker', ['exec', server.id, 'sh', '-c', 'grep -h ^Uid: /proc/[0-9]*/status | sort -u'])).stdout
      .trim()
      .split('\n');
    expect(status).toEqual(['Uid:\t10001\t10001\t10001\t10001']);
    const s = await server.inspect();
    expect(s.Config.User).toBe('10001:10001');
    expect(s.HostConfig.CapDrop).toEqual(['ALL']);
    expect(s.HostConfig.CapAdd ?? []).toEqual([]);
    expect(s.HostConfig.ReadonlyRootfs).toBe(true);
    expect(s.HostConfig.SecurityOpt).toContain('no-new-privileges:true');
    const capEff = (await run('docker', ['exec', server.id, 'sh', '-c', 'grep ^CapEff: /proc/1/status'])).stdout.trim();
    expect(capEff).toBe('CapEff:\t0000000000000000');

    const w = await (await container('worker')).inspect();
    expect(w.HostConfig.CapDrop).toEqual(['ALL']);
    expect(((w.HostConfig.CapAdd ?? []) as string[]).map((c) => c.replace(/^CAP_/, '')).sort()).toEqual([
      'CHOWN',
      'DAC_OVERRIDE',
      'NET_ADMIN',
      'SYS_ADMIN',
    ]);
    expect(w.HostConfig.Privileged).toBe(false);
    expect(w.HostConfig.SecurityOpt).toContain('no-new-privileges:true');
    // iptables answers with those (the firewall's chain is made per LLM run; this only reads).
    await run('docker', ['exec', w.Id, 'iptables', '-S', 'INPUT']);
  });

  it('runs a dummy group started by `mlebench run --detach` on the compose worker, graded, in the runs folder', async () => {
    const cliEnv = {
      ...stack.env,
      TEMPORAL_ADDRESS: `127.0.0.1:${stack.ports.temporal}`,
      MLEBENCH_HOME: path.join(stack.root, 'cli-home'),
      MLEBENCH_LOG_LEVEL: 'warn',
    };
    const { stdout } = await run(
      'node',
      [MLEBENCH_BIN, 'run', '--agent', 'dummy', '--competitions', 'spam-assassin', '--seeds', '2', '--detach', '--json'],
      {
        env: cliEnv,
        cwd: REPO_ROOT,
        timeout: 60_000,
      },
    );
    const id = (JSON.parse(stdout) as { run_group_id: string }).run_group_id;
    expect(id).toMatch(/^dummy-/);

    const last = await stack.groupEnded(id);
    expect(last).toMatchObject({ run_id: id, status: 'completed', progress: { total: 2, done: 2 } });

    const summary = (await stack.getJson(`/v2/runs/${encodeURIComponent(id)}/summary`)).json;
    const groupDir = summary.run_group_dir as string;
    expect(groupDir.startsWith(stack.runsDir + path.sep)).toBe(true);
    const reports = (
      summary.grading_report as { competition_reports: { competition_id: string; score: number | null; valid_submission: boolean }[] }
    ).competition_reports;
    expect(reports).toHaveLength(2);
    for (const r of reports) {
      expect(r).toMatchObject({ competition_id: 'spam-assassin', valid_submission: true });
      expect(typeof r.score).toBe('number');
    }

    // On the host, at the host's path: what the worker container wrote.
    for (const seed of [1, 2]) {
      const runDir = path.join(groupDir, `spam-assassin_seed-${seed}`);
      expect(existsSync(path.join(runDir, 'submission', 'submission.csv'))).toBe(true);
      expect(JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8'))).toMatchObject({ outcome: 'succeeded' });
      // The scratch space was a loop-mounted filesystem (the fallback writes a warning here), and it is gone.
      const copyLog = path.join(runDir, 'logs', 'copy-out.log');
      if (existsSync(copyLog)) expect(readFileSync(copyLog, 'utf8')).not.toMatch(/^warning:/m);
      expect(existsSync(path.join(runDir, '.scratch.img'))).toBe(false);
    }
    expect(existsSync(path.join(groupDir, 'grading_report.json'))).toBe(true);
    expect((await listScratchMounts()).filter((m) => m.startsWith(stack.root))).toEqual([]);
    expect((await labelled(`mlebench.group=${id}`)).containers).toEqual([]);
  }, 420_000);

  it('down removes the project: containers, networks, volumes', async () => {
    await stack.compose(['down', '-v']);
    expect(await projectLeftovers(stack.project)).toEqual({ containers: [], networks: [], volumes: [] });
    const networks = (await docker.listNetworks()).map((n) => n.Name).filter((n) => n.startsWith(stack.project));
    expect(networks).toEqual([]);
  }, 180_000);
});
