/**
 * The prepare lock (core/competitions/prepareLock.ts): concurrent prepares of one data set run one
 * at a time, so the first builds and the others find its copy; a live holder is waited for, a dead
 * holder's stale lock is taken over, and a failed prepare releases the lock.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, withPrepareLock, type PrepareProgress } from '../../core/competitions/prepareLock';
import { buildManifest } from '../../core/competitions/manifest';

const roots: string[] = [];
function freshRoot(): string {
  const root = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlebench-lock-')), 'spambase');
  roots.push(path.dirname(root));
  return root;
}
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A prepare that builds `<root>/built` unless it is there, counting builds and how many run at once. */
function countingPrepare(root: string) {
  const stats = { builds: 0, active: 0, maxActive: 0 };
  const prepare = async () => {
    stats.active++;
    stats.maxActive = Math.max(stats.maxActive, stats.active);
    try {
      const marker = path.join(root, 'built');
      if (existsSync(marker)) return 'cached';
      // Give the others every chance to overlap: several event-loop turns before the build lands.
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      writeFileSync(marker, 'data');
      stats.builds++;
      return 'built';
    } finally {
      stats.active--;
    }
  };
  return { stats, prepare };
}

describe('withPrepareLock', () => {
  it('runs 8 concurrent prepares of one data set one at a time: one build, seven cached copies', async () => {
    const root = freshRoot();
    const { stats, prepare } = countingPrepare(root);
    const progress: PrepareProgress[] = [];
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        withPrepareLock(root, 'competition spambase', prepare, { pollMs: 10, onProgress: (p) => progress.push(p) }),
      ),
    );
    expect(results.sort()).toEqual(['built', ...Array<string>(7).fill('cached')]);
    expect(stats).toEqual({ builds: 1, active: 0, maxActive: 1 });
    expect(progress.some((p) => p.phase === 'waiting' && p.what === 'competition spambase')).toBe(true);
    expect(progress.filter((p) => p.phase === 'prepared')).toHaveLength(8);
    expect(existsSync(path.join(root, LOCK_FILE))).toBe(false); // released
  });

  it('waits for a live holder, and takes over a dead holder’s stale lock', async () => {
    const root = freshRoot();
    mkdirSync(path.join(root, LOCK_FILE), { recursive: true }); // held by another (live) worker: fresh mtime
    const progress: PrepareProgress[] = [];
    let ran = false;
    const waiting = withPrepareLock(
      root,
      'competition spambase',
      () => {
        ran = true;
        return Promise.resolve();
      },
      {
        pollMs: 10,
        onProgress: (p) => {
          progress.push(p);
          // After a few tries the holder dies: its lock stops being refreshed and grows old.
          if (progress.length === 5) {
            const old = new Date(Date.now() - 120_000);
            utimesSync(path.join(root, LOCK_FILE), old, old);
          }
        },
      },
    );
    await waiting;
    expect(ran).toBe(true);
    expect(progress.slice(0, 5).map((p) => p.phase)).toEqual(['waiting', 'waiting', 'waiting', 'waiting', 'waiting']);
    expect(progress.at(-1)).toEqual({ phase: 'prepared', what: 'competition spambase' });
  });

  it('heartbeats what the steps tell: the files checksummed so far, of how many, and their bytes', async () => {
    const root = freshRoot();
    const dir = path.join(root, 'build');
    mkdirSync(path.join(dir, 'public'), { recursive: true });
    mkdirSync(path.join(dir, 'private'), { recursive: true });
    writeFileSync(path.join(dir, 'public', 'train.csv'), 'id,y\n1,0\n');
    writeFileSync(path.join(dir, 'private', 'answers.csv'), 'id,y\n2,1\n');
    const progress: PrepareProgress[] = [];
    await withPrepareLock(root, 'competition spambase', () => buildManifest(dir, 'spambase', 'inputs'), {
      onProgress: (p) => progress.push(p),
    });
    expect(progress).toEqual([
      { phase: 'preparing', what: 'competition spambase' },
      { phase: 'preparing', what: 'competition spambase', step: 'checksums', files: 1, filesTotal: 2, bytes: 9 },
      { phase: 'preparing', what: 'competition spambase', step: 'checksums', files: 2, filesTotal: 2, bytes: 18 },
      { phase: 'prepared', what: 'competition spambase' },
    ]);
  });

  it('releases the lock when the prepare fails', async () => {
    const root = freshRoot();
    await expect(withPrepareLock(root, 'competition spambase', () => Promise.reject(new Error('no raw data')))).rejects.toThrow(
      'no raw data',
    );
    expect(existsSync(path.join(root, LOCK_FILE))).toBe(false);
    await expect(withPrepareLock(root, 'competition spambase', () => Promise.resolve('next'))).resolves.toBe('next');
  });
});
