import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Adam, ConvkitArgumentError, countCorrect, DataLoader, evaluate, fit, imageDataset, manualSeed, moduleFromJSON, tensor,
  trainStep, twinJSON, type EpochResult,
} from '../../src/index.js';

/** 64 random 28x28 images in 10 classes, from a fixed seed. */
function dataset(seed: number) {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
  const images = Uint8Array.from({ length: 64 * 784 }, () => next() % 256);
  const labels = Uint8Array.from({ length: 64 }, () => next() % 10);
  return imageDataset({ name: 'random', source: 'test', images, labels, height: 28, width: 28, classes: [...'0123456789'] });
}

function setup() {
  manualSeed(1);
  const model = moduleFromJSON(twinJSON('separable', { widths: [4, 4, 4] }));
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const train = new DataLoader(dataset(1), { batchSize: 16, shuffle: true, seed: 2 });
  const test = new DataLoader(dataset(3), { batchSize: 32 });
  return { model, optimizer, train, test };
}

test('countCorrect takes the first largest logit of each row, as argmax does', () => {
  const logits = tensor([[1, 3, 3], [2, 0, 2], [0, 0, 5]]);
  assert.equal(countCorrect(logits, Int32Array.from([1, 0, 2])), 3);
  assert.equal(countCorrect(logits, Int32Array.from([2, 2, 2])), 1);
});

test('trainStep lowers the loss on a batch it sees again; evaluate restores training mode and records no graph', () => {
  const { model, optimizer, train, test } = setup();
  const batch = [...train][0];
  const first = trainStep(model, optimizer, batch).loss;
  for (let i = 0; i < 40; i++) trainStep(model, optimizer, batch);
  assert.ok(trainStep(model, optimizer, batch).loss < first / 2);
  const result = evaluate(model, test);
  assert.ok(result.accuracy >= 0 && result.accuracy <= 1 && Number.isFinite(result.loss));
  assert.equal(model.training, true);
  model.eval();
  evaluate(model, test);
  assert.equal(model.training, false);
});

test('fit from firstEpoch continues a run: two halves give the epochs of one whole run, bit for bit', () => {
  const whole = setup();
  const clock = () => 0;
  const all = fit(whole.model, whole.optimizer, whole.train, whole.test, { epochs: 3, clock });
  const split = setup();
  const seen: EpochResult[] = [];
  fit(split.model, split.optimizer, split.train, split.test, { epochs: 1, clock, onEpoch: (r) => seen.push(r) });
  const rest = fit(split.model, split.optimizer, split.train, split.test, { epochs: 3, firstEpoch: 2, clock });
  assert.deepEqual([...seen, ...rest].map((r) => r.epoch), [1, 2, 3]);
  assert.deepEqual([...seen, ...rest].map(({ seconds: _s, imagesPerSecond: _i, ...r }) => r), all.map(({ seconds: _s, imagesPerSecond: _i, ...r }) => r));
  assert.throws(() => fit(split.model, split.optimizer, split.train, split.test, { epochs: 0 }), ConvkitArgumentError);
});

test('fit reports progress after every batch and stops when asked', () => {
  const { model, optimizer, train, test } = setup();
  const batches: number[] = [];
  const results = fit(model, optimizer, train, test, { epochs: 2, onProgress: (p) => batches.push(p.batch), shouldStop: () => batches.length === 6 });
  assert.deepEqual(batches, [1, 2, 3, 4, 1, 2]);
  assert.equal(results.length, 1);
});
