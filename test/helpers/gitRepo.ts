/** A local git repository for the tests of agents from git (file:// URLs, made in a temp folder). */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';

export interface TestRepo {
  dir: string;
  url: string;
  /** Writes files (relative path → content; a trailing `*` on the path makes it executable), commits, returns the commit. */
  commit(files: Record<string, string>, message?: string): string;
  git(...args: string[]): string;
}

export function makeTestRepo(dir: string): TestRepo {
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=test@example.invalid', '-c', 'user.name=test', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '--quiet', '--initial-branch=main');
  return {
    dir,
    url: `file://${dir}`,
    git,
    commit(files, message = 'change') {
      for (const [name, body] of Object.entries(files)) {
        const exec = name.endsWith('*');
        const file = path.join(dir, exec ? name.slice(0, -1) : name);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, body);
        if (exec) chmodSync(file, 0o755);
      }
      git('add', '--all');
      git('commit', '--quiet', '-m', message);
      return git('rev-parse', 'HEAD');
    },
  };
}

/** An agent of ours that copies the competition's sample submission (as agents/dummy does). */
export const COPY_SAMPLE_AGENT: Record<string, string> = {
  'config.yaml': 'description: copies the sample submission (a test agent from git)\ncommand: [sh, /opt/agent/start.sh]\n',
  Dockerfile: 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY start.sh /opt/agent/start.sh\n',
  'start.sh*': '#!/bin/sh\nset -e\ncp /home/data/sample_submission.csv /home/submission/submission.csv\necho copied\n',
};
