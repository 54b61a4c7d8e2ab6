/**
 * A hostile agent against the real sandbox: one image (test/hostile/images/hostile/, built here
 * from the base image with the project's image builder), whose HOSTILE variable chooses the
 * attack. Each test runs it through runAgentContainer and, where it matters, grades what it
 * left and decides the outcome as the workflow does.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradeSubmission } from '../../core/grading';
import { decideOutcome } from '../../core/runs/outcome';
import { listScratchMounts, runAgentContainer, type AgentContainerRequest } from '../../core/sandbox';
import { COMPETITION, MIB, fact, factsOf, hostileSuite, type HostileRun, type HostileSuite } from './setup';

const suite = hostileSuite('walls');
const runHostile: HostileSuite['runHostile'] = (...args) => suite.runHostile(...args);
/** Host secrets the container must never see, wherever it looks. */
const SECRETS = {
  OPENAI_API_KEY: `sk-hostile-${Math.random().toString(36).slice(2)}`,
  AWS_SECRET_ACCESS_KEY: `aws-hostile-${Math.random().toString(36).slice(2)}`,
  MLEBENCH_TEST_TOKEN: `token-hostile-${Math.random().toString(36).slice(2)}`,
};

beforeAll(() => {
  Object.assign(process.env, SECRETS);
});

afterAll(() => {
  for (const k of Object.keys(SECRETS)) delete process.env[k];
});

describe('a hostile agent probing its walls', () => {
  let probe: HostileRun;
  beforeAll(async () => {
    const started = Date.now();
    probe = await runHostile('probe', 'probe');
    console.log(`probe run: ${Date.now() - started} ms`);
    expect(probe.result.exitCode, probe.agentLog.slice(-3000)).toBe(0);
  }, 120_000);

  it('cannot read the answers, the Docker socket, or the host’s environment and secrets', () => {
    const loot = readFileSync(path.join(probe.req.runDir, 'logs', 'loot.txt'), 'utf8');
    const paths = readFileSync(path.join(probe.req.runDir, 'logs', 'paths.txt'), 'utf8');
    // The loot is real: the container's env, its processes' environ and the mounted files are in it.
    expect(loot).toContain('COMPETITION_ID=hostile-labels');
    expect(loot).toMatch(/== \/proc\/\d+\/environ\n.*HOSTILE=probe/);
    // PID 1, the harness's clock (init.ts), is not dumpable: not even its environ is readable.
    expect(loot).toMatch(/== \/proc\/1\/environ\n<PermissionError: Permission denied>/);
    expect(loot).toContain('== /home/data/sample_submission.csv');
    expect(paths.split('\n').length).toBeGreaterThan(10_000);

    // Secrets: not in its environment, any process's environ, any file it can read, nor Docker's record.
    const inspectText = JSON.stringify(probe.inspected);
    expect(probe.inspected?.Config.Env.length).toBeGreaterThan(0);
    for (const secret of Object.values(SECRETS)) {
      expect(loot).not.toContain(secret);
      expect(probe.agentLog).not.toContain(secret);
      expect(inspectText).not.toContain(secret);
    }
    expect(probe.inspected?.Config.Env.some((e) => /^(OPENAI|AWS|MLEBENCH)_/.test(e))).toBe(false);

    // The answers: not among its files (the whole tree), its mounts or anything it read.
    const answerRows = readFileSync(suite.prepared().answersPath, 'utf8').split('\n').slice(1, 4).join('\n');
    expect(answerRows.length).toBeGreaterThan(10);
    expect(loot).not.toContain(answerRows);
    const lines = paths.split('\n');
    // The image's own (openssl's ssl/private) aside, no private folder, no answers file, no host path of the competition.
    expect(lines.filter((p) => /(^|\/)private(\/|$)/.test(p) && !/^\/(etc|usr\/lib)\/ssl\/private$/.test(p))).toEqual([]);
    expect(lines.filter((p) => /answers/i.test(path.basename(p)))).toEqual([]);
    expect(paths).not.toContain(suite.dirs().dataDir);
    const mounts = fact<[string, string, string][]>(probe, 'mounts');
    expect(mounts.map(([, root]) => root).filter((r) => r.includes(suite.prepared().privateDir))).toEqual([]);
    expect(mounts.map(([point]) => point)).toContain('/home/data');

    // The Docker socket: nowhere, nor any other socket.
    expect(fact(probe, 'docker_sock')).toEqual([]);
    expect(fact(probe, 'sockets')).toEqual([]);
    expect(paths).not.toContain('docker.sock');
  });

  it('has no network: only lo, no routes', () => {
    expect(fact(probe, 'net_dev')).toEqual(['lo']);
    expect(fact(probe, 'net_route')).toEqual([]);
    for (const l of fact<string[]>(probe, 'net_if_inet6')) expect(l).toMatch(/\slo$/);
    expect(fact(probe, 'net_ipv6_route')).toEqual([]);
  });

  it('runs as uid 1000 with no new privileges, no capabilities, a read-only root', () => {
    expect(fact(probe, 'ids')).toEqual({ uid: 1000, euid: 1000, gid: 1000 });
    // The setuid-root binaries are really there, and cannot raise the uid.
    expect(fact(probe, 'suid_binary')).toEqual({ path: '/usr/local/bin/suid-id', setuid: true, owner: 0 });
    expect(fact(probe, 'suid_id_euid')).toBe('1000');
    expect(fact(probe, 'suid_python_euid')).toBe('1000');
    const status = fact<Record<string, string>>(probe, 'status');
    expect(status).toMatchObject({
      NoNewPrivs: '1',
      CapInh: '0000000000000000',
      CapPrm: '0000000000000000',
      CapEff: '0000000000000000',
      CapBnd: '0000000000000000',
      CapAmb: '0000000000000000',
    });
    for (const w of factsOf<{ path: string; result: string }>(probe, 'rootfs_write'))
      expect(w.result, w.path).toBe('Read-only file system');
    expect(factsOf(probe, 'rootfs_write')).toHaveLength(3);
  });
});

