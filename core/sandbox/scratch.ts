/**
 * The agent's writable run folders, submission/, code/ and logs/, live in a scratch space while
 * the container runs, and are copied into the run folder once it has stopped:
 *
 * - as root with a loop device and mkfs.ext4, the scratch space is a filesystem of a fixed size
 *   and inode count (`<runDir>/.scratch.img`, sparse, loop-mounted at `<runDir>/.scratch/`), so
 *   an agent writing 100 GB or a flood of small files meets ENOSPC, never the host's disk;
 * - otherwise it is a plain folder `<runDir>/.scratch/`, uncapped (a warning says so).
 *
 * Either way the grader reads only the copy, taken after the stop, in which there are only
 * regular files and folders: a symlink (to /etc/passwd, to the answers on the host) is never
 * followed and never copied, only recorded in `logs/copy-out.log` and the container result.
 *
 * Every step is idempotent, so a worker that crashes anywhere finds the mount (or remounts the
 * image after a reboot), re-attaches, and copies again.
 */
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { RUN_SUBDIRS } from '../artifacts/layout';
import { log } from '../log';
import { assertImageMadeHere, recordImageMadeHere, removeImage } from './scratchImage';
import { InfraError } from './errors';
import { AGENT_GID, AGENT_UID } from './user';

const run = promisify(execFile);
/** Linux's limit on a path's length (bytes, with its NUL); an agent can nest folders past it. */
const PATH_MAX = 4095;
/** Entries recorded by name in a result; the rest are only counted. */
const MAX_LISTED = 100;
/** Files the harness writes into `<runDir>/logs/` itself: an agent's file of that name is not copied over them. */
const HARNESS_LOG_FILES = new Set(['agent.log', 'copy-out.log', '.agent.log.tail']);
/** Folders the harness writes into `<runDir>/logs/` itself (the gateway's rollouts): never an agent's copy. */
const HARNESS_LOG_DIRS = new Set(['llm']);

/** Where a run's scratch space lives (spec.ts's runPaths includes these). */
export function scratchPaths(runDir: string) {
  return {
    /** The mount point (or plain folder) holding submission/, code/ and logs/ while the agent runs. */
    scratch: path.join(runDir, '.scratch'),
    /** The sparse filesystem image mounted there. */
    scratchImage: path.join(runDir, '.scratch.img'),
    /** What the copy out skipped (symlinks, special files) and why; and the fallback's warning. */
    copyLog: path.join(runDir, 'logs', 'copy-out.log'),
  };
}

export type ScratchKind = 'filesystem' | 'folder';

export interface Scratch {
  kind: ScratchKind;
  /** Set when the scratch space is an uncapped folder: why. */
  warning?: string;
}

/** Mount points (decoded) of this process's mount namespace. */
async function mountPoints(): Promise<Set<string>> {
  const text = await fs.readFile('/proc/self/mountinfo', 'utf8');
  const decode = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return new Set(
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => decode(l.split(' ')[4] ?? '')),
  );
}

export async function isMounted(dir: string): Promise<boolean> {
  return (await mountPoints()).has(path.resolve(dir));
}

/** Every scratch filesystem still mounted on this machine (a leftover is a leak: see releaseScratch). */
export async function listScratchMounts(): Promise<string[]> {
  return [...(await mountPoints())].filter((m) => path.basename(m) === '.scratch');
}

async function commandWorks(cmd: string, args: string[]): Promise<boolean> {
  try {
    await run(cmd, args);
    return true;
  } catch {
    return false;
  }
}

let support: Promise<string | undefined> | undefined;
/** Undefined when loop-mounted scratch filesystems can be made here, else why not. */
function scratchFilesystemUnsupported(): Promise<string | undefined> {
  support ??= (async () => {
    if (process.getuid?.() !== 0) return 'the harness is not running as root';
    if (!existsSync('/dev/loop-control') && !existsSync('/dev/loop0')) return 'no loop device';
    if (!(await commandWorks('mkfs.ext4', ['-V']))) return 'mkfs.ext4 not found';
    return undefined;
  })();
  return support;
}

