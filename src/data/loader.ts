/**
 * Batches of an image data set, as torch.utils.data.DataLoader with torchvision's ToTensor (and
 * Normalize) gives them: float32 images of shape [B, 1, H, W], pixel / 255, then (x - mean) / std,
 * each step rounded to float32 as torch's float32 ops round it, so the values are torch's bit for bit.
 */
import { argError, isInt, show } from '../errors.js';
import { defaultGenerator, Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import type { ImageDataset } from './dataset.js';

/** Options of {@link DataLoader}; the defaults are torch's. */
export interface DataLoaderOptions {
  /** Images a batch (default 1). */
  batchSize?: number;
  /** Draw a new order every epoch (default false: the data set's order). */
  shuffle?: boolean;
  /** The generator the orders are drawn from (default: convkit's default generator). */
  generator?: Generator;
  /** Shorthand for `generator: new Generator(seed)`; not with `generator`. */
  seed?: number;
  /** Leave out the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Normalise each pixel as torchvision's `Normalize([mean], [std])` after scaling it to [0, 1]. */
  normalize?: { mean: number; std: number };
}

/** One batch: the images, their class indices, and where they are in the data set. */
export interface Batch {
  /** Float32 images of shape [B, 1, H, W]. */
  readonly images: Tensor;
  /** The class index of each image. */
  readonly labels: Int32Array;
  /** The class indices again as a float32 tensor of shape [B], for code that takes tensors only. */
  readonly targets: Tensor;
  /** The index of each image in the data set. */
  readonly indices: Int32Array;
}

/**
 * Iterates a data set in batches, like torch's DataLoader (single process): `for (const batch of
 * loader)` is one epoch. With `shuffle`, each epoch draws a new permutation from the generator, as
 * torch's RandomSampler does, so the same seed gives the same sequence of epochs, bit for bit. The
 * permutation is a Fisher-Yates shuffle on convkit's PCG generator: the orders differ from torch's
 * (whose randperm runs on its Mersenne Twister), the distribution is the same (uniform).
 */
export class DataLoader implements Iterable<Batch> {
  readonly dataset: ImageDataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: Generator;
  readonly #mean: number;
  readonly #std: number;

  constructor(dataset: ImageDataset, options: DataLoaderOptions = {}) {
    const { batchSize = 1, shuffle = false, dropLast = false, normalize } = options;
    if (dataset === null || typeof dataset !== 'object' || !(dataset.images instanceof Uint8Array) || !(dataset.labels instanceof Uint8Array)) {
      throw argError('DataLoader', `dataset must be an ImageDataset, got ${show(dataset)}`);
    }
    if (!isInt(batchSize) || batchSize < 1) {
      throw argError('DataLoader', `batch_size should be a positive integer value, but got batch_size=${show(batchSize)}`);
    }
    if (typeof shuffle !== 'boolean') throw argError('DataLoader', `shuffle must be a boolean, got ${show(shuffle)}`);
    if (typeof dropLast !== 'boolean') throw argError('DataLoader', `dropLast must be a boolean, got ${show(dropLast)}`);
    if (options.generator !== undefined && options.seed !== undefined) {
      throw argError('DataLoader', 'give generator or seed, not both');
    }
    if (options.generator !== undefined && !(options.generator instanceof Generator)) {
      throw argError('DataLoader', `generator must be a Generator, got ${show(options.generator)}`);
    }
    this.generator = options.seed !== undefined ? new Generator(options.seed) : options.generator ?? defaultGenerator;
    if (normalize !== undefined) {
      const { mean, std } = normalize;
      if (typeof mean !== 'number' || !Number.isFinite(mean) || typeof std !== 'number' || !Number.isFinite(std) || std === 0) {
        throw argError('DataLoader', `normalize needs a finite mean and a finite, non-zero std, got mean=${show(mean)}, std=${show(std)}`);
      }
    }
    if (shuffle && dataset.length === 0) {
      throw argError('DataLoader', 'num_samples should be a positive integer value, but got num_samples=0 (shuffle of an empty data set)');
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    // torchvision's Normalize holds mean and std as float32 tensors.
    this.#mean = Math.fround(normalize?.mean ?? 0);
    this.#std = Math.fround(normalize?.std ?? 1);
  }

  /** Batches an epoch: ceil(N / batchSize), or floor with `dropLast`. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<Batch> {
    const order = this.#order();
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      yield this.#batch(order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, order.length)));
    }
  }

  /** The epoch's order of the data set's indices: drawn when the epoch starts, as torch's sampler does. */
  #order(): Int32Array {
    const n = this.dataset.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (this.shuffle) {
      for (let i = 0; i < n - 1; i++) {
        const j = i + uniformBelow(this.generator, n - i);
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }

  #batch(indices: Int32Array): Batch {
    const { images, labels: allLabels, height, width } = this.dataset;
    const pixels = height * width;
    const data = new Float32Array(indices.length * pixels);
    const labels = new Int32Array(indices.length);
    const mean = this.#mean;
    const std = this.#std;
    const plain = mean === 0 && std === 1;
    for (let b = 0; b < indices.length; b++) {
      const index = indices[b];
      const start = index * pixels;
      const offset = b * pixels;
      for (let p = 0; p < pixels; p++) {
        // ToTensor: byte / 255 in float32 (the float64 quotient rounded once is the float32 quotient).
        const x = Math.fround(images[start + p] / 255);
        data[offset + p] = plain ? x : Math.fround(x - mean) / std;
      }
      labels[b] = allLabels[index];
    }
    return {
      images: new Tensor(data, [indices.length, 1, height, width]),
      labels,
      targets: new Tensor(Float32Array.from(labels), [labels.length]),
      indices: indices.slice(),
    };
  }
}

/**
 * A uniform integer in [0, bound) for 1 <= bound <= 2^32, by rejection (no modulo bias): a draw is kept
 * when it falls below the largest multiple of bound that 2^32 holds.
 */
function uniformBelow(generator: Generator, bound: number): number {
  const limit = 2 ** 32 - (2 ** 32 % bound);
  for (;;) {
    const r = generator.nextUint32();
    if (r < limit) return r % bound;
  }
}
