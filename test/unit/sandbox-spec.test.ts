/** The agent container's specification, without Docker: name, env, labels, mounts, limits. */
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../core/agents/types';
import {
  INIT_SOURCE,
  agentCommand,
  containerCreateOptions,
  containerName,
  defaultSandboxLimits,
  parseBytes,
} from '../../core/sandbox/spec';
import type { AgentContainerRequest } from '../../core/sandbox/types';
import { TIMEOUTS } from '../../temporal/contract';

const agent: AgentSpec = {
  id: 'dummy/slow',
  name: 'dummy',
  variant: 'slow',
  description: 'x',
  image: 'mlebench-agent-dummy:000000000000',
  dir: '/repo/agents/dummy',
  env: { DUMMY_SLEEP_SECS: '5' },
  readOnlyRootfs: true,
};

const req: AgentContainerRequest = {
  runId: 'run-group-2024/sotu-authorship/seed-1',
  groupId: 'run-group-2024',
  agent,
  competitionId: 'sotu-authorship',
  seed: 1,
  timeLimitSecs: 60,
  publicDataDir: '/data/sotu-authorship/prepared/public',
  runDir: '/runs/g/sotu-authorship_seed-1',
};

describe('containerName', () => {
  it('is stable, valid for Docker, readable, and distinct for ids that sanitise alike', () => {
    const name = containerName(req.runId);
    expect(name).toBe(containerName(req.runId));
    expect(name).toMatch(/^mlebench-run-group-2024-sotu-authorship-seed-1-[0-9a-f]{8}$/);
    expect(containerName('a/b')).not.toBe(containerName('a-b'));
    for (const id of ['/', '---', 'é'.repeat(300), 'x'.repeat(500)]) {
      expect(containerName(id)).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,200}$/);
    }
  });
});

describe('containerCreateOptions', () => {
  const limits = defaultSandboxLimits({});
  const image = { entrypoint: ['/usr/bin/tini', '--'], cmd: ['bash', '/opt/agent/start.sh'] };
  const spec = containerCreateOptions(req, { instructionsFile: '/repo/agents/instructions.txt', limits, image });

  it('passes only the contract env and the variant env, never the host env', () => {
    expect(spec.Env?.sort()).toEqual(['COMPETITION_ID=sotu-authorship', 'DUMMY_SLEEP_SECS=5', 'SEED=1', 'TIME_LIMIT_SECS=60']);
  });

  it('labels the container with the run, group, competition, agent, seed and its deadline (time limit + the step’s grace)', () => {
    expect(spec.Labels).toEqual({
      'mlebench.group': 'run-group-2024',
      'mlebench.run': req.runId,
      'mlebench.competition': 'sotu-authorship',
      'mlebench.agent': 'dummy/slow',
      'mlebench.seed': '1',
      'mlebench.deadline-secs': String(60 + TIMEOUTS.agentGraceSecs),
    });
  });

  it('labels a retry’s container with its attempt, and a host queue’s with its host', () => {
    expect(
      containerCreateOptions({ ...req, attempt: 2, host: 'gpu-1' }, { instructionsFile: '/repo/agents/instructions.txt', limits, image })
        .Labels,
    ).toMatchObject({
      'mlebench.attempt': '2',
      'mlebench.host': 'gpu-1',
    });
  });

  it('sandboxes: no network, uid 1000, no capabilities, read-only root, limits', () => {
    expect(spec.User).toBe('1000:1000');
    expect(spec.HostConfig).toMatchObject({
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      PidsLimit: 1024,
      Memory: 4 * 1024 ** 3,
      MemorySwap: 4 * 1024 ** 3,
    });
    expect(Object.keys(spec.HostConfig?.Tmpfs ?? {}).sort()).toEqual(['/home/agent', '/tmp']);
    expect(spec.HostConfig?.Binds).toBeUndefined();
  });

  it('mounts the public data and instructions read-only, the three run folders (in the run’s scratch space) writable, nothing else', () => {
    const mounts = (spec.HostConfig?.Mounts ?? []).map((m) => [m.Source, m.Target, m.ReadOnly]);
    expect(mounts).toEqual([
      ['/data/sotu-authorship/prepared/public', '/home/data', true],
      ['/runs/g/sotu-authorship_seed-1/.scratch/submission', '/home/submission', false],
      ['/runs/g/sotu-authorship_seed-1/.scratch/code', '/home/code', false],
      ['/runs/g/sotu-authorship_seed-1/.scratch/logs', '/home/logs', false],
      ['/repo/agents/instructions.txt', '/home/instructions.txt', true],
    ]);
  });

  it('uses the variant command when it has one, and a writable root when the agent asks', () => {
    const custom = containerCreateOptions(
      { ...req, agent: { ...agent, command: ['sh', '-c', 'true'], readOnlyRootfs: false } },
      { instructionsFile: '/i', limits, image },
    );
    expect(custom.Cmd).toEqual(['sh', '-c', 'true']);
    expect(custom.HostConfig?.ReadonlyRootfs).toBe(false);
    expect(Object.keys(custom.HostConfig?.Tmpfs ?? {})).toEqual(['/tmp']);
    expect(spec.Cmd).toEqual(['bash', '/opt/agent/start.sh']);
  });

  it('gives the container exactly the GPUs reserved for its run, and none otherwise', () => {
    expect(spec.HostConfig).not.toHaveProperty('DeviceRequests');
    const withGpus = containerCreateOptions({ ...req, gpus: ['1', '3'] }, { instructionsFile: '/i.txt', limits, image });
    expect(withGpus.HostConfig?.DeviceRequests).toEqual([
      { Driver: '', Count: 0, DeviceIDs: ['1', '3'], Capabilities: [['gpu']], Options: {} },
    ]);
    expect(containerCreateOptions({ ...req, gpus: [] }, { instructionsFile: '/i.txt', limits, image }).HostConfig).not.toHaveProperty(
      'DeviceRequests',
    );
  });

  it('runs the command under init.ts as PID 1, in place of tini, with the time limit plus the grace as its deadline', () => {
    expect(spec.Entrypoint).toEqual(['python3', '-I', '-c', INIT_SOURCE, String(60 + limits.deadlineGraceSecs), '10', '--']);
    expect(INIT_SOURCE).toContain('PR_SET_DUMPABLE');
    const cmd = (entrypoint: string[] | null, c: string[] | null, command?: string[]) =>
      agentCommand({ ...req, agent: { ...agent, command } }, { entrypoint, cmd: c });
    expect(cmd(['/usr/bin/tini', '--', '/entry.sh'], ['run'])).toEqual(['/entry.sh', 'run']);
    expect(cmd(['tini', '/entry.sh'], null, ['x'])).toEqual(['/entry.sh', 'x']);
    expect(cmd(['/entry.sh'], ['run'])).toEqual(['/entry.sh', 'run']);
    expect(cmd(null, ['python3', 'a.py'])).toEqual(['python3', 'a.py']);
    expect(() => cmd(null, null)).toThrow(/neither an entrypoint nor a command/);
  });
});

