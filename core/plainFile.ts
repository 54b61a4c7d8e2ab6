/**
 * Reading a file that someone else may have placed: only a regular file, never through a symlink
 * (O_NOFOLLOW), never blocking on a fifo (O_NONBLOCK), and never more than a bound — checked on
 * the open handle, so the file cannot be swapped between the check and the read.
 */
import { constants, promises as fs } from 'node:fs';

export class PlainFileError extends Error {
  override name = 'PlainFileError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** The file's text, or undefined when it does not exist; a link, a special file or one over `maxBytes` throws PlainFileError. */
export async function readPlainFile(file: string, opts: { maxBytes: number; owner?: number }): Promise<string | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new PlainFileError(
      file,
      code === 'ELOOP' ? 'a symbolic link: only regular files are read' : `cannot be opened (${code ?? 'error'})`,
    );
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new PlainFileError(file, 'not a regular file');
    if (opts.owner !== undefined && stat.uid !== opts.owner) throw new PlainFileError(file, `owned by uid ${stat.uid}`);
    if (stat.size > opts.maxBytes) throw new PlainFileError(file, `over ${opts.maxBytes} bytes`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
