import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conv2d, DepthwiseSeparableConv2d, Generator, randn } from '../../src/index.js';

test("the tutorial's module: depthwise (groups = in) then pointwise 1x1, with its state-dict keys", () => {
  const m = new DepthwiseSeparableConv2d(8, 16, 3, { generator: new Generator(1) });
  assert.deepEqual(
    Object.entries(m.stateDict()).map(([k, v]) => [k, v.shape]),
    [['depthwise.weight', [8, 1, 3, 3]], ['depthwise.bias', [8]], ['pointwise.weight', [16, 8, 1, 1]], ['pointwise.bias', [16]]],
  );
  const x = randn([2, 8, 6, 5], new Generator(2));
  const sd = m.stateDict();
  const expected = conv2d(conv2d(x, sd['depthwise.weight'], sd['depthwise.bias'], { padding: 1, groups: 8 }), sd['pointwise.weight'], sd['pointwise.bias']);
  assert.deepEqual(m.forward(x).data, expected.data);
  assert.deepEqual(m.forward(x).shape, [2, 16, 6, 5]);
});

test('stride, dilation, padding and bias reach the depthwise half', () => {
  const m = new DepthwiseSeparableConv2d(4, 6, 5, { stride: 2, dilation: 2, padding: 4, bias: false });
  assert.deepEqual(Object.keys(m.stateDict()), ['depthwise.weight', 'pointwise.weight']);
  assert.deepEqual(m.forward(randn([1, 4, 9, 9])).shape, [1, 6, 5, 5]);
  assert.equal(m.depthwise.groups, 4);
});

test('bad arguments are errors naming the argument', () => {
  assert.throws(() => new DepthwiseSeparableConv2d(0, 4), /DepthwiseSeparableConv2d: inChannels must be a positive integer, got 0/);
  assert.throws(() => new DepthwiseSeparableConv2d(4, 4, 3, { groups: 2 } as never), /DepthwiseSeparableConv2d: unknown option 'groups'/);
  assert.throws(() => new DepthwiseSeparableConv2d(4, -1), /Conv2d: outChannels must be a positive integer, got -1/);
  assert.throws(() => new DepthwiseSeparableConv2d(4, 4).forward(randn([1, 3, 8, 8])), /conv2d: groups=4 must divide in_channels=3/);
});
