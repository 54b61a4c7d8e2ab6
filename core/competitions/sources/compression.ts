/**
 * Decompressors for R's data files, none of which Node has built in: xz (`.rda` saved with
 * `compress = "xz"`), bzip2 (`compress = "bzip2"`), and the raw LZMA2 chunks of a lazy-load
 * database (`Rdata.rdb`). xz and LZMA2 go through xz-embedded compiled to WebAssembly
 * (npm `xz-decompress`), bzip2 through pure JavaScript (npm `seek-bzip`): no native build.
 */
import { Blob } from 'node:buffer';
import zlib from 'node:zlib';
import Bunzip from 'seek-bzip';
import { XzReadableStream } from 'xz-decompress';

export type Compression = 'gzip' | 'bzip2' | 'xz' | 'none';

/** What a file's first bytes say it is compressed with (R's own `load()` sniffs the same way). */
export function sniffCompression(bytes: Uint8Array): Compression {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip';
  if (bytes[0] === 0x42 && bytes[1] === 0x5a && bytes[2] === 0x68) return 'bzip2'; // "BZh"
  if (bytes[0] === 0xfd && bytes[1] === 0x37 && bytes[2] === 0x7a && bytes[3] === 0x58 && bytes[4] === 0x5a && bytes[5] === 0) return 'xz';
  return 'none';
}

export async function decompress(bytes: Buffer, source: string): Promise<Buffer> {
  const kind = sniffCompression(bytes);
  try {
    switch (kind) {
      case 'gzip':
        return zlib.gunzipSync(bytes);
      case 'bzip2':
        return Bunzip.decode(bytes);
      case 'xz':
        return await unxz(bytes);
      case 'none':
        return bytes;
    }
  } catch (err) {
    throw new Error(`${source}: cannot decompress ${kind} data: ${(err as Error).message}`);
  }
}

/** A whole .xz container. */
export async function unxz(bytes: Uint8Array): Promise<Buffer> {
  const stream = new XzReadableStream(new Blob([bytes]).stream());
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return Buffer.concat(parts);
}

/**
 * A raw LZMA2 stream (no container) of known decompressed size, as R writes into lazy-load
 * databases (`lzma_raw_encoder`, LZMA2 preset 6: an 8 MiB dictionary). xz-embedded decodes xz
 * containers only, so the stream is wrapped in a minimal one: stream header, one block with the
 * LZMA2 filter and no integrity check, an index that records the sizes, stream footer.
 */
export async function unlzma2(raw: Uint8Array, outputSize: number): Promise<Buffer> {
  const out = await unxz(wrapLzma2InXz(raw, outputSize));
  if (out.length !== outputSize) throw new Error(`LZMA2 data decoded to ${out.length} bytes, expected ${outputSize}`);
  return out;
}

const R_LZMA2_DICT_SIZE = 8 * 1024 * 1024;

export function wrapLzma2InXz(raw: Uint8Array, outputSize: number): Buffer {
  const flags = Buffer.from([0x00, 0x00]); // check type: none
  const streamHeader = Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), flags, crc(flags)]);
  // Block header: size/4 - 1, flags (one filter, no sizes), LZMA2 filter (id 0x21, 1 property byte), padding.
  const blockHead = Buffer.from([0x02, 0x00, 0x21, 0x01, dictionaryByte(Math.min(outputSize, R_LZMA2_DICT_SIZE)), 0, 0, 0]);
  const blockHeader = Buffer.concat([blockHead, crc(blockHead)]);
  const blockPadding = Buffer.alloc((4 - (raw.length % 4)) % 4);
  const records = Buffer.from([0x00, ...varint(1), ...varint(blockHeader.length + raw.length), ...varint(outputSize)]);
  const indexBody = Buffer.concat([records, Buffer.alloc((4 - (records.length % 4)) % 4)]);
  const index = Buffer.concat([indexBody, crc(indexBody)]);
  const backward = Buffer.concat([u32le(index.length / 4 - 1), flags]);
  const footer = Buffer.concat([crc(backward), backward, Buffer.from('YZ', 'latin1')]);
  return Buffer.concat([streamHeader, blockHeader, raw, blockPadding, index, footer]);
}

/** The smallest LZMA2 dictionary-size byte whose size covers `size` bytes (sizes are 2^n and 3·2^n from 4 KiB). */
function dictionaryByte(size: number): number {
  for (let b = 0; b < 40; b++) {
    if ((2 | (b & 1)) * 2 ** (Math.floor(b / 2) + 11) >= size) return b;
  }
  return 40;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

function crc(bytes: Uint8Array): Buffer {
  return u32le(zlib.crc32(bytes));
}
