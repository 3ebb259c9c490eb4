import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConvkitArgumentError, datasetFromIdx, DIGIT_CLASSES, FASHION_MNIST_CLASSES, imageDataset, pixelStatistics, type IdxArray } from '../../src/index.js';

const refused = (fn: () => unknown, pattern: RegExp) => assert.throws(
  fn, (e: unknown) => e instanceof ConvkitArgumentError && pattern.test(e.message),
);

test('imageDataset checks that images, labels and classes agree', () => {
  const fields = { name: 'x', source: 's', images: new Uint8Array(8), labels: Uint8Array.from([0, 1]), height: 2, width: 2, classes: ['a', 'b'] };
  const data = imageDataset(fields);
  assert.equal(data.length, 2);
  assert.ok(Object.isFrozen(data));
  refused(() => imageDataset({ ...fields, images: new Uint8Array(7) }), /^imageDataset\('x'\): 2 labels need 8 pixels of 2x2 images, got 7$/);
  refused(() => imageDataset({ ...fields, labels: Uint8Array.from([0, 2]) }), /label 2 of image 1 is not below the 2 classes/);
  refused(() => imageDataset({ ...fields, height: 0 }), /height and width must be positive integers/);
  refused(() => imageDataset({ ...fields, classes: [] }), /classes must be 1 to 256 strings/);
  refused(() => imageDataset({ ...fields, images: new Float32Array(8) as unknown as Uint8Array }), /images must be a Uint8Array/);
});

test('datasetFromIdx takes uint8 [N, H, W] images and uint8 [N] labels of the same N', () => {
  const images: IdxArray = { type: 'uint8', shape: [2, 1, 3], data: new Uint8Array(6) };
  const labels: IdxArray = { type: 'uint8', shape: [2], data: Uint8Array.from([9, 0]) };
  const info = { name: 'f', source: 's', classes: FASHION_MNIST_CLASSES };
  const data = datasetFromIdx(images, labels, info);
  assert.deepEqual([data.length, data.height, data.width], [2, 1, 3]);
  refused(() => datasetFromIdx(labels, labels, info), /images must be uint8 of shape \[N, H, W\], got uint8 of shape \[2\]/);
  refused(() => datasetFromIdx(images, { ...labels, type: 'int32', data: new Int32Array(2) }, info), /labels must be uint8 of shape \[N\], got int32/);
  refused(() => datasetFromIdx(images, { ...labels, shape: [6], data: new Uint8Array(6) }, info), /^datasetFromIdx\('f'\): 2 images but 6 labels$/);
  refused(() => datasetFromIdx(images, labels, { ...info, classes: DIGIT_CLASSES.slice(0, 5) }), /label 9 of image 0 is not below the 5 classes/);
});

test("pixelStatistics gives the mean and standard deviation of the pixels scaled to [0, 1], for Normalize", () => {
  const half = imageDataset({ name: 'h', source: 't', images: Uint8Array.from([0, 255, 0, 255]), labels: Uint8Array.from([0]), height: 2, width: 2, classes: ['a'] });
  assert.deepEqual(pixelStatistics(half), { mean: 0.5, std: 0.5 });
  const flat = imageDataset({ name: 'f', source: 't', images: new Uint8Array(4).fill(51), labels: Uint8Array.from([0]), height: 2, width: 2, classes: ['a'] });
  assert.deepEqual(pixelStatistics(flat), { mean: 0.2, std: 0 });
});
