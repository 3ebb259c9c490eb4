/**
 * Labelled image data sets kept compact: one byte a pixel, converted to float32 a batch at a time by
 * the DataLoader (Fashion-MNIST's 60,000 training images take 47 MB as bytes, 188 MB as floats).
 * Browser-safe; the Node-only loaders of files and packages are in `convkit/node`.
 */
import { argError, isInt, show } from '../errors.js';
import type { IdxArray } from '../io/idx.js';

/** torchvision's `FashionMNIST.classes`, in label order. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]);

/** The digits' class names, in label order. */
export const DIGIT_CLASSES: readonly string[] = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

/** Grayscale images with a class label each. */
export interface ImageDataset {
  /** What it is, e.g. `'Fashion-MNIST train'`. */
  readonly name: string;
  /** Where it came from: a directory, a package. */
  readonly source: string;
  /** The pixels, 0..255, image after image, each `height × width` row-major (one channel). */
  readonly images: Uint8Array;
  /** The class index of each image, below `classes.length`. */
  readonly labels: Uint8Array;
  readonly length: number;
  readonly height: number;
  readonly width: number;
  /** The class names, indexed by label. */
  readonly classes: readonly string[];
}

/** A training set and a test set. */
export interface DatasetSplits {
  readonly train: ImageDataset;
  readonly test: ImageDataset;
}

/** What {@link imageDataset} checks and wraps. */
export interface ImageDatasetFields {
  name: string;
  source: string;
  images: Uint8Array;
  labels: Uint8Array;
  height: number;
  width: number;
  classes: readonly string[];
}

/**
 * Checks that the images and labels agree (as many images as labels, every label a class) and returns
 * the data set, sharing the arrays.
 * @throws ConvkitArgumentError naming the data set and what disagrees.
 */
export function imageDataset(fields: ImageDatasetFields): ImageDataset {
  const { name, source, images, labels, height, width, classes } = fields;
  const where = `imageDataset(${show(name)})`;
  if (typeof name !== 'string' || typeof source !== 'string') throw argError('imageDataset', 'name and source must be strings');
  if (!(images instanceof Uint8Array)) throw argError(where, `images must be a Uint8Array, got ${show(images)}`);
  if (!(labels instanceof Uint8Array)) throw argError(where, `labels must be a Uint8Array, got ${show(labels)}`);
  if (!isInt(height) || height < 1 || !isInt(width) || width < 1) {
    throw argError(where, `height and width must be positive integers, got ${show(height)} and ${show(width)}`);
  }
  if (!Array.isArray(classes) || classes.length < 1 || classes.length > 256 || !classes.every((c) => typeof c === 'string')) {
    throw argError(where, `classes must be 1 to 256 strings, got ${show(classes)}`);
  }
  const pixels = height * width;
  if (images.length !== labels.length * pixels) {
    throw argError(where, `${labels.length} labels need ${labels.length * pixels} pixels of ${height}x${width} images, got ${images.length}`);
  }
  const bad = labels.findIndex((label) => label >= classes.length);
  if (bad >= 0) throw argError(where, `label ${labels[bad]} of image ${bad} is not below the ${classes.length} classes`);
  return Object.freeze({
    name, source, images, labels, length: labels.length, height, width, classes: Object.freeze([...classes]),
  });
}

/**
 * A data set from parsed IDX files: `images` of uint8 and shape [N, H, W], `labels` of uint8 and shape [N]
 * (the layout of MNIST's and Fashion-MNIST's files).
 * @throws ConvkitArgumentError when the types or shapes are not those, the counts differ, or a label is
 * not a class.
 */
export function datasetFromIdx(
  images: IdxArray, labels: IdxArray, info: { name: string; source: string; classes: readonly string[] },
): ImageDataset {
  const where = `datasetFromIdx(${show(info.name)})`;
  if (images.type !== 'uint8' || images.shape.length !== 3) {
    throw argError(where, `images must be uint8 of shape [N, H, W], got ${images.type} of shape ${show(images.shape)}`);
  }
  if (labels.type !== 'uint8' || labels.shape.length !== 1) {
    throw argError(where, `labels must be uint8 of shape [N], got ${labels.type} of shape ${show(labels.shape)}`);
  }
  if (images.shape[0] !== labels.shape[0]) {
    throw argError(where, `${images.shape[0]} images but ${labels.shape[0]} labels`);
  }
  return imageDataset({
    ...info, images: images.data as Uint8Array, labels: labels.data as Uint8Array, height: images.shape[1], width: images.shape[2],
  });
}

/** Mean and standard deviation of a data set's pixels scaled to [0, 1], for torchvision's `Normalize`. */
export function pixelStatistics(dataset: ImageDataset): { mean: number; std: number } {
  let sum = 0;
  let squares = 0;
  for (const byte of dataset.images) {
    sum += byte;
    squares += byte * byte;
  }
  const n = dataset.images.length;
  const mean = sum / n;
  return { mean: mean / 255, std: Math.sqrt(Math.max(squares / n - mean * mean, 0)) / 255 };
}
