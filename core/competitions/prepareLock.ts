/**
 * Prepare once: a lock per prepared data set in its data folder (`<root>/.prepare.lock`,
 * proper-lockfile), so that when several seeds — in one worker or in several sharing the folder —
 * ask for the same competition's (or technique plant's) data at once, one builds it and the
 * others wait, then find the cached, verified copy. The holder refreshes the lock's time while it
 * works; a lock not refreshed for `staleMs` (its worker died) is taken over by the next waiter.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import { log } from '../log';

/** What a prepare's steps did so far, when they can tell (hashing the files: how many of how many, bytes). */
export interface PrepareStepProgress {
  step: string;
  files?: number;
  filesTotal?: number;
  bytes?: number;
}

/** What a prepare is doing, for the activity's heartbeat details. */
export interface PrepareProgress extends Partial<PrepareStepProgress> {
  /** `waiting`: another prepare of the same data holds the lock; `preparing`: checking the cache or building; `prepared`. */
  phase: 'waiting' | 'preparing' | 'prepared';
  /** Which data: `competition spambase`, `technique leakage/spambase/seed-1`. */
  what: string;
  /** Seconds waited for the lock so far. */
  waitedSecs?: number;
}

/** The running prepare's progress callback, so a step deep inside (manifest.ts) reports without being handed it. */
const progressScope = new AsyncLocalStorage<(p: PrepareStepProgress) => void>();

/** For a prepare's steps: what they did so far, into the prepare's heartbeat (nothing outside a prepare). */
export function reportPrepareProgress(p: PrepareStepProgress): void {
  progressScope.getStore()?.(p);
}

export interface PrepareLockOptions {
  onProgress?: (p: PrepareProgress) => void;
  /** A lock not refreshed for this long is a dead holder's (default 60 s; refreshed every tenth of it). */
  staleMs?: number;
  /** How often a waiter tries again (default 1 s). */
  pollMs?: number;
}

export const LOCK_FILE = '.prepare.lock';
const STALE_MS = 60_000;

/** Runs `prepare` holding `<root>`'s prepare lock, waiting for it as long as another holder is alive. */
export async function withPrepareLock<T>(root: string, what: string, prepare: () => Promise<T>, opts: PrepareLockOptions = {}): Promise<T> {
  const staleMs = opts.staleMs ?? STALE_MS;
  const lockfilePath = path.join(root, LOCK_FILE);
  await fs.mkdir(root, { recursive: true });
  const started = Date.now();
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  for (;;) {
    try {
      release = await lockfile.lock(root, {
        lockfilePath,
        stale: staleMs,
        update: Math.max(1000, staleMs / 10),
        realpath: false,
        // The default throws out of a timer (a crash); the build's own atomic install keeps the data whole anyway.
        onCompromised: (err) => {
          compromised = err;
          log.warn({ event: 'prepare.lock', what, lock: lockfilePath, error: err.message }, `the prepare lock of ${what} was lost`);
        },
      });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED')
        throw new Error(`cannot take the prepare lock ${lockfilePath} of ${what}: ${(err as Error).message}`, { cause: err });
      opts.onProgress?.({ phase: 'waiting', what, waitedSecs: Math.round((Date.now() - started) / 1000) });
      await sleep(opts.pollMs ?? 1000);
    }
  }
  const waitedMs = Date.now() - started;
  if (waitedMs > 1000)
    log.info({ event: 'prepare.lock', what, waitedMs }, `waited ${Math.round(waitedMs / 1000)} s for another prepare of ${what}`);
  try {
    opts.onProgress?.({ phase: 'preparing', what });
    const result = await progressScope.run((p) => opts.onProgress?.({ phase: 'preparing', what, ...p }), prepare);
    opts.onProgress?.({ phase: 'prepared', what });
    return result;
  } finally {
    // A lost lock is someone else's now: not ours to remove.
    if (!compromised)
      await release().catch((err: unknown) =>
        log.warn({ event: 'prepare.lock', what, error: (err as Error).message }, 'cannot release the prepare lock'),
      );
  }
}
