import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildContext, checkedContext, MAX_CONTEXT_BYTES } from '../../core/context/build';
import { runContextSchema } from '../../core/options';
import { removeRunData, writeRunData } from '../../core/context/dataDir';

let tmp: string;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ctx-'));
});
afterEach(async () => fs.rm(tmp, { recursive: true, force: true }));

/** A technique run folder as the harness leaves it: run.json and the analysis beside the submission. */
async function techniqueRun(group: string, name: string, task: string, score: number, analysis: object | null) {
  const runDir = path.join(tmp, group, name);
  await fs.mkdir(path.join(runDir, 'submission'), { recursive: true });
  await fs.writeFile(
    path.join(runDir, 'run.json'),
    JSON.stringify({
      kind: 'technique',
      runId: name,
      task,
      competitionId: 'spambase',
      seed: 1,
      runDir,
      outcome: 'graded',
      techniqueGrade: { task, score, criteria: [] },
    }),
  );
  if (analysis) await fs.writeFile(path.join(runDir, 'submission', `${task}_analysis.json`), JSON.stringify(analysis));
}

describe('buildContext', () => {
  it('takes the analyses of runs graded >= the minimum, best first, at most per task', async () => {
    await techniqueRun('g1', 'a', 'imbalance', 0.95, { marker: 'A95' });
    await techniqueRun('g1', 'b', 'imbalance', 0.99, { marker: 'B99' });
    await techniqueRun('g1', 'c', 'imbalance', 0.5, { marker: 'C50' });
    await techniqueRun('g2', 'd', 'leakage', 0.92, { marker: 'D92' });
    await techniqueRun('g2', 'e', 'leakage', 0.97, null); // no analysis file: nothing to show
    const ctx = await buildContext([path.join(tmp, 'g1'), path.join(tmp, 'g2')], { minGrade: 0.9, perTask: 1 });
    expect(ctx.text).toContain('B99');
    expect(ctx.text).not.toContain('A95'); // per task 1: only the best
    expect(ctx.text).not.toContain('C50');
    expect(ctx.text).toContain('D92');
    expect(ctx.text.indexOf('imbalance')).toBeLessThan(ctx.text.indexOf('leakage'));
    expect(ctx.source).toContain('g1');
  });

  it('refuses when no run qualifies, naming the minimum', async () => {
    await techniqueRun('g1', 'a', 'imbalance', 0.5, { x: 1 });
    await expect(buildContext([path.join(tmp, 'g1')])).rejects.toThrow(/graded >= 0.9/);
  });

  it('refuses a context past 64 KiB, naming where it came from and the limit', async () => {
    await techniqueRun('g1', 'a', 'imbalance', 0.95, { big: 'x'.repeat(MAX_CONTEXT_BYTES) });
    await expect(buildContext([path.join(tmp, 'g1')])).rejects.toThrow(/the built context: \d+ bytes .*65536 bytes/);
    expect(() => checkedContext({ text: 'é'.repeat(MAX_CONTEXT_BYTES / 2 + 1), source: 'f.md' }, '--context f.md')).toThrow(
      /--context f.md: 65538 bytes/,
    );
    expect(checkedContext({ text: 'ok', source: 'f.md' }, 'f').text).toBe('ok');
  });

  it('bounds the run option by UTF-8 bytes, as a REST or SDK caller sends it', () => {
    const multiByte = 'é'.repeat(MAX_CONTEXT_BYTES / 2 + 1); // fewer chars than the bound, more bytes
    const refused = runContextSchema.safeParse({ text: multiByte });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toMatch(/65536 bytes .*UTF-8/);
    expect(runContextSchema.safeParse({ text: 'é'.repeat(MAX_CONTEXT_BYTES / 2) }).success).toBe(true);
    expect(runContextSchema.safeParse({ text: 'x'.repeat(MAX_CONTEXT_BYTES + 1) }).success).toBe(false);
  });
});

describe('writeRunData', () => {
  it("is the public folder's files (linked, not changed) plus context.md, removed after", async () => {
    const pub = path.join(tmp, 'public');
    await fs.mkdir(path.join(pub, 'sub'), { recursive: true });
    await fs.writeFile(path.join(pub, 'train.csv'), 'a,b\n');
    await fs.writeFile(path.join(pub, 'sub', 'x.txt'), 'x');
    const runDir = path.join(tmp, 'run');
    const dir = await writeRunData(runDir, pub, { text: 'HINT', source: 'h.md' });
    expect(await fs.readFile(path.join(dir, 'context.md'), 'utf8')).toBe('HINT');
    expect(await fs.readFile(path.join(dir, 'train.csv'), 'utf8')).toBe('a,b\n');
    expect(await fs.readFile(path.join(dir, 'sub', 'x.txt'), 'utf8')).toBe('x');
    expect(await fs.readdir(pub)).toEqual(['sub', 'train.csv']); // the shared folder is untouched
    // A re-attach keeps the folder its running container mounts.
    expect(await writeRunData(runDir, pub, { text: 'OTHER' })).toBe(dir);
    expect(await fs.readFile(path.join(dir, 'context.md'), 'utf8')).toBe('HINT');
    await removeRunData(runDir);
    expect(await fs.stat(dir).catch(() => null)).toBeNull();
  });
});
