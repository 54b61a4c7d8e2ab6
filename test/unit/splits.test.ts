/**
 * A run names a split, never a file: split names resolve inside the harness's splits/ and an
 * MLE-bench checkout's experiments/splits/; paths, traversal, symlinks, special and huge files
 * are refused without reading or echoing what they point at.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { harnessPaths } from '../../core/config';
import { InvalidRunOptionsError, parseRunOptions } from '../../core/options';
import { readFileSync } from 'node:fs';
import { listSplits, resolveSplit, splitDescriptions, splitIds } from '../../core/runs/splits';

const paths = harnessPaths();
const FIXTURE_CHECKOUT = path.join(__dirname, '..', 'fixtures', 'mle-bench');
const savedRepo = process.env.MLEBENCH_REPO;
afterEach(() => {
  if (savedRepo === undefined) delete process.env.MLEBENCH_REPO;
  else process.env.MLEBENCH_REPO = savedRepo;
});

const issuesOf = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidRunOptionsError);
  return (err as InvalidRunOptionsError).issues;
};

describe('split names', () => {
  it("resolve in the harness's splits/ in every spelling", async () => {
    for (const ref of ['offline-dev', 'offline-dev.txt', 'splits/offline-dev.txt', 'splits/offline-dev']) {
      expect((await resolveSplit(ref, paths)).ids, ref).toContain('sotu-authorship');
    }
    expect((await resolveSplit('lite', paths)).ids).toHaveLength(22);
    expect((await listSplits(paths)).harness).toEqual(expect.arrayContaining(['dev', 'lite', 'offline', 'offline-dev']));
  });

  it("resolve MLE-bench's experiments/splits/ names against MLEBENCH_REPO, the seed's default among them", async () => {
    process.env.MLEBENCH_REPO = FIXTURE_CHECKOUT;
    const low = await resolveSplit('experiments/splits/low.txt', paths);
    expect(low).toMatchObject({ name: 'low', source: 'mlebench' });
    expect(low.ids).toContain('telco-churn-mini');
    // A name both folders have is the harness's unless the folder is named.
    expect((await resolveSplit('dev', paths)).source).toBe('harness');
    expect((await resolveSplit('experiments/splits/dev.txt', paths)).source).toBe('mlebench');
    expect((await resolveSplit('split75', paths)).source).toBe('mlebench');
    expect((await listSplits(paths)).mlebench).toEqual(['dev', 'low', 'split75']);
    delete process.env.MLEBENCH_REPO;
    const [issue] = await issuesOf(resolveSplit('experiments/splits/low.txt', paths));
    expect(issue!.reason).toMatch(/no split "low" in experiments\/splits\/; .*MLE-bench's when MLEBENCH_REPO names a checkout/);
  });

  it('an unknown name is refused with the names there are', async () => {
    const [issue] = await issuesOf(resolveSplit('splits/no-such-split.txt', paths));
    expect(issue).toEqual({
      field: 'competitionSet',
      reason: expect.stringMatching(
        /^no split "no-such-split" in splits\/; the splits are the harness's: dev, lite, offline, offline-dev/,
      ) as string,
    });
  });

  it('paths and traversal never reach the file system, and nothing of the file is echoed', async () => {
    const attacks = [
      '/proc/self/environ',
      '/etc/passwd',
      '../../etc/passwd',
      'splits/../../etc/passwd',
      'experiments/splits/../../../etc/passwd',
      './splits/dev.txt',
      'splits//dev.txt',
      '.hidden',
      'a/b',
      'dev.txt\0',
      '~root/.ssh/id_rsa',
      'C:\\Windows\\win.ini',
      'x'.repeat(300),
    ];
    for (const ref of attacks) {
      const issues = await issuesOf(resolveSplit(ref, paths));
      expect(issues[0]!.reason, ref).toMatch(/^must name a split, not a file/);
      // The run options' schema refuses the same before anything is resolved.
      expect(() => parseRunOptions({ agentId: 'dummy', competitionSet: ref }), ref).toThrow(
        /competitionSet: (must name a split, not a file|too long for a split name)/,
      );
    }
  });

  it("a split folder's symlinks, special files and oversized files are refused, not followed or read", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'splits-'));
    const secret = path.join(dir, '..', `secret-${process.pid}.txt`);
    writeFileSync(secret, 'TOP_SECRET_VALUE=hunter2\n');
    symlinkSync(secret, path.join(dir, 'linked.txt'));
    execFileSync('mkfifo', [path.join(dir, 'fifo.txt')]);
    mkdirSync(path.join(dir, 'folder.txt'));
    writeFileSync(path.join(dir, 'huge.txt'), '');
    truncateSync(path.join(dir, 'huge.txt'), 64 * 1024 * 1024);
    writeFileSync(path.join(dir, 'bad.txt'), 'fine-id\n../../etc/passwd\nalso fine\n');
    writeFileSync(path.join(dir, 'empty.txt'), '# nothing\n\n');
    const here = { splitsDir: dir };
    const reasons = async (ref: string) => (await issuesOf(resolveSplit(ref, here)))[0]!.reason;
    expect(await reasons('linked')).toMatch(/split file .*linked\.txt: a symbolic link: only regular files are read/);
    expect(await reasons('fifo')).toMatch(/fifo\.txt: not a regular file/);
    expect(await reasons('folder')).toMatch(/folder\.txt: not a regular file/);
    expect(await reasons('huge')).toMatch(/huge\.txt: over 1048576 bytes/);
    expect(await reasons('bad')).toBe('split "splits/bad.txt": line 2, 3 is not a competition id');
    expect(await reasons('empty')).toBe('split "splits/empty.txt" lists no competition');
    for (const ref of ['linked', 'fifo', 'folder', 'huge', 'bad']) expect(await reasons(ref)).not.toContain('hunter2');
  });

  it('split files: comments and blank lines are skipped', () => {
    expect(splitIds('# my split\nsotu-authorship\n\n  spambase # again\r\nAI4Code\n', 'mine')).toEqual([
      'sotu-authorship',
      'spambase',
      'AI4Code',
    ]);
  });

  it("the harness's split files are plain id lists, as MLE-bench reads them, with their descriptions beside them", async () => {
    const names = (await listSplits(paths)).harness;
    const descriptions = await splitDescriptions(paths);
    expect(Object.keys(descriptions).sort()).toEqual(names);
    for (const name of names) {
      const text = readFileSync(path.join(paths.splitsDir, `${name}.txt`), 'utf8');
      // experiments/aggregate_grading_reports.py: `[line.strip() for line in f if line.strip()]`.
      const asMleBenchReads = text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      expect(asMleBenchReads, name).toEqual((await resolveSplit(name, paths)).ids);
      expect(text, name).not.toContain('#');
      expect(descriptions[name]!.length, name).toBeGreaterThan(10);
    }
  });

  it('a broken descriptions file is an error naming it and the field; none is no descriptions', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'splits-'));
    expect(await splitDescriptions({ splitsDir: dir })).toEqual({});
    writeFileSync(path.join(dir, 'descriptions.yaml'), 'dev: [not, a, string]\n');
    await expect(splitDescriptions({ splitsDir: dir })).rejects.toThrow(/descriptions\.yaml: .*dev/);
  });
});
