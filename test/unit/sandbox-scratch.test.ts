/**
 * The copy out of a run's scratch space, on a plain folder (the fallback when the harness cannot
 * loop-mount a filesystem; the copy is the same code either way): regular files and folders only.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyOutScratch, releaseScratch, scratchRunDirOf } from '../../core/sandbox/scratch';

const root = mkdtempSync(path.join(os.tmpdir(), 'scratch-unit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('copyOutScratch', () => {
  it('copies regular files and folders, never a symlink or a fifo, keeps the harness’s logs, and records what it skipped', async () => {
    const runDir = path.join(root, 'run');
    const s = (p: string) => path.join(runDir, '.scratch', p);
    for (const d of ['submission', 'code/deep/er', 'logs']) mkdirSync(s(d), { recursive: true });
    writeFileSync(s('submission/submission.csv'), 'id,label\n1,a\n');
    writeFileSync(s('code/deep/er/model.py'), 'x = 1\n');
    symlinkSync('/etc/passwd', s('code/passwd'));
    symlinkSync('/', s('code/root'));
    execFileSync('mkfifo', [s('code/pipe')]);
    symlinkSync('/etc/passwd', s('logs/agent.log'));
    writeFileSync(s('logs/copy-out.log'), 'forged\n');
    writeFileSync(s('logs/train.log'), 'epoch 1\n');
    mkdirSync(path.join(runDir, 'logs'), { recursive: true });
    writeFileSync(path.join(runDir, 'logs', 'agent.log'), 'the container said\n');

    const report = await copyOutScratch(runDir);
    expect(report).toMatchObject({ files: 3, notCopiedCount: 5 });
    expect(report.notCopied.sort()).toEqual([
      'code/passwd: symbolic link to /etc/passwd, not followed',
      'code/pipe: not a regular file',
      'code/root: symbolic link to /, not followed',
      'logs/agent.log: symbolic link to /etc/passwd, not followed',
      'logs/copy-out.log: the harness writes this file',
    ]);
    const c = (p: string) => path.join(runDir, p);
    expect(readFileSync(c('submission/submission.csv'), 'utf8')).toBe('id,label\n1,a\n');
    expect(readFileSync(c('code/deep/er/model.py'), 'utf8')).toBe('x = 1\n');
    expect(readFileSync(c('logs/train.log'), 'utf8')).toBe('epoch 1\n');
    for (const p of ['code/passwd', 'code/root', 'code/pipe']) expect(() => lstatSync(c(p)), p).toThrow(/ENOENT/);
    expect(readFileSync(c('logs/agent.log'), 'utf8')).toBe('the container said\n');
    expect(readFileSync(c('logs/copy-out.log'), 'utf8')).toMatch(/^copied 3 files \(\d+ bytes\)[^\n]*\nnot copied \(5\):\n {2}/);

    // Idempotent (a worker that crashed mid-copy copies again), then released.
    expect((await copyOutScratch(runDir)).files).toBe(3);
    await releaseScratch(runDir);
    expect(existsSync(path.join(runDir, '.scratch'))).toBe(false);
    expect(readFileSync(c('submission/submission.csv'), 'utf8')).toBe('id,label\n1,a\n');
    await releaseScratch(runDir);
  });

  it("never lets an agent's logs/llm/ replace the gateway's rollout", async () => {
    const runDir = path.join(root, 'llm');
    const s = (p: string) => path.join(runDir, '.scratch', p);
    for (const d of ['submission', 'code', 'logs/llm', 'logs/aide/llm']) mkdirSync(s(d), { recursive: true });
    writeFileSync(s('logs/llm/rollout.jsonl'), '{"forged":true}\n');
    writeFileSync(s('logs/aide/llm/notes.txt'), 'an agent folder of that name elsewhere is fine\n');
    mkdirSync(path.join(runDir, 'logs', 'llm'), { recursive: true });
    writeFileSync(path.join(runDir, 'logs', 'llm', 'rollout.jsonl'), '{"real":true}\n');

    const report = await copyOutScratch(runDir);
    expect(report.notCopied).toEqual(['logs/llm: the harness writes this folder']);
    expect(readFileSync(path.join(runDir, 'logs', 'llm', 'rollout.jsonl'), 'utf8')).toBe('{"real":true}\n');
    expect(readFileSync(path.join(runDir, 'logs', 'aide', 'llm', 'notes.txt'), 'utf8')).toContain('elsewhere');
    await releaseScratch(runDir);
  });

  it('skips what is nested past the longest path rather than failing', async () => {
    const runDir = path.join(root, 'deep');
    let rel = path.join(runDir, '.scratch', 'code');
    mkdirSync(rel, { recursive: true });
    for (const d of ['submission', 'logs']) mkdirSync(path.join(runDir, '.scratch', d), { recursive: true });
    // Built relative to a working folder, as an agent would, since the absolute path grows too long.
    const segment = 'd'.repeat(200);
    const script = `import os\nos.chdir(${JSON.stringify(rel)})\nfor _ in range(25):\n    os.mkdir(${JSON.stringify(segment)})\n    os.chdir(${JSON.stringify(segment)})\nopen('f.txt', 'w').write('x')\n`;
    execFileSync('python3', ['-c', script]);
    rel = '';
    const report = await copyOutScratch(runDir);
    expect(report.notCopied.some((l) => l.endsWith(': path too long'))).toBe(true);
    await releaseScratch(runDir);
    expect(existsSync(path.join(runDir, '.scratch'))).toBe(false);
  });

  it('finds a container’s run folder from its mounts', () => {
    expect(scratchRunDirOf([{ Source: '/runs/g/r/.scratch/submission', Destination: '/home/submission' }])).toBe('/runs/g/r');
    expect(scratchRunDirOf([{ Source: '/runs/g/r/submission', Destination: '/home/submission' }])).toBeUndefined();
    expect(scratchRunDirOf([])).toBeUndefined();
  });
});
