import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conv2d, conv2dInputGrad, conv2dWeightGrad, mul, randn, sum, Tensor } from '../../src/index.js';

test('conv2dInputGrad and conv2dWeightGrad equal what backward computes for the same convolution', () => {
  const options = { stride: [2, 1] as [number, number], padding: [1, 2] as [number, number], dilation: 2, groups: 2 };
  const x = randn([2, 4, 9, 8]).requiresGrad_();
  const w = randn([6, 2, 3, 3]).requiresGrad_();
  const y = conv2d(x, w, null, options);
  const gradOutput = randn([...y.shape]);
  sum(mul(y, gradOutput)).backward();
  assert.deepEqual([...conv2dInputGrad([2, 4, 9, 8], w, gradOutput, options).data], [...(x.grad as Tensor).data]);
  assert.deepEqual([...conv2dWeightGrad(x, [6, 2, 3, 3], gradOutput, options).data], [...(w.grad as Tensor).data]);
});

test('the functional gradients reject what torch.nn.grad rejects, naming the argument', () => {
  const w = randn([4, 2, 3, 3]);
  const x = randn([2, 2, 5, 5]);
  const go = randn([2, 4, 3, 3]);
  assert.throws(() => conv2dInputGrad([2, 5, 5], w, go), /conv2dInputGrad: expected a 4-D \(N, C, H, W\) input, got input of shape \[2, 5, 5\]/);
  assert.throws(() => conv2dInputGrad([2, 2, 5, 5], w, go, { padding: 'same' }), /conv2dInputGrad: padding must be an integer or a pair/);
  assert.throws(() => conv2dInputGrad([2, 2, 5, 5], w, randn([2, 4, 4, 4])), /conv2dInputGrad: gradOutput must have the convolution's output shape \[2, 4, 3, 3\], got \[2, 4, 4, 4\]/);
  assert.throws(() => conv2dInputGrad([2, 2, 5, 5], w, go, { padding: -1 }), /conv2dInputGrad: padding must be non-negative/);
  assert.throws(() => conv2dInputGrad([2, 2.5, 5, 5], w, go), /conv2dInputGrad: shape must hold non-negative integer sizes/);
  assert.throws(() => conv2dWeightGrad(x, [4, 2, 3, 3], go, { groups: 2 }), /conv2dWeightGrad: weight.shape\[1\]=2 must equal in_channels\/groups=1/);
  assert.throws(() => conv2dWeightGrad(randn([2, 5, 5]), [4, 2, 3, 3], go), /conv2dWeightGrad: expected a 4-D \(N, C, H, W\) input/);
  assert.throws(() => conv2dWeightGrad(x, [4, 2, 3, 3], randn([1, 4, 3, 3])), /conv2dWeightGrad: gradOutput must have the convolution's output shape/);
  assert.throws(() => conv2dWeightGrad(x, [4, 2, 3, 3], go, { strides: 2 } as never), /conv2dWeightGrad: unknown option 'strides'/);
  // a stride leaves the input size ambiguous: any size that gives the output is accepted, as in torch
  assert.deepEqual(conv2dInputGrad([1, 2, 7, 7], w, randn([1, 4, 3, 3]), { stride: 2 }).shape, [1, 2, 7, 7]);
  assert.deepEqual(conv2dInputGrad([1, 2, 8, 8], w, randn([1, 4, 3, 3]), { stride: 2 }).shape, [1, 2, 8, 8]);
  assert.deepEqual(conv2dWeightGrad(randn([0, 2, 5, 5]), [4, 2, 3, 3], randn([0, 4, 3, 3])).data.every((v) => v === 0), true);
});
