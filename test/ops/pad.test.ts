import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pad, tensor } from '../../src/index.js';

// Expected values printed by torch.nn.functional.pad (PyTorch 1.13) for x = arange(1, 7).reshape(1, 1, 2, 3).
const x = tensor([1, 2, 3, 4, 5, 6], [1, 1, 2, 3]);

test('every mode matches PyTorch on a small image', () => {
  assert.deepEqual([...pad(x, [2, 1, 1, 1]).data], [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...pad(x, [2, 1, 1, 0], 'reflect').data], [6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5]);
  assert.deepEqual([...pad(x, [2, 1, 1, 1], 'replicate').data], [1, 1, 1, 2, 3, 3, 1, 1, 1, 2, 3, 3, 4, 4, 4, 5, 6, 6, 4, 4, 4, 5, 6, 6]);
  assert.deepEqual([...pad(x, [2, 1, 1, 1], 'circular').data], [5, 6, 4, 5, 6, 4, 2, 3, 1, 2, 3, 1, 5, 6, 4, 5, 6, 4, 2, 3, 1, 2, 3, 1]);
  assert.deepEqual(pad(x, [2, 1, 1, 1], 'circular').shape, [1, 1, 4, 6]);
});

test('constant padding takes a fill value, and negative sizes crop', () => {
  const y = pad(x, [-1, 1, 0, -1], 'constant', 9);
  assert.deepEqual(y.shape, [1, 1, 1, 3]);
  assert.deepEqual([...y.data], [2, 3, 9]);
  assert.deepEqual(pad(tensor([1, 2, 3, 4], [2, 2]), [1, 0, 0, 0], 'constant', 7).toArray(), [[7, 1, 2], [7, 3, 4]]);
});

test('unbatched and empty inputs keep their leading dimensions', () => {
  assert.deepEqual(pad(tensor([1, 2, 3], [1, 1, 3]), [2, 0, 0, 0], 'reflect').toArray(), [[[3, 2, 1, 2, 3]]]);
  assert.deepEqual(pad(tensor([], [0, 2, 3, 4]), [1, 1, 1, 1], 'replicate').shape, [0, 2, 5, 6]);
});

test('PyTorch limits are errors that name the rule', () => {
  assert.throws(() => pad(x, [3, 0, 0, 0], 'reflect'), /pad: reflect padding 3 \(left\) must be < input width 3/);
  assert.throws(() => pad(x, [0, 0, 0, 2], 'reflect'), /reflect padding 2 \(bottom\) must be < input height 2/);
  assert.throws(() => pad(x, [4, 0, 0, 0], 'circular'), /pad: circular padding 4 \(left\) must be <= input width 3/);
  assert.throws(() => pad(x, [1, 1, 1, 1], 'reflect', 2), /pad: mode 'reflect' takes no fill value, got value=2/);
  assert.throws(() => pad(x, [1, 1], 'constant'), /pad: pads must be 4 integers \[left, right, top, bottom\]/);
  assert.throws(() => pad(x, [1.5, 1, 1, 1]), /pads must be 4 integers/);
  assert.throws(() => pad(x, [1, 1, 1, 1], 'wrap' as 'reflect'), /pad: mode must be one of 'constant', 'reflect', 'replicate', 'circular', got 'wrap'/);
  assert.throws(() => pad(tensor([1, 2, 3, 4], [2, 2]), [1, 1, 1, 1], 'reflect'), /mode 'reflect' needs a 3-D \(C, H, W\) or 4-D/);
  assert.throws(() => pad(tensor([], [1, 2, 0, 4]), [1, 1, 1, 1], 'replicate'), /needs non-zero channels, height and width/);
  // the first dimension may be empty, as in PyTorch: reflect's of either rank, replicate's of a batch only
  assert.deepEqual(pad(tensor([], [0, 4, 5]), [1, 1, 1, 1], 'reflect').shape, [0, 6, 7]);
  assert.deepEqual(pad(tensor([], [0, 2, 4, 5]), [1, 1, 1, 1], 'replicate').shape, [0, 2, 6, 7]);
  assert.throws(() => pad(tensor([], [0, 4, 5]), [1, 1, 1, 1], 'replicate'), /needs non-zero channels, height and width/);
  assert.throws(() => pad(tensor([], [2, 0, 5]), [1, 1, 1, 1], 'reflect'), /mode 'reflect' needs non-zero height and width, got shape \[2, 0, 5\]/);
  assert.throws(() => pad(x, [-4, 0, 0, 0]), /pad: cannot crop 4 from the left of input width 3/);
  assert.throws(() => pad([1, 2] as never, [1, 1, 1, 1]), /pad: input must be a Tensor/);
});
