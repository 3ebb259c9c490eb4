import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compare, formatCompare } from '../../src/analysis/compare.js';

test('variants of 64 -> 128, 3x3: counted MAC ratios equal the closed forms', () => {
  const { variants, notes } = compare({ inChannels: 64, outChannels: 128, kernelSize: 3, inputShape: [1, 64, 32, 32] });
  assert.deepEqual(variants.map((v) => v.name), [
    'standard', 'grouped G=2', 'grouped G=4', 'grouped G=8', 'grouped G=16', 'grouped G=32', 'depthwise (depth multiplier 2)', 'depthwise-separable',
  ]);
  assert.deepEqual(notes, []);
  for (const v of variants) {
    assert.deepEqual(v.outputShape, [1, 128, 32, 32], v.name);
    assert.ok(Math.abs(v.macRatio - v.closedForm) < 1e-12, `${v.name}: ${v.macRatio} vs ${v.closedForm}`);
  }
  const standard = variants[0];
  assert.equal(standard.parameters, 128 * 64 * 9 + 128);
  assert.equal(standard.macs, 32 * 32 * 128 * 64 * 9);
  const separable = variants[variants.length - 1];
  assert.equal(separable.parameters, 64 * 9 + 64 + 128 * 64 + 128);
  assert.equal(separable.closedFormText, '1/C_out + 1/k^2 = 1/128 + 1/9');
});

test('no depthwise variant when out is not a multiple of in; strides and padding carry over', () => {
  const { variants, notes } = compare({ inChannels: 6, outChannels: 9, kernelSize: 5, inputShape: [6, 20, 20], stride: 2, padding: 0 });
  assert.deepEqual(variants.map((v) => v.name), ['standard', 'grouped G=3', 'depthwise-separable']);
  assert.deepEqual(notes, ['no depthwise variant: outChannels=9 is not a multiple of inChannels=6']);
  assert.deepEqual(variants[0].outputShape, [9, 8, 8]);
  assert.ok(Math.abs(variants[2].macRatio - (1 / 9 + 1 / 25)) < 1e-12);
  assert.match(formatCompare({ variants, notes }), /^variant +output shape +params +MACs +params\/std +MACs\/std +closed form\nstandard +\[9, 8, 8\]/);
});

test('bad arguments are errors', () => {
  assert.throws(() => compare({ inChannels: 0, outChannels: 4, kernelSize: 3, inputShape: [1, 0, 8, 8] }), /compare: inChannels must be a positive integer/);
  assert.throws(() => compare({ inChannels: 4, outChannels: 4, kernelSize: 3, inputShape: [1, 3, 8, 8] }), /compare: inputShape must be \(N, 4, H, W\)/);
  assert.throws(() => compare({ inChannels: 4, outChannels: 4, kernelSize: 9, inputShape: [1, 4, 4, 4], padding: 0 }), /kernel \(9 x 9 with dilation\) is larger than the padded input/);
});
