/**
 * Data from Debian packages, fetched without installing them: `apt-get download NAME=VERSION`
 * into a cache under the harness home (`<MLEBENCH_HOME>/cache/debs/`), then unpacked with
 * `dpkg-deb -x` beside it. Both steps build in a temp folder and rename into place, so
 * concurrent prepares never see half a package, and a second prepare reuses the cache.
 *
 * Needs a Debian (or other apt-capable) host whose apt sources carry the pinned version; on
 * any other host the error says so, and a .deb copied into the cache by hand is used as is.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { harnessPaths, environment, type Env } from '../../config';
import { exists } from '../../fsx';

const run = promisify(execFile);

/** A package pinned by version (and optionally by the .deb's sha256), as configs name it. */
export const debianPackageSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, 'must be a Debian package name'),
    version: z.string().regex(/^[0-9A-Za-z.+~:-]+$/, 'must be a Debian version (as `apt-cache policy` shows it)'),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be a sha256 hex digest')
      .optional(),
  })
  .strict();

export type DebianPackage = z.output<typeof debianPackageSchema>;

/** The package cannot be had on this host (no apt, unknown version, no dpkg-deb, wrong bytes). */
export class DebianPackageError extends Error {
  override readonly name = 'DebianPackageError';
  constructor(
    readonly pkg: DebianPackage,
    reason: string,
  ) {
    super(`Debian package ${pkg.name}=${pkg.version}: ${reason}`);
  }
}

export function debianCacheDir(env: Env = environment()): string {
  return path.join(harnessPaths(env).home, 'cache', 'debs');
}

/** apt's file-name form of a version: the epoch's colon is written %3a. */
function fileVersion(version: string): string {
  return version.replace(/:/g, '%3a');
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await fs.readFile(file))
    .digest('hex');
}

async function findCachedDeb(cacheDir: string, pkg: DebianPackage): Promise<string | undefined> {
  const prefix = `${pkg.name}_${fileVersion(pkg.version)}_`;
  const names = await fs.readdir(cacheDir).catch(() => [] as string[]);
  const found = names.filter((n) => n.startsWith(prefix) && n.endsWith('.deb')).sort()[0];
  return found === undefined ? undefined : path.join(cacheDir, found);
}

function tail(text: string, lines = 4): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

async function download(cacheDir: string, pkg: DebianPackage): Promise<string> {
  const tmp = path.join(cacheDir, `.download-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(tmp, { recursive: true });
  try {
    try {
      await run('apt-get', ['download', '-q', `${pkg.name}=${pkg.version}`], { cwd: tmp, maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') {
        throw new DebianPackageError(
          pkg,
          `apt-get is not installed, and the package is not in the cache ${cacheDir}. Prepare this competition on Debian ` +
            `(or any apt-capable host with Debian's sources), or copy ${pkg.name}_${fileVersion(pkg.version)}_<arch>.deb into that folder`,
        );
      }
      throw new DebianPackageError(
        pkg,
        `apt-get download failed: ${tail(e.stderr ?? e.message)}. If apt does not know the package or version, run ` +
          '`apt-get update`; the pinned version is the one in Debian 12 (bookworm)',
      );
    }
    const [deb] = (await fs.readdir(tmp)).filter((n) => n.endsWith('.deb'));
    if (deb === undefined) throw new DebianPackageError(pkg, `apt-get download wrote no .deb file into ${tmp}`);
    const target = path.join(cacheDir, deb);
    await fs.rename(path.join(tmp, deb), target);
    return target;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** The package's .deb file in the cache, downloaded first when missing; its sha256 checked when pinned. */
export async function debianPackageFile(pkg: DebianPackage, cacheDir = debianCacheDir()): Promise<string> {
  await fs.mkdir(cacheDir, { recursive: true });
  const deb = (await findCachedDeb(cacheDir, pkg)) ?? (await download(cacheDir, pkg));
  if (pkg.sha256 !== undefined) {
    const actual = await sha256(deb);
    if (actual !== pkg.sha256) {
      throw new DebianPackageError(pkg, `${deb} has sha256 ${actual}, the config pins ${pkg.sha256}; delete the file to fetch it again`);
    }
  }
  return deb;
}

/**
 * The package unpacked (its file system tree: `usr/lib/...`), cached as
 * `<cache>/<name>_<version>/`. Returns that folder.
 */
export async function unpackDebianPackage(pkg: DebianPackage, cacheDir = debianCacheDir()): Promise<string> {
  const target = path.join(cacheDir, `${pkg.name}_${fileVersion(pkg.version)}`);
  if (await exists(target)) return target;
  const deb = await debianPackageFile(pkg, cacheDir);
  const tmp = path.join(cacheDir, `.unpack-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    try {
      await run('dpkg-deb', ['-x', deb, tmp], { maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT')
        throw new DebianPackageError(pkg, 'dpkg-deb is not installed: prepare this competition on Debian or an apt-capable host');
      throw new DebianPackageError(pkg, `dpkg-deb -x ${deb} failed: ${tail(e.stderr ?? e.message)}`);
    }
    try {
      await fs.rename(tmp, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Another prepare unpacked the same package first: theirs is identical.
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
    return target;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** A file inside a package, e.g. `usr/lib/R/site-library/kernlab/data/spam.rda`. */
export async function debianPackagePath(pkg: DebianPackage, fileInPackage: string, cacheDir = debianCacheDir()): Promise<string> {
  const root = await unpackDebianPackage(pkg, cacheDir);
  const file = path.join(root, fileInPackage);
  if (!file.startsWith(root + path.sep)) throw new DebianPackageError(pkg, `"${fileInPackage}" is not a path inside the package`);
  return file;
}
