/**
 * Paths that come from outside — a workflow's input or memo, anyone who can start a workflow on
 * the Temporal server — are trusted only inside the configured roots: a run-group folder is a
 * folder of its own (no symlink) directly under the runs folder, whatever the path says.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PermanentError } from '../errors';

export class UntrustedPathError extends PermanentError {
  override name = 'UntrustedPathError';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** The group folder's real path, when it is a real folder directly under the runs folder; else throws naming the field. */
export async function trustedGroupDir(groupDir: string, runsDir: string, field = 'groupDir'): Promise<string> {
  if (typeof groupDir !== 'string' || groupDir.length === 0 || groupDir.length > 4096 || groupDir.includes('\0')) {
    throw new UntrustedPathError(field, 'not a path');
  }
  const root = await fs.realpath(runsDir).catch(() => path.resolve(runsDir));
  const resolved = path.resolve(groupDir);
  if (path.dirname(resolved) !== path.resolve(runsDir) && path.dirname(resolved) !== root) {
    throw new UntrustedPathError(field, `${resolved} is not a folder of the runs folder ${runsDir}`);
  }
  const stat = await fs.lstat(resolved).catch(() => undefined);
  if (stat && !stat.isDirectory()) throw new UntrustedPathError(field, `${resolved} is not a folder (a symlink or a file)`);
  return path.join(root, path.basename(resolved));
}

/** A run folder: a folder directly under a group folder of the runs folder (neither a symlink). */
export async function trustedRunDir(runDir: string, runsDir: string, field = 'runDir'): Promise<string> {
  if (typeof runDir !== 'string' || runDir.length === 0 || runDir.length > 4096 || runDir.includes('\0'))
    throw new UntrustedPathError(field, 'not a path');
  const resolved = path.resolve(runDir);
  const group = await trustedGroupDir(path.dirname(resolved), runsDir, field).catch(() => {
    throw new UntrustedPathError(field, `${resolved} is not a run folder of the runs folder ${runsDir}`);
  });
  const stat = await fs.lstat(resolved).catch(() => undefined);
  if (stat && !stat.isDirectory()) throw new UntrustedPathError(field, `${resolved} is not a folder (a symlink or a file)`);
  return path.join(group, path.basename(resolved));
}

/** A path inside the data folder, reached through no symlink below it. */
export async function trustedDataPath(p: string, dataDir: string, field: string): Promise<string> {
  if (typeof p !== 'string' || p.length === 0 || p.length > 4096 || p.includes('\0')) throw new UntrustedPathError(field, 'not a path');
  const root = path.resolve(dataDir);
  const resolved = path.resolve(p);
  const rel = path.relative(root, resolved);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel))
    throw new UntrustedPathError(field, `${resolved} is not inside the data folder ${dataDir}`);
  let at = root;
  for (const part of rel.split(path.sep)) {
    at = path.join(at, part);
    const stat = await fs.lstat(at).catch(() => undefined);
    if (stat?.isSymbolicLink()) throw new UntrustedPathError(field, `${at} is a symlink`);
    if (!stat) break;
  }
  return resolved;
}
