import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Conv2d, DepthwiseSeparableConv2d, Generator, randn, relu, ReLU, Sequential, tensor } from '../../src/index.js';

test("keys carry the layer index, as in PyTorch's nn.Sequential", () => {
  const g = new Generator(1);
  const model = new Sequential(new Conv2d(3, 8, 1, { generator: g }), new ReLU(), new DepthwiseSeparableConv2d(8, 4, 3, { generator: g }));
  assert.deepEqual(Object.keys(model.stateDict()), [
    '0.weight', '0.bias', '2.depthwise.weight', '2.depthwise.bias', '2.pointwise.weight', '2.pointwise.bias',
  ]);
  assert.equal(model.length, 3);
  assert.match(String(model), /^Sequential\(\n {2}\(0\): Conv2d\(3, 8, kernel_size=\(1, 1\), stride=\(1, 1\)\)\n {2}\(1\): ReLU\(\)/);
});

test('forward applies the layers in order: 1x1 conv + activation', () => {
  const conv = new Conv2d(3, 5, 1, { generator: new Generator(2) });
  const model = new Sequential(conv, new ReLU());
  const x = randn([2, 3, 4, 4], new Generator(3));
  const y = model.forward(x);
  assert.deepEqual(y.data, relu(conv.forward(x)).data);
  assert.ok(y.data.every((v) => v >= 0) && y.data.some((v) => v > 0));
});

test('relu keeps positives and NaN, zeroes negatives', () => {
  assert.deepEqual([...relu(tensor([-2, -0.5, 0, 3, NaN], [5])).data], [0, 0, 0, 3, NaN]);
  assert.throws(() => relu([1] as never), /relu: input must be a Tensor/);
});

test('only modules may be layers', () => {
  assert.throws(() => new Sequential(new ReLU(), {} as never), /Sequential: layer 1: expected a Module, got \[object Object\]/);
});
