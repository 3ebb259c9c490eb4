import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdaptiveAvgPool2d, AvgPool2d, Conv2d, MaxPool2d, moduleFromJSON, randn, ReLU, Sequential, zeros } from '../../src/index.js';

test('repr as PyTorch 1.13 prints it, int or tuple as given', () => {
  // strings printed by torch 1.13 for the same constructor calls
  assert.equal(String(new MaxPool2d(2)), 'MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)');
  assert.equal(String(new MaxPool2d([2, 3], { stride: 1, padding: [1, 0] })), 'MaxPool2d(kernel_size=(2, 3), stride=1, padding=(1, 0), dilation=1, ceil_mode=False)');
  assert.equal(String(new AvgPool2d(2)), 'AvgPool2d(kernel_size=2, stride=2, padding=0)');
  assert.equal(String(new AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false, divisorOverride: 2 })), 'AvgPool2d(kernel_size=3, stride=2, padding=1)');
  assert.equal(String(new AdaptiveAvgPool2d(1)), 'AdaptiveAvgPool2d(output_size=1)');
  assert.equal(String(new AdaptiveAvgPool2d([null, 3])), 'AdaptiveAvgPool2d(output_size=(None, 3))');
  assert.equal(String(new AdaptiveAvgPool2d([2, 3])), 'AdaptiveAvgPool2d(output_size=(2, 3))');
});

test('outputShape is the shape forward returns', () => {
  const layers = [
    new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), new MaxPool2d([2, 3], { dilation: [2, 1] }),
    new AvgPool2d(3, { stride: [2, 1], padding: 1, ceilMode: true }), new AdaptiveAvgPool2d([3, null]), new AdaptiveAvgPool2d(1),
  ];
  for (const layer of layers) {
    for (const shape of [[2, 3, 9, 7], [3, 8, 10], [0, 2, 5, 6]]) {
      assert.deepEqual(layer.outputShape(shape), [...layer.forward(zeros(shape)).shape], `${String(layer)} on ${shape}`);
    }
  }
  assert.throws(() => new MaxPool2d(4).outputShape([1, 1, 3, 3]), /maxPool2d: the output size 0x0 for input 3x3 is too small/);
});

test('constructors check what does not depend on the input, naming the module', () => {
  assert.throws(() => new MaxPool2d(3, { padding: 2 }), /MaxPool2d: padding 2 must be at most half of kernelSize 3/);
  assert.throws(() => new AvgPool2d(2, { divisorOverride: 0 }), /AvgPool2d: divisorOverride must be a non-zero integer/);
  assert.throws(() => new AvgPool2d(2, { dilation: 2 } as never), /AvgPool2d: unknown option 'dilation'/);
  assert.throws(() => new AdaptiveAvgPool2d([1, -1]), /AdaptiveAvgPool2d: outputSize must be a non-negative integer/);
});

test('JSON round trip through moduleFromJSON', () => {
  const model = new Sequential(
    new Conv2d(1, 4, 3), new ReLU(), new MaxPool2d(2, { ceilMode: true }),
    new AvgPool2d([3, 2], { stride: 1, padding: [1, 0], countIncludePad: false, divisorOverride: 3 }), new AdaptiveAvgPool2d([null, 2]),
  );
  const copy = moduleFromJSON(JSON.parse(JSON.stringify(model)));
  assert.equal(String(copy), String(model));
  assert.deepEqual(JSON.parse(JSON.stringify(copy)), JSON.parse(JSON.stringify(model)));
  assert.throws(() => moduleFromJSON({ type: 'AdaptiveAvgPool2d', outputSize: 1, extra: 2 }), /AdaptiveAvgPool2d takes only "outputSize"/);
  assert.throws(() => moduleFromJSON({ type: 'MaxPool2d', kernelSize: 2, stride: 0 }), /moduleFromJSON: MaxPool2d: stride must be positive/);
});

test('pooling layers have no parameters and run in a Sequential, with gradients to the input', () => {
  const model = new Sequential(new MaxPool2d(2), new AvgPool2d(2), new AdaptiveAvgPool2d(1));
  assert.deepEqual(model.parameters(), []);
  assert.deepEqual(model.stateDict(), {});
  const x = randn([2, 3, 8, 8]).requiresGrad_();
  const y = model.forward(x);
  assert.deepEqual(y.shape, [2, 3, 1, 1]);
  y.backward(zeros([2, 3, 1, 1]));
  assert.deepEqual(x.grad!.shape, [2, 3, 8, 8]);
});
