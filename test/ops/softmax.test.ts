/**
 * softmax and logSoftmax against PyTorch (the random cases of test/fixtures/torch-loss.json, written by
 * tools/torch/loss_cases.py: ranks 0-4, every dim, logits up to +-80), and their rules.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logSoftmax, randn, softmax, sum, tensor, Tensor } from '../../src/index.js';
import { CONFIGS, withConfig } from '../support/backends.js';
import { loadLossCases, runLossCases } from '../support/loss-cases.js';

const file = loadLossCases(new URL('../fixtures/torch-loss.json', import.meta.url));
const isSoftmax = (c: { op: string }): boolean => c.op === 'softmax' || c.op === 'logSoftmax';

for (const config of CONFIGS.slice(0, 2)) {
  test(`softmax and logSoftmax, values and gradients, equal PyTorch's (${file.cases.filter(isSoftmax).length} random cases, ${config.name})`, () => {
    const results = withConfig(config, () => runLossCases(file, isSoftmax));
    assert.ok(results.length > 50);
    assert.deepEqual(results.filter((r) => !r.pass).map((r) => r.message), []);
  });
}

test('the maximum is subtracted first: logits far beyond exp\'s float32 range give torch\'s values', () => {
  // torch 1.13: log_softmax([1000, 0]) = [0, -1000], softmax = [1, 0]
  assert.deepEqual([...logSoftmax(tensor([1000, 0]), 0).data], [0, -1000]);
  assert.deepEqual([...softmax(tensor([1000, 0]), 0).data], [1, 0]);
});

test('softmax along any dim sums to 1 there; a negative dim counts from the end', () => {
  const x = randn([2, 3, 4, 5]);
  for (let dim = 0; dim < 4; dim++) {
    const y = softmax(x, dim);
    assert.deepEqual([...y.data], [...softmax(x, dim - 4).data]);
    const totals = sum(y, dim);
    assert.ok(totals.data.every((t) => Math.abs(t - 1) < 1e-6), `dim ${dim}`);
    const logY = logSoftmax(x, dim);
    assert.ok(logY.data.every((v, i) => Math.abs(Math.exp(v) - y.data[i]) < 1e-6), `logSoftmax dim ${dim}`);
  }
});

test('softmax and logSoftmax refuse a dim out of range or not an integer, naming the range as torch does', () => {
  const x = randn([2, 3]);
  assert.throws(() => softmax(x, 2), /^ConvkitArgumentError: softmax: Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)$/);
  assert.throws(() => logSoftmax(x, -3), /logSoftmax: Dimension out of range/);
  assert.throws(() => softmax(x, 0.5), /softmax: dim must be an integer, got 0.5/);
  assert.throws(() => softmax(x, undefined as never), /softmax: dim must be an integer, got undefined/);
  assert.throws(() => softmax([1, 2] as never, 0), /softmax: input must be a Tensor/);
});

test('a 0-d tensor is one line of one element (dim 0 or -1), as in torch', () => {
  const x = new Tensor(Float32Array.of(2), []);
  assert.deepEqual([...softmax(x, 0).data], [1]);
  assert.deepEqual([...logSoftmax(x, -1).data], [0]);
  assert.throws(() => softmax(x, 1), /expected to be in range of \[-1, 0\], but got 1/);
});

test('the backward node keeps the output: a second pass without retainGraph is refused, as torch\'s SoftmaxBackward0 is', () => {
  const x = randn([3, 4]).requiresGrad_();
  const y = sum(softmax(x, 1));
  assert.equal(softmax(x, 1).gradFn?.name, 'SoftmaxBackward0');
  assert.equal(logSoftmax(x, 1).gradFn?.name, 'LogSoftmaxBackward0');
  y.backward(undefined, { retainGraph: true });
  y.backward();
  assert.throws(() => y.backward(), /a second time/);
});
