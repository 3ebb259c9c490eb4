import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conv2dMacs, effectiveKernelSize, layerCost, parameterCount } from '../../src/analysis/cost.js';
import { Conv2d, conv2dGeometry, DepthwiseSeparableConv2d, ReLU, Sequential } from '../../src/index.js';

test('a Conv2d layer: MACs count taps on padding, bias additions apart, FLOPs = 2 MACs + bias additions', () => {
  const c = layerCost(new Conv2d(8, 16, 3, { stride: 2, padding: 1, groups: 2 }), [2, 8, 9, 9]);
  assert.deepEqual(c.outputShape, [2, 16, 5, 5]);
  assert.equal(c.parameters, 16 * 4 * 9 + 16);
  assert.equal(c.macs, 2 * 5 * 5 * 16 * 4 * 9);
  assert.equal(c.biasAdditions, 2 * 16 * 5 * 5);
  assert.equal(c.flops, 2 * c.macs + c.biasAdditions);
  assert.equal(c.weightBytes, 4 * c.parameters);
  assert.equal(c.inputBytes, 4 * 2 * 8 * 81);
  assert.equal(c.outputBytes, 4 * 2 * 16 * 25);
  const noBias = layerCost(new Conv2d(8, 16, 1, { bias: false }), [8, 4, 4]);
  assert.deepEqual(noBias.outputShape, [16, 4, 4]);
  assert.equal(noBias.biasAdditions, 0);
  assert.equal(noBias.flops, 2 * noBias.macs);
});

test('containers add their children up, in forward order', () => {
  const model = new Sequential(new Conv2d(3, 8, 3, { stride: 2 }), new ReLU(), new DepthwiseSeparableConv2d(8, 4));
  const c = layerCost(model, [1, 3, 11, 11]);
  assert.deepEqual(c.outputShape, [1, 4, 5, 5]);
  assert.equal(c.parameters, parameterCount(model));
  assert.equal(c.macs, 25 * 8 * 3 * 9 + 25 * 8 * 9 + 25 * 4 * 8);
  assert.equal(c.biasAdditions, 25 * 8 + 25 * 8 + 25 * 4);
  assert.equal(conv2dMacs(conv2dGeometry([1, 3, 11, 11], [8, 3, 3, 3], null, { stride: 2 })), 25 * 8 * 3 * 9);
});

test('bad arguments are errors naming the function', () => {
  assert.throws(() => layerCost({} as never, [1, 1, 4, 4]), /layerCost: expected a Module/);
  assert.throws(() => layerCost(new Conv2d(1, 1, 1), [1, 1, -4, 4]), /layerCost: shape must hold non-negative integer sizes/);
  assert.throws(() => parameterCount(null as never), /parameterCount: expected a Module, got null/);
  assert.throws(() => effectiveKernelSize(3, 0), /effectiveKernelSize: dilation must be a positive integer, got 0/);
});

test('a shape the layer cannot take is the error the forward pass would give', () => {
  assert.throws(() => layerCost(new Conv2d(4, 4, 5), [1, 4, 3, 3]), /conv2d: kernel \(5 x 5 with dilation\) is larger than the padded input/);
  assert.throws(() => layerCost(new Conv2d(2, 2, 3, { padding: 4, paddingMode: 'reflect' }), [1, 2, 4, 6]), /pad: reflect padding 4 \(top\) must be < input height 4/);
  assert.throws(() => layerCost(new Conv2d(2, 2, 3, { padding: 5, paddingMode: 'circular' }), [2, 4, 6]), /pad: circular padding 5 \(top\) must be <= input height 4/);
  assert.throws(() => layerCost(new Sequential(new Conv2d(4, 8, 1), new Conv2d(4, 4, 1)), [1, 4, 3, 3]), /weight.shape\[1\]=4 must equal in_channels\/groups=8/);
});
