/**
 * Agents in MLE-bench's format: ids under their folder's prefix, kwargs on the command line as
 * MLE-bench passes them, `${{ secrets.OPENAI_API_KEY }}` as the run's gateway token, refusals
 * with the reason (privileged, other secrets), anchors and merge keys as aide's config uses them.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentConfigError, listAgents, resolveAgent, UnknownAgentError } from '../../core/agents';
import { listMlebenchAgents } from '../../core/agents/mlebench';
import { mlebenchAgentSources } from '../../core/agents/sources';
import { containerEnv } from '../../core/sandbox/spec';
import type { AgentContainerRequest } from '../../core/sandbox/types';

const FIXTURES = path.resolve(__dirname, '../fixtures/mlebench-agents');
const sources = [{ prefix: 'fixture', dir: FIXTURES }];
const opts = { mlebenchSources: sources, baseImage: 'mlebench-base:aaaaaaaaaaaa' };

const refusal = async (id: string) => {
  const err = await resolveAgent(id, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, id).toBeInstanceOf(AgentConfigError);
  return (err as Error).message;
};

describe('agents in MLE-bench format', () => {
  it('lists a folder’s agents under its prefix, beside ours, leaving out merge bases and refused ones', async () => {
    const ids = (await listAgents(opts)).map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining(['dummy', 'aide', 'fixture.probe', 'fixture.probe/argparse', 'fixture.probe/llm']));
    expect(ids.filter((id) => id.startsWith('fixture.'))).toHaveLength(3);
    expect(ids).not.toContain('fixture.defaults');
  });

  it('runs bash /home/agent/start.sh with omegaconf kwargs as key=value and argparse kwargs as --key value', async () => {
    const probe = await resolveAgent('fixture.probe', opts);
    expect(probe).toMatchObject({ name: 'fixture.probe', variant: 'default', readOnlyRootfs: true, dir: path.join(FIXTURES, 'probe') });
    // Python's str() of each value, as MLE-bench's agents/run.py formats them.
    expect(probe.command).toEqual([
      'bash',
      '/home/agent/start.sh',
      'agent.steps=3',
      'copy_data=False',
      'exp_name=probe run',
      'agent.temp=1.0',
      'agent.lr=1e-05',
    ]);
    expect(probe.env).toEqual({ PROBE_STEPS: '3' });
    expect(probe.mlebench).toMatchObject({ mlebenchId: 'probe', dockerfile: 'Dockerfile' });
    expect(probe.image).toMatch(/^mlebench-agent-fixture\.probe:[0-9a-f]{12}$/);
    expect(probe).not.toHaveProperty('llm');
    const argparse = await resolveAgent('fixture.probe/argparse', opts);
    expect(argparse).toMatchObject({ variant: 'argparse', command: ['bash', '/home/agent/start.sh', '--max-steps', '3'] });
    expect(argparse.image).toBe(probe.image);
  });

  it('gives ${{ secrets.OPENAI_API_KEY }} variables the run’s gateway token, with its gateway URL', async () => {
    const llm = await resolveAgent('fixture.probe/llm', opts);
    expect(llm.llm).toBe(true);
    expect(llm.env).toEqual({ PROBE_STEPS: '3' });
    expect(llm.mlebench?.tokenEnv).toEqual(['OPENAI_API_KEY', 'PROBE_KEY']);
    const req = {
      agent: llm,
      competitionId: 'c',
      timeLimitSecs: 60,
      seed: 0,
      llm: { networkName: 'n', env: { OPENAI_API_KEY: 'run-token-1', OPENAI_BASE_URL: 'http://10.0.0.1:4000/v1' } },
    } as unknown as AgentContainerRequest;
    const env = Object.fromEntries(containerEnv(req).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    expect(env).toMatchObject({ OPENAI_API_KEY: 'run-token-1', PROBE_KEY: 'run-token-1', OPENAI_BASE_URL: 'http://10.0.0.1:4000/v1' });
  });

  it('refuses privileged: true and any secret but OPENAI_API_KEY, with the reason, and says so for a listed-out id', async () => {
    expect(await refusal('fixture.probe/privileged')).toMatch(
      /probe\/privileged: privileged: true is refused: this harness never runs a privileged container/,
    );
    expect(await refusal('fixture.probe/anthropic')).toMatch(/env_vars\.ANTHROPIC_API_KEY: the secret ANTHROPIC_API_KEY is not given here/);
    const entries = await listMlebenchAgents(sources[0]!);
    expect(entries.find((e) => e.id === 'fixture.probe/privileged')).toHaveProperty('refused');
    await expect(resolveAgent('fixture.nothing', opts)).rejects.toBeInstanceOf(UnknownAgentError);
  });

  it('reads operator settings: MLEBENCH_REPO’s agents/ as mlebench.*, MLEBENCH_AGENT_DIRS as prefix=folder, and refuses a bad one', () => {
    expect(mlebenchAgentSources({ MLEBENCH_AGENT_DIRS: `fixture=${FIXTURES}` })).toEqual(sources);
    expect(() => mlebenchAgentSources({ MLEBENCH_AGENT_DIRS: 'relative=agents' })).toThrow(
      /MLEBENCH_AGENT_DIRS: "relative=agents": the folder must be an absolute path/,
    );
    expect(() => mlebenchAgentSources({ MLEBENCH_AGENT_DIRS: `a.b=${FIXTURES}` })).toThrow(/no dot/);
    expect(() => mlebenchAgentSources({ MLEBENCH_AGENT_DIRS: `x=${FIXTURES},x=${FIXTURES}` })).toThrow(/the prefix "x" is taken/);
  });
});
