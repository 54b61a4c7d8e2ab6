/** The agents registry: ids and variants, content-addressed image tags, and bad configs rejected with file, field and reason. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentConfigError, UnknownAgentError, listAgents, resolveAgent } from '../../core/agents';
import { agentImageTag, baseImageTag } from '../../core/sandbox/imageTags';

describe('the repository agents', () => {
  it('lists every agent with its variants', async () => {
    const ids = (await listAgents()).map((a) => a.id);
    expect(ids).toEqual(expect.arrayContaining(['baseline', 'dummy', 'dummy/fail', 'dummy/slow']));
    expect(ids).toEqual([...ids].sort());
  });

  it('resolves a variant: its env merged over the default, one image for all variants', async () => {
    const dummy = await resolveAgent('dummy');
    const slow = await resolveAgent('dummy/slow');
    const fail = await resolveAgent('dummy/fail');
    expect(dummy).toMatchObject({ id: 'dummy', name: 'dummy', variant: 'default', env: {}, readOnlyRootfs: true });
    expect(slow).toMatchObject({ id: 'dummy/slow', name: 'dummy', variant: 'slow', env: { DUMMY_SLEEP_SECS: '3600' } });
    expect(fail.env).toEqual({ DUMMY_FAIL_SEEDS: '2' });
    expect(slow.image).toBe(dummy.image);
    expect(dummy.image).toMatch(/^mlebench-agent-dummy:[0-9a-f]{12}$/);
    expect(baseImageTag()).toMatch(/^mlebench-base:[0-9a-f]{12}$/);
  });

  it('rejects an unknown id with UnknownAgentError listing the known ids', async () => {
    for (const id of ['nope', 'dummy/nope', 'dummy/default', 'dummy/slow/x', '', '../dummy']) {
      const err = await resolveAgent(id).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, id).toBeInstanceOf(UnknownAgentError);
      expect((err as Error).name).toBe('UnknownAgentError');
      expect((err as Error).message).toContain('dummy/slow');
    }
  });
});

describe('agent configs', () => {
  let dir: string;
  const agent = (name: string, config: string, files: Record<string, string> = { Dockerfile: 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n' }) => {
    mkdirSync(path.join(dir, name), { recursive: true });
    writeFileSync(path.join(dir, name, 'config.yaml'), config);
    for (const [f, body] of Object.entries(files)) writeFileSync(path.join(dir, name, f), body);
  };
  const rejection = async (id: string) => {
    const err = await resolveAgent(id, { agentsDir: dir }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AgentConfigError);
    return (err as Error).message;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'agents-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads variants, command and env (YAML numbers become strings)', async () => {
    agent(
      'tool',
      'description: a tool\ncommand: [python3, /opt/x.py]\nenv: { A: 1, B: x }\nvariants:\n  fast:\n    env: { A: 2, C: true }\n',
    );
    const specs = await listAgents({ agentsDir: dir });
    expect(specs.map((s) => s.id)).toEqual(['tool', 'tool/fast']);
    expect(specs[0]).toMatchObject({ command: ['python3', '/opt/x.py'], env: { A: '1', B: 'x' } });
    expect(specs[1]).toMatchObject({ description: 'a tool', env: { A: '2', B: 'x', C: 'true' } });
  });

  it('reads the GPUs an agent asks for, per variant (none by default)', async () => {
    agent('trainer', 'description: trains\ngpus: 2\nvariants:\n  cpu:\n    gpus: 0\n  big:\n    gpus: 4\n  same: {}\n');
    agent('plain', 'description: no GPU\n');
    const gpus = Object.fromEntries((await listAgents({ agentsDir: dir })).map((s) => [s.id, s.gpus]));
    expect(gpus).toEqual({ plain: undefined, trainer: 2, 'trainer/big': 4, 'trainer/cpu': undefined, 'trainer/same': 2 });
    agent('halfgpu', 'description: x\ngpus: 0.5\n');
    expect(await rejection('halfgpu')).toMatch(/halfgpu\/config\.yaml: gpus: a whole number of GPUs/);
  });

  it('names the file, the field and the reason', async () => {
    agent('reserved', 'description: x\nvariants:\n  v:\n    env: { SEED: "3" }\n');
    const file = path.join(dir, 'reserved', 'config.yaml');
    expect(await rejection('reserved')).toBe(`${file}: variants.v.env.SEED: SEED is set by the harness and cannot be overridden`);

    agent('typo', 'description: x\nenvv: {}\n');
    expect(await rejection('typo')).toMatch(/typo\/config\.yaml: \(top level\): Unrecognized key: "envv"/);

    agent('nodesc', 'env: {}\n');
    expect(await rejection('nodesc')).toMatch(/nodesc\/config\.yaml: description: a description is required/);

    agent('badcmd', 'description: x\ncommand: python3 start.py\n');
    expect(await rejection('badcmd')).toMatch(/badcmd\/config\.yaml: command: a list of strings/);

    agent('badvariant', 'description: x\nvariants:\n  Fast!: {}\n');
    expect(await rejection('badvariant')).toMatch(/badvariant\/config\.yaml: variants\.Fast!: a variant name/);

    agent('badenv', 'description: x\nenv:\n  not-a-name: 1\n  OK: [1]\n');
    const badenv = await rejection('badenv');
    expect(badenv).toMatch(/env\.not-a-name: an environment variable name/);
    expect(badenv).toMatch(/env\.OK: a string, number or boolean/);

    agent('yaml', 'description: [unclosed\n');
    expect(await rejection('yaml')).toMatch(/yaml\/config\.yaml: not valid YAML/);

    agent('nodockerfile', 'description: x\n', {});
    expect(await rejection('nodockerfile')).toMatch(/nodockerfile\/Dockerfile: missing/);

    // One broken agent does not hide the others, but listing them all reports it.
    agent('good', 'description: fine\n');
    expect((await resolveAgent('good', { agentsDir: dir })).id).toBe('good');
    await expect(listAgents({ agentsDir: dir })).rejects.toBeInstanceOf(AgentConfigError);
    await expect(resolveAgent('missing', { agentsDir: dir })).rejects.toThrow(/known agents: good$/);
  });

  it('rejects a folder name that cannot name a Docker image', async () => {
    agent('Upper', 'description: x\n');
    await expect(listAgents({ agentsDir: dir })).rejects.toThrow(/Upper\/config\.yaml: the folder name "Upper" is not a valid agent name/);
  });

  it('tags images by content: build files and base image count, config.yaml does not', async () => {
    agent('tool', 'description: one\n', { Dockerfile: 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n', 'start.sh': 'echo 1\n' });
    const tagOf = async () => (await resolveAgent('tool', { agentsDir: dir, baseImage: 'mlebench-base:aaaaaaaaaaaa' })).image;
    const first = await tagOf();
    expect(first).toBe(agentImageTag('tool', path.join(dir, 'tool'), 'mlebench-base:aaaaaaaaaaaa'));
    expect(await tagOf()).toBe(first);

    writeFileSync(path.join(dir, 'tool', 'config.yaml'), 'description: two\n');
    expect(await tagOf()).toBe(first);

    writeFileSync(path.join(dir, 'tool', 'start.sh'), 'echo 2\n');
    const second = await tagOf();
    expect(second).not.toBe(first);
    expect((await resolveAgent('tool', { agentsDir: dir, baseImage: 'mlebench-base:bbbbbbbbbbbb' })).image).not.toBe(second);
  });
});