describe('a hostile agent against its limits', () => {
  it('a fork bomb is held by the pids limit; the host keeps forking; the run is agent_failed', async () => {
    let hostForks = 0;
    let hostForkFailures = 0;
    const watcher = setInterval(() => {
      if (spawnSync('true').status === 0) hostForks++;
      else hostForkFailures++;
    }, 250);
    const started = Date.now();
    const run = await runHostile('forkbomb', 'forkbomb', { limits: { pidsLimit: 64 } }).finally(() => clearInterval(watcher));
    const bomb = fact<{ processes: number; pids_max: string }>(run, 'forkbomb');
    console.log(
      `fork bomb: ${bomb.processes} processes seen (pids.max ${bomb.pids_max}), run ${Date.now() - started} ms, host forked ${hostForks} times meanwhile`,
    );
    expect(bomb.pids_max).toBe('64');
    expect(bomb.processes).toBeLessThanOrEqual(64);
    expect(bomb.processes).toBeGreaterThan(32); // it did bomb
    expect(hostForkFailures).toBe(0);
    expect(hostForks).toBeGreaterThan(5);
    expect(run.result).toMatchObject({ exitCode: 1, timedOut: false, oomKilled: false });
    expect(decideOutcome(run.result, null)).toEqual({ outcome: 'agent_failed', reason: 'the agent exited with code 1' });
  });

  it('an agent that eats memory is OOM-killed: agent_failed, reason oom', async () => {
    const run = await runHostile('oom', 'oom', { limits: { memoryBytes: 128 * MIB } });
    expect(run.result).toMatchObject({ oomKilled: true, timedOut: false });
    const decided = decideOutcome(run.result, null);
    expect(decided.outcome).toBe('agent_failed');
    expect(decided.reason).toMatch(/^oom: /);
  });

  it('MLEBENCH_AGENT_CPUS caps its CPU: the cgroup quota, and the CPU time two busy processes get', async () => {
    process.env.MLEBENCH_AGENT_CPUS = '0.5';
    let run: HostileRun;
    try {
      run = await runHostile('cpu', 'cpu');
    } finally {
      delete process.env.MLEBENCH_AGENT_CPUS;
    }
    expect(run.inspected?.HostConfig.NanoCpus).toBe(5e8);
    const quota = factsOf<{ file: string; value: string }>(run, 'cgroup').filter((c) => !c.value.startsWith('<'));
    const q = Object.fromEntries(quota.map((c) => [path.basename(c.file), c.value]));
    if (q['cpu.max']) expect(q['cpu.max']).toBe('50000 100000');
    else expect(Number(q['cpu.cfs_quota_us']) / Number(q['cpu.cfs_period_us'])).toBeCloseTo(0.5, 5);
    const used = fact<{ wall: number; cpu: number }>(run, 'cpu');
    console.log(
      `CPU cap 0.5: two busy processes got ${used.cpu.toFixed(2)} s of CPU in ${used.wall.toFixed(2)} s (uncapped: up to ${(2 * used.wall).toFixed(1)} s)`,
    );
    expect(used.cpu).toBeLessThan(0.5 * used.wall * 1.25 + 0.2);
    expect(used.cpu).toBeGreaterThan(0.5 * used.wall * 0.5);
  });

  it('writing 100 GB, or a flood of small files, into its folders or /tmp is stopped', async () => {
    const started = Date.now();
    const run = await runHostile('disk', 'disk', { limits: { diskBytes: 256 * MIB, files: 2000, tmpBytes: 64 * MIB } });
    console.log(`disk run: ${Date.now() - started} ms`);
    expect(run.result.exitCode, run.agentLog.slice(-2000)).toBe(0);
    const big = fact<{ written: number; error: string | null }>(run, 'big_write');
    expect(big.error).toBe('No space left on device');
    expect(big.written).toBeLessThanOrEqual(256 * MIB);
    const floods = factsOf<{ where: string; files: number; error: string | null }>(run, 'flood');
    expect(floods.map((f) => [f.where, f.error])).toEqual([
      ['/home/logs/flood', 'No space left on device'],
      ['/tmp/flood', 'No space left on device'],
    ]);
    for (const f of floods) expect(f.files).toBeLessThanOrEqual(2000 + 64); // a few inodes are the folders'
    const vfs = fact<{ bytes: number; files: number }>(run, 'statvfs');
    expect(vfs.files).toBeLessThanOrEqual(2048);
    expect(vfs.bytes).toBeLessThanOrEqual(256 * MIB);
    // What it left was copied out: the submission; the deleted big file and floods are gone.
    expect(readFileSync(path.join(run.req.runDir, 'submission', 'submission.csv'), 'utf8')).toBe('id\n');
    expect(existsSync(path.join(run.req.runDir, 'code', 'big.bin'))).toBe(false);
  });
});

