/**
 * A POSIX tar (ustar) of a few files of one folder, streamed: how the REST API hands an export
 * over (a download of the folder it wrote, never a path on the server). Small on purpose: regular
 * files with short names only, which is all an export holds.
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

const BLOCK = 512;
// 11 octal digits: the ustar size field's ceiling.
const MAX_SIZE = 8 ** 11 - 1;

function header(name: string, size: number, mtimeSecs: number): Buffer {
  if (Buffer.byteLength(name) > 99) throw new Error(`tar: the name ${name} is longer than 99 bytes`);
  if (size > MAX_SIZE) throw new Error(`tar: ${name} is larger than ${MAX_SIZE} bytes`);
  const h = Buffer.alloc(BLOCK);
  const octal = (n: number, width: number) => `${n.toString(8).padStart(width - 1, '0')}\0`;
  h.write(name, 0, 'utf8');
  h.write(octal(0o644, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(mtimeSecs, 12), 136);
  h.write(' '.repeat(8), 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** The files `names` of `dir` as a tar stream, each under `prefix/`. */
export function tarFiles(dir: string, names: readonly string[], prefix: string): Readable {
  async function* blocks(): AsyncGenerator<Buffer> {
    for (const name of names) {
      const file = path.join(dir, name);
      const st = await fs.lstat(file);
      if (!st.isFile()) throw new Error(`tar: ${file} is not a regular file`);
      yield header(`${prefix}/${name}`, st.size, Math.floor(st.mtimeMs / 1000));
      let written = 0;
      for await (const chunk of createReadStream(file)) {
        written += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      if (written !== st.size) throw new Error(`tar: ${file} changed while it was archived`);
      if (written % BLOCK) yield Buffer.alloc(BLOCK - (written % BLOCK));
    }
    yield Buffer.alloc(2 * BLOCK);
  }
  return Readable.from(blocks());
}
