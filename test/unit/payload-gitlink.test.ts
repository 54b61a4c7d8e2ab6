/** The seed's `gitlink` in a REST payload: the run option `agentGit`, refused unless the server's operator allows it. */
import { describe, expect, it } from 'vitest';
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
    expect(runOptionsOf(body, paths, gitSettings({}))).toEqual({ agentId: 'copier', competitions: ['spambase'] });
  });
});
