/**
 * An MLE-bench checkout is code we run and files we read on the host as root, and its prepare
 * function writes the tree agents and graders see: both are untrusted. What the harness takes
 * from them it takes only as regular files and folders:
 *
 * - the tree a prepare function produced is walked with lstat, and a symlink, fifo, socket or
 *   device anywhere in it is refused (a symlink would make a later copy, hash or bind mount
 *   read a host file; a fifo would hang a reader);
 * - a single file is opened with O_NOFOLLOW (and O_NONBLOCK, so a fifo cannot hang the open)
 *   and must be a regular file by fstat on that handle: what is read is what was checked;
 * - a file of the checkout must also resolve inside the checkout (its folders may be links).
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PermanentError } from '../errors';

/** A file or tree of an MLE-bench checkout, or produced by it, that is not a plain file or folder. */
export class MleBenchUnsafeFileError extends PermanentError {
  override readonly name = 'MleBenchUnsafeFileError';
  constructor(
    message: string,
    /** `path: why`, each offending entry (at most MAX_LISTED). */
    readonly entries: string[],
  ) {
    super(message);
  }
}

const MAX_LISTED = 20;

function kindOf(st: import('node:fs').Stats): string {
  if (st.isSymbolicLink()) return 'symbolic link';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isBlockDevice()) return 'block device';
  if (st.isCharacterDevice()) return 'character device';
  return 'special file';
}

/**
 * Throws MleBenchUnsafeFileError naming every entry under `root` (relative paths) that is neither
 * a regular file nor a folder; `what` says whose tree it is, for the message.
 */
export async function assertPlainTree(root: string, what: string): Promise<void> {
  const bad: string[] = [];
  let count = 0;
  const stack = [''];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    const names = (await fs.readdir(path.join(root, rel))).sort();
    for (const name of names) {
      const relChild = rel ? `${rel}/${name}` : name;
      const st = await fs.lstat(path.join(root, relChild));
      if (st.isDirectory()) stack.push(relChild);
      else if (!st.isFile()) {
        count++;
        if (bad.length < MAX_LISTED) {
          const target = st.isSymbolicLink() ? ` to ${await fs.readlink(path.join(root, relChild)).catch(() => '?')}` : '';
          bad.push(`${relChild}: ${kindOf(st)}${target}`);
        }
      }
    }
  }
  if (count > 0) {
    throw new MleBenchUnsafeFileError(
      `${what} (${root}) holds what is neither a regular file nor a folder, refused: ${bad.join(', ')}` +
        `${count > bad.length ? ` and ${count - bad.length} more` : ''}. Only regular files and folders are used; nothing was installed`,
      bad,
    );
  }
}

/**
 * `file` opened for reading without following a symlink, and a regular file by fstat; with
 * `within`, it must also resolve inside that folder. The caller closes the handle.
 */
export async function openChecked(file: string, opts: { what: string; within?: string }): Promise<fs.FileHandle> {
  const refuse = (why: string) =>
    new MleBenchUnsafeFileError(`${opts.what} ${file} ${why}: refused, only a regular file is read`, [`${file}: ${why}`]);
  if (opts.within) {
    const [realRoot, realDir] = await Promise.all([fs.realpath(opts.within), fs.realpath(path.dirname(file))]);
    if (realDir !== realRoot && !realDir.startsWith(`${realRoot}${path.sep}`))
      throw refuse(`resolves outside ${opts.within} (to ${realDir})`);
  }
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw refuse('is a symbolic link');
    throw err;
  }
  const st = await handle.stat();
  if (!st.isFile()) {
    await handle.close();
    throw refuse(`is a ${kindOf(st)}`);
  }
  return handle;
}

/** The whole of a checked file (see openChecked). */
export async function readChecked(file: string, opts: { what: string; within?: string }): Promise<Buffer> {
  const handle = await openChecked(file, opts);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * Copies a checked file (see openChecked) to a new `dest`, created exclusively (O_EXCL never
 * follows a symlink there), mode 0644. Returns its size.
 */
export async function copyChecked(file: string, dest: string, opts: { what: string; within?: string }): Promise<number> {
  const handle = await openChecked(file, opts);
  try {
    const out = await fs.open(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    await pipeline(handle.createReadStream({ autoClose: false, start: 0 }), out.createWriteStream());
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}
