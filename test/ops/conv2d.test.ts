import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conv2d, conv2dGeometry, Generator, randn, Tensor, tensor, zeros } from '../../src/index.js';

const g = new Generator(11);

/** Splits `t` (N, C, H, W) along channels into `parts` equal tensors. */
function splitChannels(t: Tensor, parts: number, dim = 1): Tensor[] {
  const [n, c, ...rest] = dim === 1 ? t.shape : [1, ...t.shape];
  const inner = rest.reduce((a, b) => a * b, 1);
  const per = c / parts;
  return Array.from({ length: parts }, (_, p) => {
    const out = new Float32Array(n * per * inner);
    for (let b = 0; b < n; b++) out.set(t.data.subarray((b * c + p * per) * inner, (b * c + (p + 1) * per) * inner), b * per * inner);
    return new Tensor(out, dim === 1 ? [n, per, ...rest] : [per, ...rest]);
  });
}

function assertClose(actual: Tensor, expected: Tensor, tol = 1e-5): void {
  assert.deepEqual(actual.shape, expected.shape);
  actual.data.forEach((v, i) => assert.ok(Math.abs(v - expected.data[i]) <= tol, `element ${i}: ${v} vs ${expected.data[i]}`));
}

test('a hand-computed convolution: 2x2 kernel of ones sums each window, plus bias', () => {
  const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
  const y = conv2d(x, tensor([1, 1, 1, 1], [1, 1, 2, 2]), tensor([10], [1]));
  assert.deepEqual(y.toArray(), [[[[22, 26], [34, 38]]]]);
});

test('stride, padding and dilation place the taps where PyTorch does', () => {
  const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
  const w = tensor([1, 0, 0, 0, 0, 0, 0, 0, 1], [1, 1, 3, 3]); // top-left + bottom-right taps
  // padding 1, stride 2: windows centred on (0,0), (0,2), (2,0), (2,2); taps off the image read zero
  // (PyTorch 1.13 prints [[[[5.0, 0.0], [0.0, 5.0]]]])
  assert.deepEqual(conv2d(x, w, null, { padding: 1, stride: 2 }).toArray(), [[[[5, 0], [0, 5]]]]);
  // dilation 2 on a 5x5 input: the window spans 5, taps at (0,0) and (4,4)
  const x5 = tensor(Array.from({ length: 25 }, (_, i) => i), [1, 1, 5, 5]);
  assert.deepEqual(conv2d(x5, w, null, { dilation: 2 }).toArray(), [[[[0 + 24]]]]);
  // non-square stride and padding as pairs
  assert.deepEqual(conv2d(x5, w, null, { stride: [1, 3], padding: [0, 1] }).shape, [1, 1, 3, 2]);
});

test("padding 'same' keeps the size and puts the odd extra at the bottom/right", () => {
  const x = tensor([1, 2, 3, 4], [1, 1, 1, 4]);
  const w = tensor([1, 10], [1, 1, 1, 2]);
  assert.deepEqual([...conv2d(x, w, null, { padding: 'same' }).data], [21, 32, 43, 4]);
  const y = conv2d(randn([2, 3, 5, 6], g), randn([4, 3, 4, 2], g), null, { padding: 'same', dilation: [1, 3] });
  assert.deepEqual(y.shape, [2, 4, 5, 6]);
  assert.deepEqual(conv2d(x, w, null, { padding: 'valid' }).shape, [1, 1, 1, 3]);
});

test('groups convolve channel groups independently and concatenate, as the definition says', () => {
  const x = randn([2, 6, 5, 5], g);
  const w = randn([4, 3, 3, 3], g);
  const b = randn([4], g);
  const y = conv2d(x, w, b, { groups: 2, padding: 1 });
  const xs = splitChannels(x, 2);
  const ws = splitChannels(w, 2, 0).map((t) => t.reshape([2, 3, 3, 3]));
  const bs = [tensor([b.data[0], b.data[1]], [2]), tensor([b.data[2], b.data[3]], [2])];
  const parts = xs.map((xp, i) => conv2d(xp, ws[i], bs[i], { padding: 1 }));
  const ys = splitChannels(y, 2);
  ys.forEach((yp, i) => assertClose(yp, parts[i]));
});

test('depthwise with a depth multiplier: each input channel feeds its own output channels', () => {
  const x = randn([1, 3, 6, 6], g);
  const w = randn([6, 1, 3, 3], g);
  const y = conv2d(x, w, null, { groups: 3 });
  for (let c = 0; c < 3; c++) {
    const xc = splitChannels(x, 3)[c];
    const wc = new Tensor(w.data.slice(c * 18, (c + 1) * 18), [2, 1, 3, 3]);
    assertClose(splitChannels(y, 3)[c], conv2d(xc, wc));
  }
});

