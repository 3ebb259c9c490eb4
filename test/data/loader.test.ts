import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConvkitArgumentError, DataLoader, Generator, imageDataset, type Batch, type ImageDataset } from '../../src/index.js';

/** n images of 2×3 whose pixels are (index * 7 + p) mod 256, and labels index mod 3. */
function small(n: number): ImageDataset {
  const images = Uint8Array.from({ length: n * 6 }, (_, i) => (Math.floor(i / 6) * 7 + (i % 6)) % 256);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 3);
  return imageDataset({ name: 'small', source: 'test', images, labels, height: 2, width: 3, classes: ['a', 'b', 'c'] });
}

const epoch = (loader: DataLoader): Batch[] => [...loader];
const order = (batches: Batch[]): number[] => batches.flatMap((b) => Array.from(b.indices));

test('batches in order: shapes, the last partial batch, dropLast, length', () => {
  const data = small(10);
  const batches = epoch(new DataLoader(data, { batchSize: 4 }));
  assert.equal(new DataLoader(data, { batchSize: 4 }).length, 3);
  assert.deepEqual(batches.map((b) => b.images.shape), [[4, 1, 2, 3], [4, 1, 2, 3], [2, 1, 2, 3]]);
  assert.deepEqual(order(batches), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const dropped = new DataLoader(data, { batchSize: 4, dropLast: true });
  assert.equal(dropped.length, 2);
  assert.deepEqual(epoch(dropped).map((b) => b.images.shape[0]), [4, 4]);
  assert.equal(new DataLoader(data).length, 10);
  assert.equal(new DataLoader(data, { batchSize: 11, dropLast: true }).length, 0);
  assert.deepEqual(epoch(new DataLoader(data, { batchSize: 11, dropLast: true })), []);
});

test("a batch holds each image's pixels / 255 in float32 and its label", () => {
  const data = small(5);
  for (const batch of new DataLoader(data, { batchSize: 2, shuffle: true, seed: 1 })) {
    batch.indices.forEach((index, b) => {
      const pixels = Array.from(data.images.subarray(index * 6, index * 6 + 6), (v) => Math.fround(v / 255));
      assert.deepEqual(Array.from(batch.images.data.subarray(b * 6, b * 6 + 6)), pixels);
      assert.equal(batch.labels[b], data.labels[index]);
      assert.equal(batch.targets.data[b], data.labels[index]);
    });
    assert.deepEqual(batch.targets.shape, [batch.labels.length]);
  }
});

test('normalize computes (x - mean) / std with float32 mean, std and steps', () => {
  const data = small(3);
  const [batch] = epoch(new DataLoader(data, { batchSize: 3, normalize: { mean: 0.1307, std: 0.3081 } }));
  const mean = Math.fround(0.1307);
  const std = Math.fround(0.3081);
  const expected = Array.from(data.images, (v) => Math.fround(Math.fround(Math.fround(v / 255) - mean) / std));
  assert.deepEqual(Array.from(batch.images.data), expected);
});

test('shuffle: a new permutation each epoch, the same epochs for the same seed, bit for bit', () => {
  const data = small(50);
  const a = new DataLoader(data, { batchSize: 8, shuffle: true, seed: 5 });
  const b = new DataLoader(data, { batchSize: 8, shuffle: true, generator: new Generator(5) });
  const epochsA = [epoch(a), epoch(a), epoch(a)];
  const epochsB = [epoch(b), epoch(b), epoch(b)];
  for (let e = 0; e < 3; e++) {
    assert.deepEqual(order(epochsA[e]).sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(epochsA[e].map((batch) => Array.from(batch.images.data)), epochsB[e].map((batch) => Array.from(batch.images.data)));
    assert.deepEqual(order(epochsA[e]), order(epochsB[e]));
  }
  assert.notDeepEqual(order(epochsA[0]), order(epochsA[1]));
  assert.notDeepEqual(order(epochsA[1]), order(epochsA[2]));
  assert.notDeepEqual(order(epoch(new DataLoader(data, { shuffle: true, seed: 6 }))), order(epochsA[0]));
});

test('shuffle draws every order of 3 items about equally often (6000 epochs)', () => {
  const loader = new DataLoader(small(3), { batchSize: 3, shuffle: true, seed: 11 });
  const counts = new Map<string, number>();
  for (let e = 0; e < 6000; e++) {
    const key = order(epoch(loader)).join('');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.equal(counts.size, 6);
  // Each count is binomial(6000, 1/6): mean 1000, standard deviation 29; 150 is 5 deviations.
  for (const [key, count] of counts) assert.ok(Math.abs(count - 1000) < 150, `${key}: ${count}`);
});

test('bad options are refused as torch refuses them', () => {
  const data = small(4);
  const refused = (options: object, pattern: RegExp) => assert.throws(
    () => new DataLoader(data, options), (e: unknown) => e instanceof ConvkitArgumentError && pattern.test(e.message),
  );
  refused({ batchSize: 0 }, /^DataLoader: batch_size should be a positive integer value, but got batch_size=0$/);
  refused({ batchSize: 1.5 }, /batch_size=1\.5/);
  refused({ seed: 1, generator: new Generator(1) }, /give generator or seed, not both/);
  refused({ seed: -1 }, /manualSeed: seed must be a non-negative safe integer/);
  refused({ generator: {} }, /generator must be a Generator/);
  refused({ shuffle: 1 }, /shuffle must be a boolean/);
  refused({ normalize: { mean: 0.5, std: 0 } }, /non-zero std/);
  refused({ normalize: { mean: NaN, std: 1 } }, /finite mean/);
  assert.throws(() => new DataLoader(small(0), { shuffle: true }), /num_samples should be a positive integer value, but got num_samples=0/);
  assert.deepEqual(epoch(new DataLoader(small(0))), []);
  assert.throws(() => new DataLoader({} as ImageDataset), /DataLoader: dataset must be an ImageDataset/);
});
