/** The seed's `gitlink` in a REST payload: the run option `agentGit`, refused unless the server's operator allows it. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildServer } from '../../client/server/app';
import { Client } from '../../client/sdk';
import { harnessPaths } from '../../core/config';
import { makeTestRepo } from '../helpers/gitRepo';
import { PayloadError, payloadField, runOptionsOf } from '../../client/server/payload';
import { gitSettings } from '../../core/agents/gitSource';
import { parseRunOptions } from '../../core/options';

const paths = { dataDir: '/data' };
const body = { agent_id: 'copier', competitions: ['spambase'] };
const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof PayloadError) return err.issues;
    throw err;
  }
  throw new Error('no PayloadError');
};

describe('gitlink', () => {
  it('maps to agentGit, the same request as the CLI gives, its ref pinned when the run starts', () => {
    const git = gitSettings({ MLEBENCH_GIT_REST: '1', MLEBENCH_GIT_SCHEMES: 'https,file' });
    const options = runOptionsOf({ ...body, gitlink: 'git+file:///srv/agents#v1:agents/copier' }, paths, git);
    expect(options.agentGit).toEqual({ url: 'file:///srv/agents', ref: 'v1', subfolder: 'agents/copier' });
    expect(parseRunOptions(options).agentGit).toEqual(options.agentGit);
    // The seed's form without git+ and without a ref: the repository's HEAD.
    expect(runOptionsOf({ ...body, gitlink: 'https://example.invalid/a/agent.git' }, paths, git).agentGit).toEqual({
      url: 'https://example.invalid/a/agent.git',
      ref: 'HEAD',
    });
    expect(payloadField('agentGit')).toBe('gitlink');
  });

  it('is refused unless the operator allows agents from git over REST', () => {
    expect(issuesOf(() => runOptionsOf({ ...body, gitlink: 'https://example.invalid/a.git#main' }, paths, gitSettings({})))).toEqual([
      { field: 'gitlink', reason: expect.stringMatching(/does not run agents from git .*MLEBENCH_GIT_REST=1/) as unknown },
    ]);
  });

  it.each([
    ['a server path, file:// not allowed', 'file:///etc#main', /scheme file: is not allowed here/],
    ['an option as a ref', 'https://example.invalid/a.git#-oProxyCommand=x', /starts with "-"/],
    ['a subfolder leaving the repository', 'https://example.invalid/a.git#main:../..', /may not contain/],
  ])('refuses %s, naming gitlink', (_what, gitlink, reason) => {
    const issues = issuesOf(() => runOptionsOf({ ...body, gitlink }, paths, gitSettings({ MLEBENCH_GIT_REST: '1' })));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.field).toBe('gitlink');
    expect(issues[0]!.reason).toMatch(reason);
  });

  it('leaves a payload without gitlink as it was', () => {
    // The seed's defaults filled in (lite, one seed, one worker), no agentGit.
    expect(runOptionsOf(body, paths, gitSettings({}))).toEqual({
      agentId: 'copier',
      competitions: ['spambase'],
      lite: true,
      nSeeds: 1,
      maxParallel: 1,
      techniqueTasks: false,
    });
  });
});

describe('POST /v2/runs with a gitlink', () => {
  const post = async (payload: object, env: Record<string, string>) => {
    Object.assign(process.env, env);
    // No Temporal behind it: every answer here comes before a group would start.
    const app = await buildServer({ client: new Client({ address: '127.0.0.1:1', uiUrl: null }), paths: harnessPaths() });
    try {
      // Our richer views answer 400; the seed's POST /runs the same refusal as a 422.
      const res = await app.inject({ method: 'POST', url: '/v2/runs', payload });
      return { status: res.statusCode, body: res.json<{ error: { message: string; issues?: { field: string; reason: string }[] } }>() };
    } finally {
      await app.close();
      for (const key of Object.keys(env)) delete process.env[key];
    }
  };
  const payload = { agent_id: 'copier', competitions: ['sotu-authorship'] };

  it('answers 400 naming gitlink when the server does not take agents from git', async () => {
    const { status, body } = await post({ ...payload, gitlink: 'https://example.invalid/a.git#main' }, {});
    expect(status).toBe(400);
    expect(body.error.issues).toEqual([{ field: 'gitlink', reason: expect.stringContaining('MLEBENCH_GIT_REST=1') as unknown }]);
  });

  it('answers 400 naming gitlink for a ref the repository does not have, before anything starts', async () => {
    const repo = makeTestRepo(mkdtempSync(path.join(os.tmpdir(), 'gitlink-')));
    repo.commit({ 'README.md': 'x\n' });
    const { status, body } = await post(
      { ...payload, gitlink: `${repo.url}#no-such-tag:agents/copier` },
      { MLEBENCH_GIT_REST: '1', MLEBENCH_GIT_SCHEMES: 'file' },
    );
    rmSync(repo.dir, { recursive: true, force: true });
    expect(status).toBe(400);
    expect(body.error.issues).toEqual([
      { field: 'gitlink', reason: expect.stringMatching(/no branch, tag or ref "no-such-tag"/) as unknown },
    ]);
  });
});
