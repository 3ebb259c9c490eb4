import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Conv2d, DepthwiseSeparableConv2d, ReLU, Sequential } from '../../src/index.js';

test('toJSON writes the architecture with constructor arguments; fromJSON builds the same model', () => {
  const model = new Sequential(
    new Conv2d(3, 8, [3, 5], { stride: 2, padding: 'valid', dilation: [1, 2], bias: false, paddingMode: 'reflect' }),
    new ReLU(),
    new Sequential(new DepthwiseSeparableConv2d(8, 16, 5, { padding: 2, stride: 2 })),
  );
  const json = JSON.parse(JSON.stringify(model));
  assert.deepEqual(json.layers[0], {
    type: 'Conv2d', inChannels: 3, outChannels: 8, kernelSize: [3, 5], stride: [2, 2], padding: 'valid', dilation: [1, 2], groups: 1, bias: false, paddingMode: 'reflect',
  });
  assert.deepEqual(json.layers[1], { type: 'ReLU' });
  const rebuilt = Sequential.fromJSON(JSON.stringify(model));
  assert.deepEqual(JSON.parse(JSON.stringify(rebuilt)), json);
  assert.equal(String(rebuilt), String(model));
  assert.deepEqual(Object.keys(rebuilt.stateDict()), Object.keys(model.stateDict()));
  // the short form people write by hand
  const short = Sequential.fromJSON({ type: 'Sequential', layers: [{ type: 'Conv2d', inChannels: 1, outChannels: 2, kernelSize: 3 }] });
  assert.equal(String(short.layers[0]), 'Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))');
});

test('bad JSON is an error naming the layer and the rule', () => {
  assert.throws(() => Sequential.fromJSON('{'), /Sequential.fromJSON: invalid JSON/);
  assert.throws(() => Sequential.fromJSON({ type: 'Conv2d', inChannels: 1, outChannels: 1, kernelSize: 1 }), /expected type 'Sequential', got 'Conv2d'/);
  assert.throws(() => Sequential.fromJSON({ type: 'Sequential', layers: [{ type: 'LSTM' }] }), /Sequential.fromJSON: layer 0: unknown layer type 'LSTM'; expected one of Conv2d, DepthwiseSeparableConv2d, ReLU, Sequential/);
  assert.throws(() => Sequential.fromJSON({ type: 'Sequential', layers: [{ type: 'Conv2d', inChannels: 4, outChannels: 6, kernelSize: 3, groups: 4 }] }), /Sequential.fromJSON: layer 0: Conv2d: groups=4 must divide outChannels=6/);
  assert.throws(() => Sequential.fromJSON({ type: 'Sequential', layers: [{ type: 'Conv2d', inChannels: 4, outChannels: 4, kernel_size: 3 }] }), /Conv2d: unknown option 'kernel_size'/);
  assert.throws(() => Sequential.fromJSON({ type: 'Sequential', layers: 'x' }), /Sequential needs "layers": an array/);
  assert.throws(() => Sequential.fromJSON({ type: 'Sequential', layers: [{ type: 'ReLU', inplace: true }] }), /ReLU takes no arguments, got 'inplace'/);
});
