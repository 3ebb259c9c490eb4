/**
 * maxPool2d, avgPool2d, adaptiveAvgPool2d against PyTorch 1.13: the committed fixtures
 * (test/fixtures/torch-pool.{json,bin}, tools/torch/pool_cases.py) on every backend configuration, and
 * the rules no fixture can show (convkit's answer where torch's is out of bounds, error messages).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, maxPool2dWithIndices, Tensor, tensor, zeros } from '../../src/index.js';
import { CONFIGS, withConfig } from '../support/backends.js';
import { formatFailures, loadCaseFile } from '../support/cases.js';
import { runPoolCases, type PoolCase } from '../support/pool-cases.js';

const file = loadCaseFile<PoolCase>(new URL('../fixtures/torch-pool.json', import.meta.url));

for (const config of CONFIGS) {
  test(`torch pooling fixtures, ${config.name}`, () => {
    const results = withConfig(config, () => runPoolCases(file));
    const failed = results.filter((r) => !r.pass).length;
    assert.equal(failed, 0, `${failed} of ${results.length} pooling cases differ from PyTorch ${file.torch}:\n${formatFailures(results)}`);
  });
}

test('the fixtures hold every kind, ties, NaN, errors and backward errors', () => {
  for (const kind of ['maxPool2d', 'avgPool2d', 'adaptiveAvgPool2d']) {
    assert.ok(file.cases.some((c) => c.kind === kind && c.gradInput !== undefined), `${kind} has no gradient case`);
    assert.ok(file.cases.some((c) => c.kind === kind && c.error !== undefined), `${kind} has no error case`);
  }
  assert.ok(file.cases.some((c) => c.backwardError !== undefined));
  assert.ok(file.cases.some((c) => c.repr !== undefined));
  assert.ok(file.cases.some((c) => c.id === 'ties-first-wins' && c.indices !== undefined));
});

test('the pooling checker detects a wrong output, index, gradient or repr', () => {
  const pick = (id: string): PoolCase => structuredClone(file.cases.find((c) => c.id === id)!);
  const tampered = { ...file, blob: file.blob.slice() };
  const run = (c: PoolCase) => runPoolCases({ ...tampered, cases: [c] })[0];
  const ties = pick('ties-first-wins');
  assert.equal(run(ties).pass, true);
  tampered.blob[ties.indices!.offset] += 1;
  assert.match(run(ties).message, /indices differ at 0/);
  tampered.blob.set(file.blob);
  tampered.blob[ties.gradInput!.offset] += 1;
  assert.match(run(ties).message, /input gradient: max abs err/);
  tampered.blob.set(file.blob);
  const avg = pick('ceil-avg-pad');
  tampered.blob[avg.output!.offset + 2] += 0.01;
  assert.match(run(avg).message, /max abs err/);
  const module = file.cases.find((c) => c.repr !== undefined)!;
  assert.match(run({ ...structuredClone(module), repr: 'MaxPool2d()' }).message, /repr: convkit/);
});

test('a max window whose dilated taps all fall in the padding gives -Infinity, index -1 and no gradient', () => {
  // torch 1.13 gives -inf there too, with an index outside the plane that its backward writes to
  const x = tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 2, 4]).requiresGrad_();
  const { output, indices } = maxPool2dWithIndices(x, [2, 1], { padding: [1, 0], dilation: [3, 1] });
  assert.deepEqual([...output.data], [-Infinity, -Infinity, -Infinity, -Infinity]);
  assert.deepEqual([...indices], [-1, -1, -1, -1]);
  output.backward(tensor([1, 1, 1, 1], [1, 1, 1, 4]));
  assert.deepEqual([...x.grad!.data], [0, 0, 0, 0, 0, 0, 0, 0]);
});

test('gradient nodes carry torch names; a 1x1 adaptive pool is a mean, as in torch', () => {
  const x = zeros([1, 2, 4, 4]).requiresGrad_();
  assert.equal(maxPool2d(x, 2).gradFn?.name, 'MaxPool2DWithIndicesBackward0');
  assert.equal(avgPool2d(x, 2).gradFn?.name, 'AvgPool2DBackward0');
  assert.equal(adaptiveAvgPool2d(x, 2).gradFn?.name, 'AdaptiveAvgPool2DBackward0');
  assert.equal(adaptiveAvgPool2d(x, 1).gradFn?.name, 'MeanBackward1');
  assert.equal(adaptiveAvgPool2d(x, [1, null]).gradFn?.name, 'AdaptiveAvgPool2DBackward0');
});

test('errors name the argument and the rule', () => {
  const x = zeros([1, 1, 4, 4]);
  assert.throws(() => maxPool2d(x, 3, { padding: 2 }), /maxPool2d: padding 2 must be at most half of kernelSize 3/);
  assert.throws(() => maxPool2d(x, 0), /maxPool2d: kernelSize must be positive, got 0/);
  assert.throws(() => maxPool2d(x, 2, { stride: 0 }), /maxPool2d: stride must be positive/);
  assert.throws(() => maxPool2d(x, 2, { dilation: [1, 0] }), /maxPool2d: dilation must be positive/);
  assert.throws(() => maxPool2d(x, 2, { padding: -1 }), /maxPool2d: padding must be non-negative/);
  assert.throws(() => maxPool2d(x, 5), /maxPool2d: the output size 0x0 for input 4x4 is too small/);
  assert.throws(() => maxPool2d(x, 2, { ceilMode: 1 } as never), /ceilMode must be true or false/);
  assert.throws(() => maxPool2d(x, 2, { strides: 1 } as never), /unknown option 'strides'/);
  assert.throws(() => maxPool2d(x, 2 ** 31), /kernelSize must be at most 2147483647/);
  assert.throws(() => maxPool2d(zeros([4, 4]), 2), /expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input with non-zero C, H and W, got shape \[4, 4\]/);
  assert.throws(() => maxPool2d(zeros([0, 4, 4]), 2), /non-zero C, H and W/);
  assert.throws(() => avgPool2d(x, 2, { divisorOverride: 0 }), /avgPool2d: divisorOverride must be a non-zero integer or null, got 0/);
  assert.throws(() => avgPool2d(x, 2, { dilation: 2 } as never), /avgPool2d: unknown option 'dilation'/);
  assert.throws(() => adaptiveAvgPool2d(x, -1), /adaptiveAvgPool2d: outputSize must be a non-negative integer/);
  assert.throws(() => adaptiveAvgPool2d(x, null as never), /outputSize must be a non-negative integer/);
  assert.throws(() => adaptiveAvgPool2d(zeros([4, 4]), [2, 2]), /adaptiveAvgPool2d: expected an input of at least 3 dimensions/);
  assert.throws(() => adaptiveAvgPool2d(zeros([1, 0, 4]), 2), /non-zero H and W, got shape \[1, 0, 4\]/);
  assert.throws(() => adaptiveAvgPool2d(x, 2 ** 16), /output shape \[1, 1, 65536, 65536\] has 4.295e\+9 elements, more than/);
  assert.throws(() => maxPool2d('x' as never, 2), /maxPool2d: input must be a Tensor/);
});

test('inputs stay unchanged and empty batches pass through', () => {
  const x = new Tensor(Float32Array.from({ length: 32 }, (_, i) => (i * 7) % 5), [2, 4, 4]);
  const before = x.data.slice();
  maxPool2d(x, 2);
  avgPool2d(x, 3, { padding: 1, ceilMode: true });
  adaptiveAvgPool2d(x, [3, null]);
  assert.deepEqual(x.data, before);
  assert.deepEqual(maxPool2d(zeros([0, 3, 5, 5]), 2).shape, [0, 3, 2, 2]);
});