describe('the scratch filesystem across a lost worker', () => {
  it('a re-attaching worker that finds the scratch filesystem unmounted (a reboot, a cleanup) remounts it and collects the agent’s later writes', async () => {
    const req: AgentContainerRequest = suite.request('remount', 'late', { limits: { diskBytes: 256 * MIB, files: 5000 } });
    const scratch = path.join(req.runDir, '.scratch');
    // The first worker starts the agent and goes away at its first progress report.
    const abort = new AbortController();
    const first = await runAgentContainer(req, { signal: abort.signal, onProgress: () => abort.abort() }).catch((e: unknown) => e);
    expect((first as Error).name).toBe('AbortError');
    expect(await listScratchMounts()).toContain(scratch);
    // The host loses the mount; the running container keeps its own.
    spawnSync('umount', ['-l', scratch]);
    expect(await listScratchMounts()).not.toContain(scratch);
    const started = Date.now();
    const result = await runAgentContainer(req);
    console.log(`re-attached and remounted: ${Date.now() - started} ms to the end of the run`);
    expect(result).toMatchObject({ exitCode: 0, reattached: true });
    expect(readFileSync(path.join(req.runDir, 'code', 'early.txt'), 'utf8')).toBe('before\n');
    expect(readFileSync(path.join(req.runDir, 'submission', 'submission.csv'), 'utf8')).toBe('id,label\n');
    expect(await listScratchMounts()).not.toContain(scratch);
    expect(existsSync(path.join(req.runDir, '.scratch.img'))).toBe(false);
  });
});

