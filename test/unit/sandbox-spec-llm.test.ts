/**
 * The container spec of an LLM agent (its run's network, the gateway's token and URL) and of any
 * other agent (no network at all, no OPENAI_* even when the host has them), and STEP_LIMIT.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../core/agents/types';
import { containerCreateOptions, containerEnv, defaultSandboxLimits } from '../../core/sandbox/spec';
import type { AgentContainerRequest } from '../../core/sandbox/types';

const agent: AgentSpec = {
  id: 'aide/dev',
  name: 'aide',
  variant: 'dev',
  description: 'x',
  image: 'mlebench-agent-aide:000000000000',
  dir: '/repo/agents/aide',
  env: { AIDE_MODEL: 'gateway-gpt-4o-mini' },
  readOnlyRootfs: true,
  llm: true,
};

const req: AgentContainerRequest = {
  runId: 'g/spaceship-titanic/seed-1',
  groupId: 'g',
  agent,
  competitionId: 'spaceship-titanic',
  seed: 1,
  timeLimitSecs: 600,
  publicDataDir: '/data/spaceship-titanic/prepared/public',
  runDir: '/runs/g/spaceship-titanic_seed-1',
};

const llm = {
  networkName: 'mlebench-llm-g-spaceship-titanic-seed-1-0123abcd',
  env: { OPENAI_API_KEY: 'mlb-run-token', OPENAI_BASE_URL: 'http://172.30.0.1:41234/v1' },
};

const spec = (r: AgentContainerRequest) =>
  containerCreateOptions(r, {
    instructionsFile: '/repo/agents/instructions.txt',
    limits: defaultSandboxLimits({}),
    image: { entrypoint: ['/usr/bin/tini', '--'], cmd: ['python3', '/opt/agent/agent.py'] },
  });
const envMap = (env: string[] | undefined) =>
  Object.fromEntries((env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));

describe('an LLM agent’s container', () => {
  const s = spec({ ...req, llm });

  it('joins its run’s network, with networking enabled', () => {
    expect(s.NetworkDisabled).toBe(false);
    expect(s.HostConfig?.NetworkMode).toBe(llm.networkName);
  });

  it('has a DNS that forwards nowhere: the container’s own loopback, no search domains, one short try (test/hostile/dns.test.ts proves it)', () => {
    expect(s.HostConfig).toMatchObject({ Dns: ['127.0.0.1'], DnsSearch: ['.'], DnsOptions: ['timeout:1', 'attempts:1'] });
    expect(spec(req).HostConfig?.Dns).toBeUndefined(); // no network at all: nothing to resolve with
  });

  it('gets the gateway’s token and URL, and the contract env', () => {
    expect(envMap(s.Env)).toEqual({
      AIDE_MODEL: 'gateway-gpt-4o-mini',
      COMPETITION_ID: 'spaceship-titanic',
      TIME_LIMIT_SECS: '600',
      SEED: '1',
      OPENAI_API_KEY: 'mlb-run-token',
      OPENAI_BASE_URL: 'http://172.30.0.1:41234/v1',
    });
  });

  it('is sandboxed like any other: no capabilities, no new privileges, read-only root', () => {
    expect(s.HostConfig).toMatchObject({ CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], ReadonlyRootfs: true });
    expect(s.HostConfig?.Binds).toBeUndefined();
    expect(s.HostConfig?.PortBindings).toBeUndefined();
  });
});

describe('a container without LLM access', () => {
  const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
  beforeEach(() => {
    process.env.OPENAI_API_KEY = 'sk-host-key-never-in-a-container';
    process.env.OPENAI_BASE_URL = 'https://api.example.com/v1';
  });
  afterEach(() => {
    for (const [k, v] of [
      ['OPENAI_API_KEY', saved.key],
      ['OPENAI_BASE_URL', saved.url],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('has no network and no OPENAI_* env, even when the host has OPENAI_API_KEY set', () => {
    for (const a of [agent, { ...agent, llm: undefined }]) {
      const s = spec({ ...req, agent: a });
      expect(s.NetworkDisabled).toBe(true);
      expect(s.HostConfig?.NetworkMode).toBe('none');
      expect(s.Env?.filter((e) => e.startsWith('OPENAI_'))).toEqual([]);
      expect(s.Env?.join('\n')).not.toContain('sk-host-key');
    }
  });
});

describe('STEP_LIMIT', () => {
  it('is the run’s stepLimit when it has one, and absent otherwise', () => {
    expect(envMap(containerEnv({ ...req, stepLimit: 25 })).STEP_LIMIT).toBe('25');
    expect(containerEnv(req).some((e) => e.startsWith('STEP_LIMIT='))).toBe(false);
    expect(envMap(spec({ ...req, stepLimit: 7, llm }).Env).STEP_LIMIT).toBe('7');
  });

  it('goes with TECHNIQUE_TASK and the LLM env, each variable once', () => {
    const env = containerEnv({ ...req, stepLimit: 3, techniqueTask: 'imbalance', llm });
    const names = env.map((e) => e.slice(0, e.indexOf('=')));
    expect(new Set(names).size).toBe(names.length);
    expect(envMap(env)).toMatchObject({ STEP_LIMIT: '3', TECHNIQUE_TASK: 'imbalance', OPENAI_API_KEY: 'mlb-run-token' });
  });

  it('overrides what an agent env says (the config loader rejects it; the spec does not trust it either)', () => {
    const env = envMap(
      containerEnv({ ...req, agent: { ...agent, env: { STEP_LIMIT: '999', OPENAI_API_KEY: 'agent-set' } }, stepLimit: 4, llm }),
    );
    expect(env.STEP_LIMIT).toBe('4');
    expect(env.OPENAI_API_KEY).toBe('mlb-run-token');
  });
});
