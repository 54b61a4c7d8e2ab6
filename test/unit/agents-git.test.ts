import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitAgentFolder, pinGitAgent } from '../../core/agents/git';
import { pinAgentOption, pinRunOptions, resolveGitAgent } from '../../core/agents/gitAgent';
import { harnessPaths } from '../../core/config';
import { InvalidRunOptionsError, parseRunOptions } from '../../core/options';
import { resolveRunRequest } from '../../core/runs/plan';
import { GitAgentError, gitSettings, parseGitAgentSpec } from '../../core/agents/gitSource';
import { agentImageTag, baseImageTag } from '../../core/sandbox/imageTags';
import { COPY_SAMPLE_AGENT, makeTestRepo } from '../helpers/gitRepo';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'agents-git-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const env = { ...process.env, MLEBENCH_GIT_SCHEMES: 'https,file' };
const cacheDir = path.join(tmp, 'cache');
const opts = { env, cacheDir };
const fileOk = gitSettings(env);
const sshOk = gitSettings({ MLEBENCH_GIT_SCHEMES: 'ssh' });

const repo = makeTestRepo(path.join(tmp, 'repo'));
const first = repo.commit(Object.fromEntries(Object.entries(COPY_SAMPLE_AGENT).map(([f, b]) => [`agents/copier/${f}`, b])), 'agent');
repo.git('tag', '-a', 'v1', '-m', 'first release');
repo.commit({ 'README.md': 'not an agent\n', 'agents/copier/notes.txt': 'second\n' }, 'second');
repo.git('branch', 'stable', first);

describe('git agent specs', () => {
  it('reads git+<url>#<ref>[:<subfolder>], the ref defaulting to HEAD', () => {
    expect(parseGitAgentSpec(`git+${repo.url}#v1:agents/copier`, fileOk)).toEqual({ url: repo.url, ref: 'v1', subfolder: 'agents/copier' });
    expect(parseGitAgentSpec('git+https://example.invalid/a/b.git', fileOk)).toEqual({
      url: 'https://example.invalid/a/b.git',
      ref: 'HEAD',
    });
  });

  it.each([
    ['file:// without the operator allowing it', `git+${repo.url}#main`, gitSettings({}), /scheme file: is not allowed here/],
    ['a scheme never accepted', 'git+ext::sh -c touch% /tmp/pwned#main', fileOk, /not a URL|spaces/],
    ['http', 'git+http://example.invalid/a.git#main', fileOk, /scheme http: is never accepted/],
    ['an scp-like address', 'git+git@example.invalid:a/b.git#main', fileOk, /not a URL/],
    [
      'a ref read as an option',
      'git+https://example.invalid/a.git#--upload-pack=touch',
      fileOk,
      /ref "--upload-pack=touch" starts with "-"/,
    ],
    [
      'a subfolder escaping the repository',
      'git+https://example.invalid/a.git#main:agents/../..',
      fileOk,
      /may not contain "\." or "\.\."/,
    ],
    ['an absolute subfolder', 'git+https://example.invalid/a.git#main:/etc', fileOk, /must be relative/],
    ['a password in the URL', 'git+https://me:secret@example.invalid/a.git#main', fileOk, /carries a password/],
    ['a URL read as an option', 'git+--upload-pack=x#main', fileOk, /starts with "-"/],
    ['an ssh host read as an option', 'git+ssh://-oProxyCommand=touch%20x/a.git#main', sshOk, /host or user starting with "-"/],
    ['an ssh user read as an option', 'git+ssh://-oProxyCommand=x@example.invalid/a.git#main', sshOk, /host or user starting with "-"/],
  ])('refuses %s', (_what, spec, settings, reason) => {
    expect(() => parseGitAgentSpec(spec, settings)).toThrow(GitAgentError);
    expect(() => parseGitAgentSpec(spec, settings)).toThrow(reason);
  });
});

