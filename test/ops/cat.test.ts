/**
 * cat: each output element is the input element it indexes (along every dim, negative dims too), each
 * input's gradient is its slice of the output's, and torch.cat's errors (messages from torch 1.13).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cat, Generator, randn, Tensor } from '../../src/index.js';

/** The flat index of `index` in a contiguous tensor of `shape`. */
const flat = (shape: readonly number[], index: number[]) => index.reduce((f, i, d) => f * shape[d] + i, 0);

/** Every index of `shape`, in order. */
function* indices(shape: readonly number[]): IterableIterator<number[]> {
  const total = shape.reduce((a, b) => a * b, 1);
  for (let k = 0; k < total; k++) {
    const index: number[] = [];
    let rest = k;
    for (let d = shape.length - 1; d >= 0; d--) {
      index.unshift(rest % shape[d]);
      rest = Math.floor(rest / shape[d]);
    }
    yield index;
  }
}

test('cat joins tensors along each dimension: every element is the one of the input it falls in', () => {
  const g = new Generator(5);
  for (const dim of [0, 1, 2, 3, -1, -3]) {
    const d = dim < 0 ? dim + 4 : dim;
    const sizes = [2, 1, 3];
    const inputs = sizes.map((s) => randn([2, 3, 4, 5].map((n, k) => (k === d ? s : n)), g));
    const out = cat(inputs, dim);
    const expectedShape = [2, 3, 4, 5];
    expectedShape[d] = 6;
    assert.deepEqual(out.shape, expectedShape);
    for (const index of indices(out.shape)) {
      let i = 0;
      let at = index[d];
      while (at >= sizes[i]) at -= sizes[i++];
      const source = [...index];
      source[d] = at;
      assert.equal(out.data[flat(out.shape, index)], inputs[i].data[flat(inputs[i].shape, source)]);
    }
  }
});

test('cat\'s gradient gives each input its slice of the output\'s, and none to an input that needs none', () => {
  const g = new Generator(6);
  const a = randn([2, 3, 2, 2], g).requiresGrad_();
  const b = randn([2, 1, 2, 2], g);
  const c = randn([2, 2, 2, 2], g).requiresGrad_();
  const out = cat([a, b, c], 1);
  const gradOutput = randn(out.shape, g);
  out.backward(gradOutput);
  assert.equal(b.grad, null);
  for (const [t, offset] of [[a, 0], [c, 4]] as Array<[Tensor, number]>) {
    assert.deepEqual(t.grad?.shape, t.shape);
    for (const index of indices(t.shape)) {
      const source = [...index];
      source[1] += offset;
      assert.equal(t.grad?.data[flat(t.shape, index)], gradOutput.data[flat(out.shape, source)]);
    }
  }
});

test('cat rejects what torch.cat rejects, with its messages', () => {
  const t = (shape: number[]) => randn(shape, new Generator(7));
  assert.throws(() => cat([t([2, 3]), t([2, 4])], 0), /cat: Sizes of tensors must match except in dimension 0\. Expected size 3 but got size 4 for tensor number 1 in the list\./);
  assert.throws(() => cat([t([2, 3]), t([2, 3, 1])], 0), /Tensors must have same number of dimensions: got 2 and 3/);
  assert.throws(() => cat([t([2, 3])], 2), /Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/);
  assert.throws(() => cat([t([])], 0), /zero-dimensional tensor \(at position 0\) cannot be concatenated/);
  assert.throws(() => cat([], 0), /expected a non-empty list of Tensors/);
  assert.throws(() => cat([t([2]), 'x' as never]), /tensors\[1\]/);
});