describe('limits', () => {
  it('parses sizes and reads the machine overrides', () => {
    expect(parseBytes('4g')).toBe(4 * 1024 ** 3);
    expect(parseBytes('512MiB')).toBe(512 * 1024 ** 2);
    expect(parseBytes('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseBytes('1000')).toBe(1000);
    expect(() => parseBytes('lots')).toThrow(/not a size: "lots"/);
    const l = defaultSandboxLimits({
      MLEBENCH_AGENT_MEMORY: '8g',
      MLEBENCH_AGENT_CPUS: '1.5',
      MLEBENCH_AGENT_PIDS: '256',
      MLEBENCH_AGENT_DISK: '5g',
      MLEBENCH_AGENT_FILES: '5000',
    });
    expect(l).toMatchObject({ memoryBytes: 8 * 1024 ** 3, nanoCpus: 1.5e9, pidsLimit: 256, diskBytes: 5 * 1024 ** 3, files: 5000 });
    expect(defaultSandboxLimits({})).toMatchObject({ diskBytes: 20 * 1024 ** 3, files: 200_000 });
    expect(() => defaultSandboxLimits({ MLEBENCH_AGENT_FILES: '10' })).toThrow(/MLEBENCH_AGENT_FILES/);
    expect(() => defaultSandboxLimits({ MLEBENCH_AGENT_CPUS: '-1' })).toThrow(/MLEBENCH_AGENT_CPUS/);
    expect(defaultSandboxLimits({})).toMatchObject({ logBytes: 64 * 1024 ** 2, deadlineGraceSecs: 60 });
    expect(defaultSandboxLimits({ MLEBENCH_AGENT_LOG_MAX: '8m', MLEBENCH_AGENT_DEADLINE_GRACE: '5' })).toMatchObject({
      logBytes: 8 * 1024 ** 2,
      deadlineGraceSecs: 5,
    });
    expect(() => defaultSandboxLimits({ MLEBENCH_AGENT_LOG_MAX: 'lots' })).toThrow(/MLEBENCH_AGENT_LOG_MAX: not a size/);
    expect(() => defaultSandboxLimits({ MLEBENCH_AGENT_DEADLINE_GRACE: 'soon' })).toThrow(/MLEBENCH_AGENT_DEADLINE_GRACE/);
  });
});
