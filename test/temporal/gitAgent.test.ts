/**
 * An agent from git end to end: a local repository (file://, allowed by MLEBENCH_GIT_SCHEMES as
 * an operator would), its branch pinned by the client, the commit fetched again by a worker
 * whose cache lacks it, built where it runs and graded; the commit recorded in metadata and memo.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageExists } from '../../core/sandbox/images';
import { gitAgentCacheDir } from '../../core/agents/git';
import { pinAgentOption, resolveRunAgent } from '../../core/agents/gitAgent';
import type { GroupMetadata } from '../../core/artifacts/records';
import { temporalSuite } from '../helpers/temporalSuite';
import { COPY_SAMPLE_AGENT, makeTestRepo } from '../helpers/gitRepo';

const h = temporalSuite('in-process');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'git-agent-e2e-'));
const cached: string[] = [];

beforeAll(() => {
  process.env.MLEBENCH_GIT_SCHEMES = 'https,file';
});

afterAll(() => {
  delete process.env.MLEBENCH_GIT_SCHEMES;
  for (const dir of cached) rmSync(dir, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

describe('an agent from git', () => {
  it('runs at the commit its branch named, fetched by a worker that lacked it, and records the commit', async () => {
    const repo = makeTestRepo(path.join(tmp, 'agents-repo'));
    const commit = repo.commit(Object.fromEntries(Object.entries(COPY_SAMPLE_AGENT).map(([f, b]) => [`agents/copier/${f}`, b])));
    const { agentId, agentGit } = await pinAgentOption(`git+${repo.url}#main:agents/copier`);
    expect(agentId).toBe('copier');
    expect(agentGit).toEqual({ url: repo.url, ref: 'main', commit, subfolder: 'agents/copier' });
    const cacheDir = gitAgentCacheDir(agentGit!);
    cached.push(path.dirname(path.dirname(cacheDir))); // <git-agents>/<commit>

    const groupId = 'test-git-agent';
    await h.client.run({ agentId, agentGit, competitions: ['sotu-authorship'] }, { groupId });
    // The branch moves on after the start: the group keeps the commit it was started with.
    repo.commit({ 'agents/copier/start.sh*': '#!/bin/sh\nexit 7\n' });
    // This worker's cache lacks the commit: it fetches that commit, not the branch.
    rmSync(cacheDir, { recursive: true });
    const worker = await h.newWorker();
    const result = await worker.runUntil(() => h.client.waitForCompletion(groupId));

    expect(result.runs.map((r) => r.outcome)).toEqual(['succeeded']);
    expect(existsSync(path.join(cacheDir, 'start.sh'))).toBe(true);
    const agent = await resolveRunAgent(agentId, agentGit);
    expect(await imageExists(agent.image)).toBe(true);
    expect(path.basename(result.groupDir)).toMatch(/_run-group_copier$/);
    const metadata = JSON.parse(readFileSync(path.join(result.groupDir, 'metadata.json'), 'utf8')) as GroupMetadata;
    expect(metadata.agent_git).toEqual({ url: repo.url, ref: 'main', commit, subfolder: 'agents/copier' });
    expect(metadata.options.agentGit?.commit).toBe(commit);
    const description = await (await h.client.workflowClient()).workflow.getHandle(groupId).describe();
    expect(description.memo?.agentGit).toEqual(agentGit);
  });
});
