/**
 * R's lazy-load databases: the `Rdata.rdb`/`Rdata.rdx` pair a package with `LazyData: true`
 * installs under `data/`. The `.rdx` file is a gzip-compressed serialized list: `variables`
 * maps each object's name to its chunk (byte offset and length in the `.rdb` file), and
 * `compressed` says how chunks are compressed. A chunk is a 4-byte big-endian decompressed
 * length, then (for `compressed` 2 and 3) a type byte — `Z` raw LZMA2, `2` bzip2, `1` zlib,
 * `0` stored — then the data; `compressed = TRUE` chunks have no type byte and are zlib. Each
 * decompressed chunk is one serialized object.
 */
import { promises as fs } from 'node:fs';
import zlib from 'node:zlib';
import Bunzip from 'seek-bzip';
import { decompress, unlzma2 } from './compression';
import { RDataError, unserialize, type RValue } from './rdata';

export interface LazyLoadDb {
  /** The objects the database holds, in index order. */
  names: string[];
  read(name: string): Promise<RValue>;
}

interface Chunk {
  offset: number;
  length: number;
}

/** Opens `<base>.rdx` and `<base>.rdb` (`base` such as `.../modeldata/data/Rdata`). */
export async function openLazyLoadDb(base: string): Promise<LazyLoadDb> {
  const indexFile = `${base}.rdx`;
  const dataFile = `${base}.rdb`;
  const index = unserialize(await decompress(await fs.readFile(indexFile), indexFile), indexFile);
  const entry = (name: string): RValue => {
    if (index.type !== 'list') throw new RDataError(indexFile, 0, `index is a ${index.type}, expected a list`);
    const names = index.attributes.get('names');
    const at = names?.type === 'character' ? names.data.indexOf(name) : -1;
    if (at < 0) throw new RDataError(indexFile, 0, `index has no "${name}" entry`);
    return index.data[at]!;
  };
  const variables = entry('variables');
  const compressedFlag = entry('compressed');
  const compression =
    compressedFlag.type === 'logical' || compressedFlag.type === 'integer' || compressedFlag.type === 'double'
      ? Number(compressedFlag.data[0] ?? 0)
      : 0;
  const varNames = variables.type === 'list' ? variables.attributes.get('names') : undefined;
  if (variables.type !== 'list' || varNames?.type !== 'character') {
    throw new RDataError(indexFile, 0, 'index "variables" is not a named list');
  }
  const chunks = new Map<string, Chunk>();
  variables.data.forEach((v, i) => {
    const [offset, length] = v.type === 'integer' || v.type === 'double' ? v.data : [];
    if (offset == null || length == null) throw new RDataError(indexFile, 0, `variable ${i + 1} has no (offset, length) pair`);
    chunks.set(varNames.data[i] ?? `#${i + 1}`, { offset, length });
  });

  return {
    names: [...chunks.keys()],
    async read(name) {
      const chunk = chunks.get(name);
      if (!chunk) throw new RDataError(dataFile, 0, `no object "${name}" (has: ${[...chunks.keys()].join(', ')})`);
      const handle = await fs.open(dataFile, 'r');
      let bytes: Buffer;
      try {
        bytes = Buffer.alloc(chunk.length);
        const { bytesRead } = await handle.read(bytes, 0, chunk.length, chunk.offset);
        if (bytesRead !== chunk.length) throw new RDataError(dataFile, chunk.offset, `chunk of "${name}" is cut short`);
      } finally {
        await handle.close();
      }
      const source = `${dataFile} (object "${name}")`;
      return unserialize(await decompressChunk(bytes, compression, source), source);
    },
  };
}

async function decompressChunk(chunk: Buffer, compression: number, source: string): Promise<Buffer> {
  if (chunk.length < 5) throw new RDataError(source, 0, 'chunk shorter than its header');
  const size = chunk.readUInt32BE(0);
  let out: Buffer;
  try {
    if (compression !== 2 && compression !== 3) {
      out = zlib.inflateSync(chunk.subarray(4));
    } else {
      const type = String.fromCharCode(chunk[4]!);
      const body = chunk.subarray(5);
      if (type === 'Z') out = await unlzma2(body, size);
      else if (type === '2') out = Bunzip.decode(body);
      else if (type === '1') out = zlib.inflateSync(body);
      else if (type === '0') out = body;
      else throw new Error(`unknown chunk type byte 0x${chunk[4]!.toString(16)}`);
    }
  } catch (err) {
    if (err instanceof RDataError) throw err;
    throw new RDataError(source, 0, `cannot decompress chunk: ${(err as Error).message}`);
  }
  if (out.length !== size) throw new RDataError(source, 0, `chunk decompressed to ${out.length} bytes, its header says ${size}`);
  return out;
}
