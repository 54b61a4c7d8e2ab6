/**
 * The IDX format of MNIST and Fashion-MNIST: a big-endian header (two zero bytes, a type byte,
 * the number of dimensions, then each dimension as a 32-bit integer) followed by the values.
 * Only unsigned bytes (type 0x08) occur in these data sets, so only they are read.
 */

export interface IdxArray {
  dims: number[];
  /** The values in row-major order, a view into the file's bytes. */
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${source}: not an IDX file (bad magic number)`);
  if (bytes[2] !== UNSIGNED_BYTE) throw new Error(`${source}: IDX value type 0x${bytes[2]!.toString(16)} is not unsigned bytes (0x08)`);
  const rank = bytes[3]!;
  const headerSize = 4 + 4 * rank;
  if (rank === 0 || bytes.length < headerSize) throw new Error(`${source}: IDX header is truncated`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== headerSize + size) {
    throw new Error(`${source}: IDX dimensions ${dims.join('x')} need ${headerSize + size} bytes, the file has ${bytes.length}`);
  }
  return { dims, data: bytes.subarray(headerSize) };
}

/** Images (`n x rows x cols`) and their labels (`n`), checked to agree. */
export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  labels: Uint8Array;
  /** Image `i`'s pixels, row by row, 0 = background. */
  image(i: number): Uint8Array;
}

export function idxImages(images: IdxArray, labels: IdxArray, source: string): IdxImages {
  if (images.dims.length !== 3) throw new Error(`${source}: images must have 3 dimensions, found ${images.dims.join('x')}`);
  if (labels.dims.length !== 1) throw new Error(`${source}: labels must have 1 dimension, found ${labels.dims.join('x')}`);
  const [count, rows, cols] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) throw new Error(`${source}: ${count} images but ${labels.dims[0]} labels`);
  const pixels = rows * cols;
  return {
    count,
    rows,
    cols,
    labels: labels.data,
    image: (i) => images.data.subarray(i * pixels, (i + 1) * pixels),
  };
}
