/**
 * Two Fashion-MNIST classes as an image competition with PNG files on disk, scored by binary log
 * loss (an offline analogue of Kaggle's dogs-vs-cats). Source: the Debian package
 * `dataset-fashion-mnist` (MIT, Zalando SE), fetched with `apt-get download` into the harness's
 * cache and unpacked with `dpkg-deb -x`; it holds the original IDX files. Train images are
 * sampled from the original training set and test images from the original test set.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { PNG } from 'pngjs';
import { z } from 'zod';
import { toCsv } from '../../../csv';
import { debianPackagePath, debianPackageSchema } from '../../sources/debian';
import { seededShuffle } from '../../random';
import type { PrepareStep } from '../types';
import { idxImages, parseIdx, type IdxImages } from './idx';

const fashionClass = z.number().int().min(0).max(9);

const optionsSchema = z
  .object({
    package: debianPackageSchema,
    /** Folder of the IDX files inside the package. */
    data_dir: z.string().min(1).default('usr/share/datasets/fashion-mnist'),
    /** Fashion-MNIST class that is label 1 (6 = Shirt). */
    positive_class: fashionClass,
    /** Fashion-MNIST class that is label 0 (0 = T-shirt/top). */
    negative_class: fashionClass,
    n_train: z.number().int().min(10),
    n_test: z.number().int().min(10),
  })
  .strict()
  .refine((o) => o.positive_class !== o.negative_class, { message: 'must differ from negative_class', path: ['positive_class'] });

type Options = z.output<typeof optionsSchema>;

async function readSplit(options: Options, prefix: 'train' | 't10k'): Promise<IdxImages> {
  const read = async (kind: 'images-idx3' | 'labels-idx1') => {
    const file = await debianPackagePath(options.package, `${options.data_dir}/${prefix}-${kind}-ubyte.gz`);
    let bytes: Buffer;
    try {
      bytes = zlib.gunzipSync(await fs.readFile(file));
    } catch (err) {
      throw new Error(`fashion-mnist: cannot read ${file} (prepare.options.data_dir): ${(err as Error).message}`);
    }
    return parseIdx(bytes, file);
  };
  return idxImages(await read('images-idx3'), await read('labels-idx1'), `${options.package.name} ${prefix}`);
}

/** Indices of the two classes' images, shuffled with the seed, the first `n`. */
function sample(split: IdxImages, options: Options, n: number, seed: number, name: string): number[] {
  const wanted = [];
  for (let i = 0; i < split.count; i++) {
    const label = split.labels[i];
    if (label === options.positive_class || label === options.negative_class) wanted.push(i);
  }
  if (wanted.length < n) {
    throw new Error(
      `fashion-mnist: prepare.options.n_${name} is ${n}, but the ${name} set has only ${wanted.length} images of the two classes`,
    );
  }
  return seededShuffle(wanted, seed).slice(0, n);
}

/**
 * An 8-bit grayscale PNG. Stored (level 0) deflate and no row filter make the bytes independent
 * of the zlib build, so the prepared files, and with them the pinned checksum, are identical on
 * every machine; at 28x28 pixels a file is under 1 KB either way.
 */
export function grayscalePng(pixels: Uint8Array, width: number, height: number): Buffer {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  png.data = Buffer.from(pixels);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8, deflateLevel: 0, filterType: 0 });
}

interface Image {
  id: string;
  label: 0 | 1;
  pixels: Uint8Array;
}

async function writeImages(dir: string, images: Image[], split: IdxImages): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const BATCH = 64;
  for (let i = 0; i < images.length; i += BATCH) {
    await Promise.all(
      images
        .slice(i, i + BATCH)
        .map((img) => fs.writeFile(path.join(dir, `${img.id}.png`), grayscalePng(img.pixels, split.cols, split.rows))),
    );
  }
}

export const fashionMnist: PrepareStep<Options> = {
  name: 'fashion-mnist',
  options: optionsSchema,
  async run({ seed, options, publicDir, privateDir }) {
    const trainSet = await readSplit(options, 'train');
    const testSet = await readSplit(options, 't10k');
    const toImage =
      (set: IdxImages, offset: number) =>
      (index: number, i: number): Image => ({
        id: `id${String(offset + i).padStart(5, '0')}`,
        label: set.labels[index] === options.positive_class ? 1 : 0,
        pixels: set.image(index),
      });
    // Two streams of the seed, so changing n_train does not reshuffle the test set.
    const train = sample(trainSet, options, options.n_train, seed, 'train').map(toImage(trainSet, 0));
    const test = sample(testSet, options, options.n_test, (seed ^ 0x9e3779b9) >>> 0, 'test').map(toImage(testSet, options.n_train));

    await writeImages(path.join(publicDir, 'train'), train, trainSet);
    await writeImages(path.join(publicDir, 'test'), test, testSet);
    await fs.writeFile(
      path.join(publicDir, 'train.csv'),
      toCsv(
        ['id', 'label'],
        train.map((img) => [img.id, img.label]),
      ),
    );
    await fs.writeFile(
      path.join(publicDir, 'test.csv'),
      toCsv(
        ['id'],
        test.map((img) => [img.id]),
      ),
    );
    await fs.writeFile(
      path.join(publicDir, 'sample_submission.csv'),
      toCsv(
        ['id', 'label'],
        test.map((img) => [img.id, 0.5]),
      ),
    );
    await fs.writeFile(
      path.join(privateDir, 'answers.csv'),
      toCsv(
        ['id', 'label'],
        test.map((img) => [img.id, img.label]),
      ),
    );
  },
};