describe('a hostile agent against grading', () => {
  const grade = (run: HostileRun) =>
    gradeSubmission({
      ...suite.dirs(),
      competitionId: COMPETITION,
      submissionPath: path.join(run.req.runDir, 'submission', 'submission.csv'),
    });

  it('symlinks it plants (to /etc/passwd, to the answers on the host, to /) are never copied nor followed: invalid_submission', async () => {
    const run = await runHostile('symlinks', 'symlinks');
    expect(run.result.exitCode, run.agentLog.slice(-2000)).toBe(0);
    const planted = fact<{ answers_host_path: string }>(run, 'planted');
    expect(planted.answers_host_path).toBe(suite.prepared().answersPath); // it found the real host path
    const copy = (p: string) => path.join(run.req.runDir, p);
    for (const p of ['submission/submission.csv', 'code/passwd', 'code/answers.csv', 'code/root', 'code/fifo']) {
      expect(() => lstatSync(copy(p)), p).toThrow(/ENOENT/);
    }
    expect(readFileSync(copy('code/solution.py'), 'utf8')).toBe("print('hello')\n");
    expect(lstatSync(copy('code/suid.sh')).mode & 0o7777).toBe(0o755);
    // agent.log is the harness's file, not the agent's link.
    expect(lstatSync(copy('logs/agent.log')).isFile()).toBe(true);
    expect(readFileSync(copy('logs/agent.log'), 'utf8')).toContain('planted');
    expect(run.result.notCopied).toEqual(
      expect.arrayContaining([
        'submission/submission.csv: symbolic link to /etc/passwd, not followed',
        'code/passwd: symbolic link to /etc/passwd, not followed',
        `code/answers.csv: symbolic link to ${suite.prepared().answersPath}, not followed`,
        'code/root: symbolic link to /, not followed',
        'code/fifo: not a regular file',
        'logs/agent.log: symbolic link to /etc/passwd, not followed',
      ]),
    );
    expect(readFileSync(copy('logs/copy-out.log'), 'utf8')).toContain('code/answers.csv: symbolic link to');
    const report = await grade(run);
    expect(report.submission_exists).toBe(false);
    const decided = decideOutcome(run.result, report);
    expect(decided.outcome).toBe('invalid_submission');
    expect(decided.reason).toContain('submission/submission.csv: symbolic link to /etc/passwd, not followed');
  });

  it('a 2 GB submission is invalid_submission with the reason, and the worker’s memory stays bounded', async () => {
    const rss = () => process.memoryUsage().rss;
    let peak = rss();
    const sampler = setInterval(() => (peak = Math.max(peak, rss())), 20);
    try {
      const before = rss();
      const run = await runHostile('bigsub', 'bigsub', { limits: { diskBytes: 3 * 1024 * MIB } });
      expect(run.result.exitCode, run.agentLog.slice(-2000)).toBe(0);
      expect(fact(run, 'bigsub')).toBe(2048 * 52429 * 20);
      const copyPeak = peak - before;
      peak = rss();
      const gradeBefore = rss();
      const report = await grade(run);
      const gradePeak = Math.max(peak, rss()) - gradeBefore;
      console.log(
        `2 GB submission: worker RSS grew ${(copyPeak / MIB).toFixed(1)} MiB while copying it out, ${(gradePeak / MIB).toFixed(1)} MiB while grading it`,
      );
      expect(report).toMatchObject({ submission_exists: true, valid_submission: false });
      expect(report.error).toMatch(/over the limit/);
      expect(decideOutcome(run.result, report)).toEqual({ outcome: 'invalid_submission', reason: report.error });
      expect(copyPeak).toBeLessThan(200 * MIB);
      expect(gradePeak).toBeLessThan(200 * MIB);
      await fs.rm(run.req.runDir, { recursive: true, force: true });
    } finally {
      clearInterval(sampler);
    }
  });

  it('a binary-garbage submission is invalid_submission with the reason', async () => {
    const run = await runHostile('garbage', 'garbage');
    const report = await grade(run);
    expect(report).toMatchObject({ submission_exists: true, valid_submission: false });
    expect(report.error).toMatch(/UTF-8|CSV/);
    expect(decideOutcome(run.result, report)).toEqual({ outcome: 'invalid_submission', reason: report.error });
  });
});
