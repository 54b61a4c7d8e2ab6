/**
 * A data frame from an R package shipped by Debian: fetch and unpack the package (debian.ts),
 * then read the object from an `.rda` file or from the package's lazy-load database.
 */
import { promises as fs } from 'node:fs';
import { z } from 'zod';
import { decompress } from './compression';
import { debianPackagePath, debianPackageSchema } from './debian';
import { openLazyLoadDb } from './lazyload';
import { readRdaObjects, type RValue } from './rdata';
import { asDataFrame, type RDataFrame } from './rframe';

export const rDataSourceSchema = z
  .object({
    package: debianPackageSchema,
    /**
     * Inside the package: an `.rda`/`.RData` file, or a lazy-load database named by its `.rdb`
     * file (`usr/lib/R/site-library/modeldata/data/Rdata.rdb`).
     */
    file: z
      .string()
      .regex(/\.(rda|RData|rdb)$/, 'must end in .rda, .RData or .rdb')
      .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a relative path inside the package'),
    /** The object's name in that file. */
    object: z.string().min(1),
  })
  .strict();

export type RDataSource = z.output<typeof rDataSourceSchema>;

export async function readRObject(source: RDataSource): Promise<RValue> {
  const file = await debianPackagePath(source.package, source.file);
  const where = `${source.package.name}:${source.file}`;
  if (file.endsWith('.rdb')) {
    const db = await openLazyLoadDb(file.slice(0, -'.rdb'.length));
    if (!db.names.includes(source.object)) throw new Error(`${where}: no object "${source.object}" (has: ${db.names.join(', ')})`);
    return db.read(source.object);
  }
  const objects = readRdaObjects(await decompress(await fs.readFile(file), where), where);
  const value = objects.get(source.object);
  if (!value) throw new Error(`${where}: no object "${source.object}" (has: ${[...objects.keys()].join(', ')})`);
  return value;
}

export async function readRDataFrame(source: RDataSource): Promise<RDataFrame> {
  return asDataFrame(await readRObject(source), `${source.package.name}:${source.file} object ${source.object}`);
}
