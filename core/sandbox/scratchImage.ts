/**
 * Which scratch images this harness made. A filesystem image is mounted by the kernel, so a crafted
 * one is an attack on the host: an image found at `<run>/.scratch.img` is mounted only when the
 * record written beside it at creation (by the harness's user, never a symlink) names that very
 * file — its inode and size — and the image is the harness's user's too. Agents run as another
 * user and never see the run folder; whoever else put a file there gets it refused, untouched.
 */
import { promises as fs } from 'node:fs';
import { PlainFileError, readPlainFile } from '../plainFile';
import { PermanentError } from '../errors';

export class UntrustedScratchImageError extends PermanentError {
  override name = 'UntrustedScratchImageError';
}

interface ImageRecord {
  ino: number;
  size: number;
}

export const imageRecordPath = (image: string) => `${image}.made`;

const owner = () => process.getuid?.() ?? 0;

/** Records an image just made here (call before anything mounts it). */
export async function recordImageMadeHere(image: string): Promise<void> {
  const stat = await fs.lstat(image);
  const record: ImageRecord = { ino: stat.ino, size: stat.size };
  const tmp = `${imageRecordPath(image)}.${process.pid}.new`;
  await fs.writeFile(tmp, JSON.stringify(record), { mode: 0o600, flag: 'w' });
  await fs.rename(tmp, imageRecordPath(image));
}

/** Throws unless the image at this path is the one this harness made. */
export async function assertImageMadeHere(image: string): Promise<void> {
  const refuse = (why: string): never => {
    throw new UntrustedScratchImageError(
      `scratch image ${image} was not made by this harness (${why}): refusing to mount it; remove it if it is yours`,
    );
  };
  const stat = await fs.lstat(image);
  if (!stat.isFile()) refuse('not a regular file');
  if (stat.uid !== owner()) refuse(`owned by uid ${stat.uid}`);
  let text: string | undefined;
  try {
    text = await readPlainFile(imageRecordPath(image), { maxBytes: 4096, owner: owner() });
  } catch (err) {
    if (err instanceof PlainFileError) refuse(`its record is not the harness's: ${err.reason}`);
    throw err;
  }
  if (text === undefined) return refuse('no record of its making');
  let record: Partial<ImageRecord> = {};
  try {
    record = JSON.parse(text) as Partial<ImageRecord>;
  } catch {
    refuse('its record is not JSON');
  }
  if (record.ino !== stat.ino || record.size !== stat.size) refuse('another file than the one recorded');
}

/** Removes an image and its record. */
export async function removeImage(image: string): Promise<void> {
  await fs.rm(image, { force: true });
  await fs.rm(imageRecordPath(image), { force: true });
}