async function mountImage(image: string, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  try {
    await run('mount', ['-t', 'ext4', '-o', 'loop,nosuid,nodev', image, dir]);
  } catch (err) {
    throw new InfraError(`cannot mount the scratch filesystem ${image} at ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The run's scratch space, ready for a container: made on a first start (`create`), found still
 * mounted or remounted from its image on a re-attach.
 */
export async function openScratch(runDir: string, opts: { create: boolean; diskBytes: number; files: number }): Promise<Scratch> {
  return serialized(runDir, () => openScratchNow(runDir, opts));
}

/** One scratch operation at a time per run folder in this process (two attempts racing for a run). */
const busy = new Map<string, Promise<unknown>>();
async function serialized<T>(runDir: string, fn: () => Promise<T>): Promise<T> {
  const key = path.resolve(runDir);
  const before = busy.get(key) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(fn);
  busy.set(key, mine);
  try {
    return await mine;
  } finally {
    if (busy.get(key) === mine) busy.delete(key);
  }
}

async function openScratchNow(runDir: string, opts: { create: boolean; diskBytes: number; files: number }): Promise<Scratch> {
  const paths = scratchPaths(runDir);
  // The copies' folders, and logs/ for agent.log: the harness's, never mounted into the container.
  for (const sub of RUN_SUBDIRS) await fs.mkdir(path.join(runDir, sub), { recursive: true });
  if (await isMounted(paths.scratch)) return { kind: 'filesystem' };
  if (existsSync(paths.scratchImage)) {
    await assertImageMadeHere(paths.scratchImage);
    try {
      await mountImage(paths.scratchImage, paths.scratch);
      log.info({ runDir }, 'scratch filesystem remounted from its image');
      return { kind: 'filesystem' };
    } catch (err) {
      if (!opts.create) throw err;
      // A first start whose image was left half-made by a crash: nothing of the agent's is in it.
      await removeImage(paths.scratchImage);
    }
  }
  if (!opts.create) return { kind: 'folder' };

  const unsupported = await scratchFilesystemUnsupported();
  if (unsupported) {
    const warning = `${unsupported}: submission/, code/ and logs/ are plain folders, not capped in size or files`;
    await fs.appendFile(paths.copyLog, `warning: ${warning}\n`);
    log.warn({ runDir }, warning);
    for (const sub of RUN_SUBDIRS) await makeAgentDir(path.join(paths.scratch, sub));
    return { kind: 'folder', warning };
  }
  await run('rm', ['-rf', '--one-file-system', paths.scratch]); // a plain folder from an earlier, unmounted attempt
  const tmpImage = `${paths.scratchImage}.${process.pid}.new`;
  try {
    const handle = await fs.open(tmpImage, 'w', 0o600);
    await handle.truncate(opts.diskBytes);
    await handle.close();
    await run('mkfs.ext4', [
      '-q',
      '-F',
      '-m',
      '0',
      '-N',
      String(opts.files),
      '-E',
      `lazy_itable_init=1,lazy_journal_init=1,root_owner=${AGENT_UID}:${AGENT_GID}`,
      tmpImage,
    ]);
    // link, not rename: another worker's image made meanwhile is kept, never replaced.
    const made = await fs.link(tmpImage, paths.scratchImage).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
        return false;
      },
    );
    if (made) await recordImageMadeHere(paths.scratchImage);
    await fs.rm(tmpImage, { force: true });
  } catch (err) {
    await fs.rm(tmpImage, { force: true });
    throw new InfraError(`cannot make the scratch filesystem ${paths.scratchImage}: ${(err as Error).message}`, { cause: err });
  }
  if (!(await isMounted(paths.scratch))) {
    await assertImageMadeHere(paths.scratchImage); // another worker's, made meanwhile: recorded by it
    await mountImage(paths.scratchImage, paths.scratch);
  }
  for (const sub of RUN_SUBDIRS) await makeAgentDir(path.join(paths.scratch, sub));
  return { kind: 'filesystem' };
}

/** A folder the container's user owns (or, when we are not root, may write to). */
async function makeAgentDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  if (process.getuid?.() === 0) await fs.chown(dir, AGENT_UID, AGENT_GID);
  else await fs.chmod(dir, 0o777);
}

export interface CopyOutReport {
  files: number;
  bytes: number;
  /** What the copy could write at most: the scratch filesystem's size and inode count (undefined: uncapped). */
  quota?: CopyQuota;
  /** `<folder>/<path>: <why>`, at most MAX_LISTED. */
  notCopied: string[];
  notCopiedCount: number;
}

export interface CopyQuota {
  bytes: number;
  /** Files and folders. */
  entries: number;
}

/**
 * What a copy out may write: as much as the scratch filesystem holds (its data blocks and its
 * inodes), measured on the filesystem itself, so a re-attaching worker with other settings uses
 * the run's own. Without a mount (the uncapped folder fallback) there is none.
 */
async function quotaOf(scratch: string): Promise<CopyQuota | undefined> {
  if (!(await isMounted(scratch))) return undefined;
  const s = await fs.statfs(scratch);
  return { bytes: s.blocks * s.bsize, entries: s.files };
}

/**
 * Copies the regular files and folders of the scratch space's submission/, code/ and logs/ into
 * the run folder. Call it only once the container has stopped (nothing changes under it then);
 * symlinks and special files are never followed nor copied, only recorded. Idempotent.
 *
 * The copy writes every byte of a file's apparent size (a sparse file's holes become zeros, a
 * hard link becomes a second file), so it counts apparent sizes, and entries, against the
 * scratch filesystem's size and inode count: what an agent wrote honestly always fits (each byte
 * of it took a block there), while a `truncate -s 15T` file, or a file hard-linked a thousand
 * times, is copied only as far as the quota goes and the rest is recorded as not copied.
 * submission/ is copied first, so a flood in code/ never pushes the submission out.
 */
export async function copyOutScratch(runDir: string): Promise<CopyOutReport> {
  return serialized(runDir, () => copyOutNow(runDir));
}

async function copyOutNow(runDir: string): Promise<CopyOutReport> {
  const paths = scratchPaths(runDir);
  const quota = await quotaOf(paths.scratch);
  const report: CopyOutReport = { files: 0, bytes: 0, notCopied: [], notCopiedCount: 0, ...(quota ? { quota } : {}) };
  let copiedEntries = 0;
  const overQuota = (bytes: number): string | undefined => {
    if (!quota) return undefined;
    if (copiedEntries + 1 > quota.entries)
      return `over the run's file quota (${quota.entries} files and folders, the scratch filesystem's inodes)`;
    if (report.bytes + bytes > quota.bytes) {
      return `${bytes} bytes (apparent size), over the run's disk quota: ${quota.bytes - report.bytes} of ${quota.bytes} bytes left (the scratch filesystem's size)`;
    }
    return undefined;
  };
  const skip = (rel: string, why: string) => {
    report.notCopiedCount++;
    if (report.notCopied.length < MAX_LISTED) report.notCopied.push(`${rel}: ${why}`);
  };
  for (const sub of RUN_SUBDIRS) {
    const from = path.join(paths.scratch, sub);
    const to = path.join(runDir, sub);
    await fs.mkdir(to, { recursive: true });
    // Iterative walk: an agent's folders may nest deeper than a recursion would go.
    const stack: string[] = [''];
    while (stack.length > 0) {
      const rel = stack.pop()!;
      let entries;
      try {
        entries = await fs.readdir(path.join(from, rel), { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && rel === '') break; // released already: copied before
        throw new InfraError(`cannot read ${path.join(from, rel)}: ${(err as Error).message}`, { cause: err });
      }
      for (const e of entries) {
        const relChild = rel ? path.join(rel, e.name) : e.name;
        const shown = `${sub}/${relChild}`;
        const src = path.join(from, relChild);
        const dest = path.join(to, relChild);
        if (src.length >= PATH_MAX || dest.length >= PATH_MAX) {
          // Nested deeper than a path can say: the agent's doing, never a reason to fail the harness.
          skip(shown.slice(0, 200), 'path too long');
          continue;
        }
        const st = await fs.lstat(src);
        if (st.isSymbolicLink()) {
          skip(shown, `symbolic link to ${await fs.readlink(src).catch(() => '?')}, not followed`);
        } else if (st.isDirectory() && sub === 'logs' && rel === '' && HARNESS_LOG_DIRS.has(e.name)) {
          skip(shown, 'the harness writes this folder');
        } else if (st.isDirectory()) {
          const over = overQuota(0);
          if (over) {
            skip(`${shown}/`, over);
            continue;
          }
          copiedEntries++;
          await fs.mkdir(dest, { recursive: true });
          stack.push(relChild);
        } else if (!st.isFile()) {
          skip(shown, 'not a regular file');
        } else if (sub === 'logs' && rel === '' && HARNESS_LOG_FILES.has(e.name)) {
          skip(shown, 'the harness writes this file');
        } else if (overQuota(st.size)) {
          skip(shown, overQuota(st.size)!);
        } else {
          copiedEntries++;
          await fs.rm(dest, { recursive: true, force: true });
          await fs.copyFile(src, dest);
          // Root owns the copy: never with the agent's setuid, setgid or sticky bits, never writable by others.
          await fs.chmod(dest, st.mode & 0o111 ? 0o755 : 0o644);
          report.files++;
          report.bytes += st.size;
        }
      }
    }
  }
  const lines = [
    `copied ${report.files} files (${report.bytes} bytes) out of the scratch space after the container stopped` +
      (quota ? ` (quota: ${quota.bytes} bytes, ${quota.entries} files and folders)` : ''),
  ];
  if (report.notCopiedCount > 0) lines.push(`not copied (${report.notCopiedCount}):`, ...report.notCopied.map((l) => `  ${l}`));
  if (report.notCopiedCount > report.notCopied.length) lines.push(`  ... and ${report.notCopiedCount - report.notCopied.length} more`);
  await fs.mkdir(path.dirname(paths.copyLog), { recursive: true });
  await fs.appendFile(paths.copyLog, `${lines.join('\n')}\n`);
  return report;
}

/** Unmounts and deletes the run's scratch space. Idempotent; call it once its content is copied out. */
export async function releaseScratch(runDir: string): Promise<void> {
  return serialized(runDir, () => releaseNow(runDir));
}

async function releaseNow(runDir: string): Promise<void> {
  const paths = scratchPaths(runDir);
  if (await isMounted(paths.scratch)) {
    try {
      await run('umount', [paths.scratch]);
    } catch (err) {
      // Busy (a process still holds it): detach it now, the kernel frees it when released.
      log.warn({ runDir, err: (err as Error).message }, 'scratch filesystem busy: lazy unmount');
      await run('umount', ['-l', paths.scratch]).catch((e: unknown) => {
        throw new InfraError(`cannot unmount ${paths.scratch}: ${(e as Error).message}`, { cause: e });
      });
    }
  }
  if (await isMounted(paths.scratch)) throw new InfraError(`${paths.scratch} is still mounted`);
  // rm, not fs.rm: it removes folders nested past the longest path; never across a mount.
  await run('rm', ['-rf', '--one-file-system', paths.scratch]);
  await removeImage(paths.scratchImage);
}

/**
 * The run folder whose scratch space a container mounts, from its mounts (the folder itself is
 * in no label): undefined for a container without one.
 */
export function scratchRunDirOf(mounts: readonly { Source?: string; Destination?: string }[]): string | undefined {
  const m = mounts.find((x) => x.Destination === '/home/submission' && x.Source && path.basename(path.dirname(x.Source)) === '.scratch');
  return m?.Source ? path.dirname(path.dirname(m.Source)) : undefined;
}

/** After a container was removed without being collected (cancel, cleanup, reaper): copy out what it wrote, then release. */
export async function collectAndReleaseScratch(runDir: string): Promise<void> {
  const paths = scratchPaths(runDir);
  if (!existsSync(paths.scratch) && !existsSync(paths.scratchImage)) return;
  await openScratch(runDir, { create: false, diskBytes: 0, files: 0 });
  await copyOutScratch(runDir);
  await releaseScratch(runDir);
}
