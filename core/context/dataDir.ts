/**
 * The context as a file under /home/data (context.md). The competition's public folder is shared
 * by every run and mounted read-only, and Docker cannot mount a file into a read-only mount, so a
 * run with a context reads a folder of its own: hard links to the public files (no copy; a copy
 * only across file systems) plus context.md. It lives beside run.json, outside the agent's scratch
 * space, and is removed once the container is gone.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RunContext } from '../options';

export const CONTEXT_DATA_DIR = 'context-data';
export const CONTEXT_DATA_FILE = 'context.md';

async function linkTree(from: string, to: string): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  for (const entry of await fs.readdir(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) await linkTree(src, dst);
    else
      await fs.link(src, dst).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EXDEV' && err.code !== 'EPERM') throw new Error(`linking ${src} into ${to}: ${err.message}`, { cause: err });
        await fs.copyFile(src, dst, fs.constants.COPYFILE_FICLONE);
      });
  }
}

/** An empty context shows nothing: the run reads the shared folder, as a run without one does. */
export function showsContext(context: RunContext | undefined): context is RunContext {
  return !!context && context.text.trim() !== '';
}

/** The run's /home/data: the public folder's files and context.md; returns its path. */
export async function writeRunData(runDir: string, publicDataDir: string, context: RunContext): Promise<string> {
  const dir = path.join(runDir, CONTEXT_DATA_DIR);
  // Written last, context.md marks a complete folder: a re-attach to a running container keeps the one it mounts.
  if (await fs.stat(path.join(dir, CONTEXT_DATA_FILE)).catch(() => null)) return dir;
  await fs.rm(dir, { recursive: true, force: true });
  await linkTree(publicDataDir, dir);
  await fs.writeFile(path.join(dir, CONTEXT_DATA_FILE), context.text);
  return dir;
}

export async function removeRunData(runDir: string): Promise<void> {
  await fs.rm(path.join(runDir, CONTEXT_DATA_DIR), { recursive: true, force: true });
}