describe('agents from a local repository', () => {
  it('pins a branch and an annotated tag to their commits', async () => {
    expect((await pinGitAgent({ url: repo.url, ref: 'stable', subfolder: 'agents/copier' }, opts)).commit).toBe(first);
    expect((await pinGitAgent({ url: repo.url, ref: 'v1' }, opts)).commit).toBe(first);
    expect((await pinGitAgent({ url: repo.url, ref: 'main' }, opts)).commit).toBe(repo.git('rev-parse', 'main'));
  });

  it('fetches a commit once, then serves it from the cache; a moved branch is a new commit', async () => {
    const pinned = await pinGitAgent({ url: repo.url, ref: 'stable', subfolder: 'agents/copier' }, opts);
    const fetched = await gitAgentFolder(pinned, opts);
    expect(fetched.fetched).toBe(true);
    expect(fetched.dir).toBe(path.join(cacheDir, first, 'agents~copier', 'copier'));
    expect(statSync(path.join(fetched.dir, 'start.sh')).mode & 0o111).not.toBe(0);
    expect(existsSync(path.join(fetched.dir, 'notes.txt'))).toBe(false);
    expect(await gitAgentFolder(pinned, opts)).toEqual({ dir: fetched.dir, fetched: false });

    const moved = repo.commit({ 'agents/copier/extra.txt': 'moved\n' }, 'moved');
    repo.git('branch', '--force', 'stable', moved);
    const again = await pinGitAgent({ url: repo.url, ref: 'stable', subfolder: 'agents/copier' }, opts);
    expect(again.commit).toBe(moved);
    const movedDir = await gitAgentFolder(again, opts);
    expect(movedDir.fetched).toBe(true);
    expect(existsSync(path.join(movedDir.dir, 'extra.txt'))).toBe(true);
  });

  it('keeps each subfolder of a commit apart: a folder fetched after its subfolder is whole', async () => {
    const other = { ...opts, cacheDir: path.join(tmp, 'nested-cache') };
    const source = { url: repo.url, ref: 'stable', commit: first };
    await gitAgentFolder({ ...source, subfolder: 'agents/copier' }, other);
    const parent = await gitAgentFolder({ ...source, subfolder: 'agents' }, other);
    expect(parent.fetched).toBe(true);
    expect(readdirSync(path.join(parent.dir, 'copier')).sort()).toEqual(['Dockerfile', 'config.yaml', 'start.sh']);
  });

  it("removes what a fetch that died left, once past the fetch's time limit", async () => {
    const other = { env: { ...env, MLEBENCH_GIT_TIMEOUT_SECS: '5' }, cacheDir: path.join(tmp, 'swept-cache') };
    const abandoned = path.join(other.cacheDir, '.fetch-0123456789ab-dead');
    const running = path.join(other.cacheDir, '.fetch-0123456789ab-live');
    for (const dir of [abandoned, running]) mkdirSync(path.join(dir, 'repo.git'), { recursive: true });
    const old = new Date(Date.now() - 60_000);
    utimesSync(abandoned, old, old);
    await gitAgentFolder({ url: repo.url, ref: 'stable', commit: first, subfolder: 'agents/copier' }, other);
    expect([existsSync(abandoned), existsSync(running)]).toEqual([false, true]);
  });

  it('fetches a pinned commit the branch has since left (another worker, later)', async () => {
    const dir = (
      await gitAgentFolder(
        { url: repo.url, ref: 'stable', commit: first, subfolder: 'agents/copier' },
        { ...opts, cacheDir: path.join(tmp, 'other-cache') },
      )
    ).dir;
    expect(existsSync(path.join(dir, 'config.yaml'))).toBe(true);
  });

  it('resolves the folder through the agents registry, its image content-addressed like a local agent', async () => {
    const source = await pinGitAgent({ url: repo.url, ref: 'v1', subfolder: 'agents/copier' }, opts);
    const agent = await resolveGitAgent(source, undefined, opts);
    expect(agent.id).toBe('copier');
    expect(agent.dir).toBe(path.join(cacheDir, first, 'agents~copier', 'copier'));
    expect(agent.image).toBe(agentImageTag('copier', agent.dir, baseImageTag()));
    expect(agent.command).toEqual(['sh', '/opt/agent/start.sh']);
  });

  it.each([
    ['an unknown ref', { ref: 'no-such-branch', subfolder: 'agents/copier' }, /no branch, tag or ref "no-such-branch"/],
    ['a missing subfolder', { ref: 'main', subfolder: 'agents/none' }, /no folder "agents\/none" in commit/],
    ['a folder without config.yaml', { ref: 'main', subfolder: 'agents' }, /no config\.yaml in "agents"/],
    ['the root without config.yaml', { ref: 'main' }, /no config\.yaml in the repository's root/],
  ])('says so for %s, naming the URL and ref', async (_what, req, reason) => {
    const attempt = pinGitAgent({ url: repo.url, ...req }, opts).then((s) => resolveGitAgent(s, undefined, opts));
    await expect(attempt).rejects.toThrow(GitAgentError);
    await expect(attempt).rejects.toThrow(reason);
    await expect(attempt).rejects.toThrow(repo.url);
  });

  it('says why for an unreachable repository and an unknown commit', async () => {
    await expect(pinGitAgent({ url: `file://${tmp}/missing`, ref: 'main' }, opts)).rejects.toThrow(
      new RegExp(
        `git agent file://${tmp}/missing: cannot list its refs \\(git ls-remote\\): fatal: .*missing. does not appear to be a git repository`,
      ),
    );
    await expect(gitAgentFolder({ url: repo.url, ref: 'x', commit: 'f'.repeat(40) }, opts)).rejects.toThrow(/cannot fetch commit f{40}/);
  });

  it('refuses an agent folder whose symlink points outside it', async () => {
    const evil = makeTestRepo(path.join(tmp, 'evil'));
    symlinkSync('../../../etc/passwd', path.join(evil.dir, 'Dockerfile'));
    const commit = evil.commit({ 'config.yaml': COPY_SAMPLE_AGENT['config.yaml']! });
    await expect(gitAgentFolder({ url: evil.url, ref: 'main', commit }, opts)).rejects.toThrow(
      /symlink "Dockerfile" points outside the agent folder/,
    );
  });
});

describe('a run naming an agent from git', () => {
  const paths = { ...harnessPaths(), gitAgentsDir: cacheDir };
  const withFile = async <T>(fn: () => Promise<T>): Promise<T> => {
    process.env.MLEBENCH_GIT_SCHEMES = 'https,file';
    try {
      return await fn();
    } finally {
      delete process.env.MLEBENCH_GIT_SCHEMES;
    }
  };

  it('is pinned by the client (a tag) and resolved by the plan to the cached folder', async () => {
    const { agentId, agentGit } = await pinAgentOption(`git+${repo.url}#v1:agents/copier`, opts);
    expect({ agentId, commit: agentGit?.commit }).toEqual({ agentId: 'copier', commit: first });
    const resolved = await withFile(() =>
      resolveRunRequest(parseRunOptions({ agentId, agentGit, competitions: ['sotu-authorship'] }), paths),
    );
    expect(resolved.agentGit).toEqual(agentGit);
    expect(resolved.agent.dir).toBe(path.join(cacheDir, first, 'agents~copier', 'copier'));
  });

  it('fails before anything runs: not pinned, a scheme this worker refuses, an unknown ref, another agent id', async () => {
    const request = { url: repo.url, ref: 'v1', subfolder: 'agents/copier' };
    const plan = (o: object) => resolveRunRequest(parseRunOptions({ competitions: ['sotu-authorship'], agentId: 'copier', ...o }), paths);
    await expect(withFile(() => plan({ agentGit: request }))).rejects.toThrow(/agentGit: .*not pinned to a commit/);
    await expect(plan({ agentGit: { ...request, commit: first } })).rejects.toThrow(/agentGit: .*scheme file: is not allowed here/);
    await expect(withFile(() => plan({ agentGit: { ...request, commit: first }, agentId: 'other' }))).rejects.toThrow(
      /its folder is the agent "copier", not "other"/,
    );
    await expect(withFile(() => pinRunOptions({ agentGit: { ...request, ref: 'v9' } }))).rejects.toThrow(InvalidRunOptionsError);
    await expect(pinAgentOption(`git+${repo.url}#main:agents`, opts)).rejects.toThrow(/no config\.yaml in "agents"/);
    expect(() => parseRunOptions({ agentId: 'copier', agentGit: { ...request, subfolder: '../x' } })).toThrow(
      /agentGit: .*may not contain/,
    );
  });
});

describe("an agent in MLE-bench's format from git", () => {
  it('resolves through the MLE-bench loader as git.<id>, built on mlebench-env', async () => {
    const mle = makeTestRepo(path.join(tmp, 'mle'));
    const fixture = path.join(__dirname, '..', 'fixtures', 'mlebench-agents', 'probe');
    const files = Object.fromEntries(
      readdirSync(fixture).map((f) => [
        `agents/probe/${f}${statSync(path.join(fixture, f)).mode & 0o100 ? '*' : ''}`,
        readFileSync(path.join(fixture, f), 'utf8'),
      ]),
    );
    const commit = mle.commit(files);
    const { agentId, agentGit } = await pinAgentOption(`git+${mle.url}#main:agents/probe`, opts);
    expect({ agentId, commit: agentGit?.commit }).toEqual({ agentId: 'git.probe', commit });
    const agent = await resolveGitAgent(agentGit!, 'git.probe', opts);
    expect(agent.mlebench?.mlebenchId).toBe('probe');
    expect(agent.dir).toBe(path.join(cacheDir, commit, 'agents~probe', 'probe'));
    // Another of the folder's agents, named by the client as `--git-agent-id` does.
    expect((await pinAgentOption(`git+${mle.url}#main:agents/probe`, opts, 'git.probe/argparse')).agentId).toBe('git.probe/argparse');
    await expect(pinAgentOption(`git+${mle.url}#main:agents/probe`, opts, 'git.other')).rejects.toThrow(/not "git\.other"/);
    await expect(resolveGitAgent(agentGit!, 'git.other', opts)).rejects.toThrow(
      /declares git\.probe, git\.probe\/anthropic.*, not "git\.other"/,
    );
    await expect(resolveGitAgent(agentGit!, 'git.probe/privileged', opts)).rejects.toThrow(/privileged: true is refused/);
  });
});
