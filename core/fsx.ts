/**
 * File-system predicates: whether a path is there, and as what. Each follows symlinks (as stat
 * does) and answers false for anything it cannot see (absent, or a folder it may not read):
 * they ask, and leave reading and its errors to the caller.
 */
import { promises as fs } from 'node:fs';

/** Something is at `p` (file, folder, anything). */
export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

/** `p` is a regular file. */
export async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

/** `p` is a folder. */
export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** `p` is a folder with something in it. */
export async function isNonEmptyDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.readdir(p)).length > 0;
  } catch {
    return false;
  }
}
