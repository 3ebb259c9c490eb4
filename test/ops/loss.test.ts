/**
 * nllLoss, crossEntropy and mseLoss against PyTorch 1.13 (the random cases of test/fixtures/torch-loss.json,
 * written by tools/torch/loss_cases.py: (C), (N, C) and (N, C, d1, ...) inputs, every reduction, weights,
 * ignored targets, label smoothing, probability targets, logits up to +-80, broadcast mse, and calls
 * torch rejects), and their rules.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossEntropy, logSoftmax, mseLoss, nllLoss, randn, sum, tensor, Tensor } from '../../src/index.js';
import { CONFIGS, withConfig } from '../support/backends.js';
import { loadLossCases, runLossCases, type LossCase } from '../support/loss-cases.js';

const file = loadLossCases(new URL('../fixtures/torch-loss.json', import.meta.url));
const isLoss = (c: LossCase): boolean => !c.module && (c.op === 'nllLoss' || c.op === 'crossEntropy' || c.op === 'mseLoss');

for (const config of CONFIGS.slice(0, 2)) {
  test(`nllLoss, crossEntropy and mseLoss, values and gradients, equal PyTorch's (${file.cases.filter(isLoss).length} random cases, ${config.name})`, () => {
    const results = withConfig(config, () => runLossCases(file, isLoss));
    assert.ok(results.length > 150);
    assert.deepEqual(results.filter((r) => !r.pass).map((r) => r.message), []);
  });
}

test('the fixtures reach every feature: each op and reduction, weights, ignored targets, smoothing, probabilities, every target form, errors', () => {
  const cases = file.cases.filter(isLoss);
  const some = (what: string, pick: (c: LossCase) => boolean): void => assert.ok(cases.some(pick), what);
  for (const reduction of ['none', 'mean', 'sum']) some(reduction, (c) => c.options?.reduction === reduction && c.error === undefined);
  some('weight and label smoothing with class indices', (c) => c.options?.weight !== undefined && (c.options.labelSmoothing as number) > 0 && c.form !== 'tensor');
  some('probability targets with a gradient', (c) => c.grads?.target !== undefined && c.op === 'crossEntropy');
  some('an ignoreIndex in [0, C)', (c) => (c.options?.ignoreIndex as number) >= 0 && c.error === undefined);
  some('4-D inputs', (c) => c.input.shape.length === 4 && c.op === 'crossEntropy');
  some('1-D inputs', (c) => c.input.shape.length === 1 && c.op === 'nllLoss' && c.error === undefined);
  some('Int32Array targets', (c) => c.form === 'int32');
  some('out-of-bounds targets', (c) => /out of bounds/.test(c.error ?? ''));
});

test('a target out of [0, C) is refused with torch\'s message; a fraction, a wrong count of indices or an unknown option too', () => {
  const x = randn([3, 5]);
  assert.throws(() => nllLoss(x, [0, 12, 1]), /^ConvkitArgumentError: nllLoss: Target 12 is out of bounds\.$/);
  assert.throws(() => crossEntropy(x, tensor([0, -1, 1])), /crossEntropy: Target -1 is out of bounds\./);
  assert.throws(() => crossEntropy(x, tensor([0, 1.5, 1])), /crossEntropy: target must hold integer class indices, got 1.5 at index 1/);
  assert.throws(() => nllLoss(x, [0, 1]), /nllLoss: target holds 2 class indices, an input of shape \[3, 5\] needs 3/);
  assert.throws(() => nllLoss(x, [0, 1, 2], { ignore_index: 1 } as never), /nllLoss: unknown option 'ignore_index'/);
  assert.throws(() => crossEntropy(x, [0, 1, 2], { reduction: 'avg' as never }), /crossEntropy: 'avg' is not a valid value for reduction/);
  assert.throws(() => crossEntropy(x, [0, 1, 2], { labelSmoothing: 1.5 }), /label_smoothing must be between 0.0 and 1.0. Got: 1.5/);
  assert.throws(() => crossEntropy(x, randn([3, 5]), { ignoreIndex: 0 }), /ignore_index is not supported for floating point target/);
  assert.throws(() => mseLoss(x, 'y' as never), /mseLoss: target must be a Tensor/);
});

test('class indices as a Tensor, a number[] or an Int32Array give the same loss and gradient', () => {
  const logits = randn([2, 4, 3]);
  const indices = [0, 3, -100, 2, 1, 1];
  const results = [tensor(indices, [2, 3]), indices, Int32Array.from(indices)].map((target) => {
    const x = logits.detach().requiresGrad_();
    const loss = crossEntropy(x, target, { labelSmoothing: 0.2 });
    loss.backward();
    return [...loss.data, ...(x.grad?.data ?? [])];
  });
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(results[2], results[0]);
});

test('crossEntropy with class indices is nllLoss of logSoftmax over the class dimension', () => {
  const x = randn([3, 4, 2]);
  const target = [1, 0, 3, -100, 2, 2];
  const weight = tensor([0.5, 1, 2, 0.25]);
  for (const reduction of ['none', 'mean', 'sum'] as const) {
    const a = crossEntropy(x, target, { weight, reduction });
    const b = nllLoss(logSoftmax(x, 1), target, { weight, reduction });
    assert.deepEqual([...a.data], [...b.data], reduction);
  }
});

test('an ignored target gives 0 and no gradient, even where its logits are not finite (masked as torch masks)', () => {
  const x = new Tensor(Float32Array.of(-Infinity, 0, 1, 2), [2, 2]).requiresGrad_();
  const loss = crossEntropy(x, [-100, 1], { reduction: 'none', labelSmoothing: 0.3 });
  assert.equal(loss.data[0], 0);
  sum(loss).backward();
  assert.deepEqual([...(x.grad?.data ?? []).slice(0, 2)], [0, 0]);
});

test('mseLoss broadcasts shapes that differ, warning once for each pair of shapes, as torch warns', async () => {
  const warnings: string[] = [];
  const listen = (w: Error): void => { warnings.push(w.message); };
  process.on('warning', listen);
  try {
    const x = randn([4, 1]);
    const y = randn([4]);
    assert.deepEqual(mseLoss(x, y, { reduction: 'none' }).shape, [4, 4]);
    mseLoss(x, y);
    assert.deepEqual(mseLoss(x, x.detach()).data, Float32Array.of(0));
    assert.throws(() => mseLoss(randn([2, 3]), randn([4])), /mseLoss: the size of tensor a \(3\) must match the size of tensor b \(4\)/);
  } finally {
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', listen);
  }
  assert.equal(warnings.filter((w) => w.includes('target size ([4]) that is different to the input size ([4, 1])')).length, 1);
});