test('3-D input gives 3-D output equal to the batched result; empty batch gives an empty output', () => {
  const x = randn([3, 7, 6], g);
  const w = randn([5, 3, 3, 2], g);
  const unbatched = conv2d(x, w, null, { stride: 2 });
  const batched = conv2d(x.reshape([1, 3, 7, 6]), w, null, { stride: 2 });
  assert.deepEqual(unbatched.shape, [5, 3, 3]);
  assert.deepEqual(unbatched.data, batched.data);
  assert.deepEqual(conv2d(zeros([0, 3, 7, 6]), w).shape, [0, 5, 5, 5]);
  // zero input channels: the output is the bias alone
  const y = conv2d(zeros([1, 0, 4, 4]), zeros([2, 0, 3, 3]), tensor([1, 2], [2]));
  assert.deepEqual([...y.data], [1, 1, 1, 1, 2, 2, 2, 2]);
});

test('every argument PyTorch rejects is an error naming the argument and the rule', () => {
  const x = randn([1, 4, 5, 5], g);
  const w = randn([2, 4, 3, 3], g);
  const cases: Array<[() => unknown, RegExp]> = [
    [() => conv2d(x, w, null, { groups: 0 }), /conv2d: groups must be a positive integer, got 0/],
    [() => conv2d(x, w, null, { groups: 1.5 }), /groups must be a positive integer, got 1.5/],
    [() => conv2d(randn([1, 6, 5, 5], g), randn([4, 2, 3, 3], g), null, { groups: 4 }), /groups=4 must divide in_channels=6/],
    [() => conv2d(x, randn([2, 3, 3, 3], g)), /weight.shape\[1\]=3 must equal in_channels\/groups=4/],
    [() => conv2d(x, randn([3, 2, 3, 3], g), null, { groups: 2 }), /groups=2 must divide out_channels=3/],
    [() => conv2d(x, randn([0, 4, 3, 3], g)), /must divide out_channels=0 .*out_channels must be >= groups/],
    [() => conv2d(x, w, null, { stride: 0 }), /conv2d: stride must be positive, got 0/],
    [() => conv2d(x, w, null, { stride: [1, 2, 3] as never }), /stride must be an integer or a pair \[h, w\] of integers, got \[1, 2, 3\]/],
    [() => conv2d(x, w, null, { stride: 1.5 }), /stride must be an integer or a pair/],
    [() => conv2d(x, w, null, { dilation: [1, 0] }), /conv2d: dilation must be positive, got \[1, 0\]/],
    [() => conv2d(x, w, null, { padding: -1 }), /conv2d: padding must be non-negative, got -1/],
    [() => conv2d(x, w, null, { padding: 0.5 }), /padding must be an integer or a pair/],
    [() => conv2d(x, w, null, { padding: 'full' as never }), /padding='full' is not a valid padding string; expected 'valid' or 'same'/],
    [() => conv2d(x, w, null, { padding: 'same', stride: 2 }), /padding='same' is not supported for strided convolutions \(stride=\[2, 2\]\)/],
    [() => conv2d(x, randn([2, 4, 6, 3], g)), /kernel \(6 x 3 with dilation\) is larger than the padded input \(5 x 5\)/],
    [() => conv2d(x, w, null, { dilation: 3 }), /kernel \(7 x 7 with dilation\) is larger than the padded input/],
    [() => conv2d(randn([4, 5], g), w), /conv2d: expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input, got input of shape \[4, 5\]/],
    [() => conv2d(randn([1, 1, 4, 5, 5], g), w), /expected a 3-D .* got input of shape \[1, 1, 4, 5, 5\]/],
    [() => conv2d(x, randn([2, 4, 3], g)), /conv2d: weight must be 4-D/],
    [() => conv2d(x, w, randn([3], g)), /conv2d: bias must be 1-D with out_channels=2 elements, got shape \[3\]/],
    [() => conv2d(x, w, randn([2, 1], g)), /bias must be 1-D/],
    [() => conv2d(x, randn([2, 4, 0, 3], g)), /conv2d: kernel size must be positive/],
    [() => conv2d(zeros([1, 4, 0, 5]), randn([2, 4, 1, 1], g), null, { padding: 1 }), /input height and width must be non-zero/],
    [() => conv2d(x, w, null, { strides: 2 } as never), /conv2d: unknown option 'strides'; expected one of stride, padding, dilation, groups/],
    [() => conv2d(x.data as never, w), /conv2d: input must be a Tensor/],
    [() => conv2d(x, w, [1, 2] as never), /conv2d: bias must be a Tensor/],
  ];
  for (const [call, message] of cases) assert.throws(call, message);
});

test('the geometry resolves every form once, for the backends', () => {
  const geom = conv2dGeometry([2, 8, 9, 10], [4, 2, 3, 4], [4], { stride: [2], padding: 'valid', dilation: [2, 1], groups: 4 });
  assert.deepEqual(geom, {
    n: 2, cIn: 8, h: 9, w: 10, cOut: 4, kH: 3, kW: 4, strideH: 2, strideW: 2,
    padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, dilationH: 2, dilationW: 1, groups: 4, outH: 3, outW: 4,
  });
});
