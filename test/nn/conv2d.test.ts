import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Conv2d, conv2d, Generator, manualSeed, pad, randn, Tensor, zeros } from '../../src/index.js';

test("weights and bias start uniform in ±1/sqrt(fan_in), PyTorch's default", () => {
  const conv = new Conv2d(64, 32, [3, 5], { groups: 4, generator: new Generator(1) });
  assert.deepEqual(conv.weight.shape, [32, 16, 3, 5]);
  assert.deepEqual(conv.bias?.shape, [32]);
  const bound = 1 / Math.sqrt(16 * 3 * 5);
  for (const p of conv.parameters()) {
    const values = [...p.data];
    assert.ok(values.every((v) => Math.abs(v) <= bound));
    // the draws fill the interval, not a corner of it
    assert.ok(Math.max(...values) > 0.9 * bound && Math.min(...values) < -0.9 * bound);
  }
  const mean = conv.weight.data.reduce((a, b) => a + b) / conv.weight.numel;
  assert.ok(Math.abs(mean) < 0.05 * bound);
});

test('initialisation follows the seed', () => {
  manualSeed(5);
  const a = new Conv2d(3, 4, 3);
  manualSeed(5);
  const b = new Conv2d(3, 4, 3);
  assert.deepEqual(a.weight.data, b.weight.data);
  assert.deepEqual(a.bias?.data, b.bias?.data);
  assert.notDeepEqual(new Conv2d(3, 4, 3).weight.data, a.weight.data);
});

test('forward is the functional conv2d with the layer arguments', () => {
  const conv = new Conv2d(6, 4, [3, 2], { stride: [2, 1], padding: [1, 0], dilation: 2, groups: 2, generator: new Generator(2) });
  const x = randn([2, 6, 9, 7], new Generator(3));
  const expected = conv2d(x, conv.weight, conv.bias, { stride: [2, 1], padding: [1, 0], dilation: 2, groups: 2 });
  assert.deepEqual(conv.forward(x).data, expected.data);
  assert.deepEqual(conv.forward(x).shape, [2, 4, 4, 5]);
  assert.equal(String(conv), 'Conv2d(6, 4, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(2, 2), groups=2)');
});

test('a paddingMode other than zeros pads with that mode, then convolves without padding', () => {
  const x = randn([1, 2, 5, 6], new Generator(4));
  for (const paddingMode of ['reflect', 'replicate', 'circular'] as const) {
    const conv = new Conv2d(2, 3, [3, 4], { padding: 'same', paddingMode, generator: new Generator(5) });
    // 'same' for a 4-wide kernel: 1 left, 2 right; 1 top, 1 bottom
    const expected = conv2d(pad(x, [1, 2, 1, 1], paddingMode), conv.weight, conv.bias);
    assert.deepEqual(conv.forward(x).data, expected.data, paddingMode);
    assert.deepEqual(conv.forward(x).shape, [1, 3, 5, 6]);
  }
  // as in PyTorch, a paddingMode pads with F.pad, which crops for negative sizes; zero padding may not be negative
  const cropped = new Conv2d(2, 3, 2, { padding: [-1, 1], paddingMode: 'replicate', generator: new Generator(6) });
  assert.deepEqual(cropped.forward(x).data, conv2d(pad(x, [1, 1, -1, -1], 'replicate'), cropped.weight, cropped.bias).data);
  assert.deepEqual(cropped.forward(x).shape, [1, 3, 2, 7]);
  assert.throws(() => new Conv2d(2, 3, 3, { padding: -1 }), /Conv2d: padding must be non-negative, got -1/);
  const reflect = new Conv2d(2, 3, 3, { padding: 5, paddingMode: 'reflect' });
  assert.throws(() => reflect.forward(x), /pad: reflect padding 5 \(top\) must be < input height 5/);
});

test('stateDict has PyTorch keys; loadStateDict copies values in and rejects what does not fit', () => {
  const conv = new Conv2d(2, 3, 3, { generator: new Generator(6) });
  assert.deepEqual(Object.keys(conv.stateDict()), ['weight', 'bias']);
  assert.deepEqual(Object.keys(new Conv2d(2, 3, 3, { bias: false }).stateDict()), ['weight']);
  const other = new Conv2d(2, 3, 3, { generator: new Generator(7) });
  other.loadStateDict(conv.stateDict());
  assert.deepEqual(other.weight.data, conv.weight.data);
  assert.notEqual(other.weight.data, conv.weight.data); // copied, not shared
  const { weight } = conv.stateDict();
  // detached, as torch's state_dict(): the module's data, no grad
  assert.equal(weight.data, conv.weight.data);
  assert.equal(weight.requiresGrad, false);
  assert.equal(conv.weight.requiresGrad, true);
  assert.throws(() => other.loadStateDict({ weight }), /loadStateDict: cannot load state into Conv2d: missing key 'bias'/);
  assert.throws(() => other.loadStateDict({ ...conv.stateDict(), extra: weight }), /unexpected key 'extra'/);
  assert.throws(
    () => other.loadStateDict({ weight: zeros([3, 2, 2, 2]), bias: conv.bias as Tensor }),
    /size mismatch for 'weight': copying a tensor of shape \[3, 2, 2, 2\], the parameter has shape \[3, 2, 3, 3\]/,
  );
  other.loadStateDict({ weight: zeros([3, 2, 3, 3]) }, false);
  assert.ok(other.weight.data.every((v) => v === 0));
});

test('constructor arguments PyTorch rejects are errors', () => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => new Conv2d(6, 4, 3, { groups: 4 }), /Conv2d: groups=4 must divide inChannels=6/],
    [() => new Conv2d(4, 6, 3, { groups: 4 }), /Conv2d: groups=4 must divide outChannels=6/],
    [() => new Conv2d(4, 4, 3, { groups: 0 }), /Conv2d: groups must be a positive integer, got 0/],
    [() => new Conv2d(0, 4, 3), /Conv2d: inChannels must be a positive integer, got 0/],
    [() => new Conv2d(4, 2.5, 3), /Conv2d: outChannels must be a positive integer, got 2.5/],
    [() => new Conv2d(4, 4, 0), /Conv2d: kernelSize must be positive, got 0/],
    [() => new Conv2d(4, 4, 3, { stride: 2, padding: 'same' }), /Conv2d: padding='same' is not supported for strided convolutions/],
    [() => new Conv2d(4, 4, 3, { padding: 'full' as never }), /Conv2d: padding='full' is not a valid padding string/],
    [() => new Conv2d(4, 4, 3, { paddingMode: 'mirror' as never }), /Conv2d: paddingMode must be one of 'zeros', 'reflect', 'replicate', 'circular', got 'mirror'/],
    [() => new Conv2d(4, 4, 3, { bias: 'yes' as never }), /Conv2d: bias must be true or false/],
    [() => new Conv2d(4, 4, 3, { padding_mode: 'reflect' } as never), /Conv2d: unknown option 'padding_mode'/],
    [() => new Conv2d(4, 4, 3).forward(randn([1, 3, 5, 5])), /conv2d: weight.shape\[1\]=4 must equal in_channels\/groups=3/],
  ];
  for (const [call, message] of cases) assert.throws(call, message);
});
