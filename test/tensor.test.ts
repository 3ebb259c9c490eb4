import assert from 'node:assert/strict';
import { test } from 'node:test';
import { full, Generator, ones, rand, randn, sum, Tensor, tensor, uniform, zeros } from '../src/index.js';

test('a tensor wraps its data with a shape and counts its elements', () => {
  const data = new Float32Array([1, 2, 3, 4, 5, 6]);
  const t = new Tensor(data, [2, 3]);
  assert.equal(t.data, data);
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.numel, 6);
  assert.equal(t.get(1, 0), 4);
  assert.deepEqual(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
  assert.equal(new Tensor(new Float32Array([5]), []).numel, 1);
  assert.equal(new Tensor(new Float32Array(0), [0, 3]).numel, 0);
});

test('data that does not match the shape, and bad shapes, are rejected', () => {
  assert.throws(() => new Tensor(new Float32Array(5), [2, 3]), /Tensor: data has 5 elements but shape \[2, 3\] needs 6/);
  assert.throws(() => new Tensor(new Float32Array(6), [2, 1.5, 2]), /Tensor: shape must hold non-negative integer sizes/);
  assert.throws(() => new Tensor(new Float32Array(0), [-1, 0]), /non-negative integer sizes/);
  assert.throws(() => new Tensor([1, 2] as unknown as Float32Array, [2]), /Tensor: data must be a Float32Array/);
  assert.throws(() => new Tensor(new Float32Array(1), 1 as unknown as number[]), /shape must be an array/);
});

test('tensor() takes flat values with a shape, or nested arrays', () => {
  assert.deepEqual(tensor([1, 2, 3, 4], [2, 2]).toArray(), [[1, 2], [3, 4]]);
  const nested = tensor([[[1, 2]], [[3, 4]]]);
  assert.deepEqual(nested.shape, [2, 1, 2]);
  assert.deepEqual([...nested.data], [1, 2, 3, 4]);
  assert.throws(() => tensor([[1, 2], [3]]), /tensor: nested values are ragged/);
  assert.throws(() => tensor([1, 2, 3], [2, 2]), /data has 3 elements but shape \[2, 2\] needs 4/);
});

test('reshape shares data and infers one -1 size', () => {
  const t = tensor([1, 2, 3, 4, 5, 6], [6]);
  const r = t.reshape([2, -1]);
  assert.deepEqual(r.shape, [2, 3]);
  r.data[0] = 9;
  assert.equal(t.data[0], 9);
  assert.throws(() => t.reshape([4, -1]), /reshape: shape \[4, -1\] is invalid for a tensor of 6 elements/);
  assert.throws(() => t.reshape([-1, -1]), /only one size may be -1/);
  assert.throws(() => t.get(6), /index \[6\] is out of bounds/);
});

test('fill helpers and seeded random tensors', () => {
  assert.deepEqual([...zeros([2, 2]).data], [0, 0, 0, 0]);
  assert.deepEqual([...ones([3]).data], [1, 1, 1]);
  assert.deepEqual([...full([2], 2.5).data], [2.5, 2.5]);
  assert.deepEqual(randn([4, 4], new Generator(1)).data, randn([4, 4], new Generator(1)).data);
  assert.throws(() => zeros([2, -2]), /full: shape must hold non-negative integer sizes/);
  assert.throws(() => randn([1.5]), /randn: shape must hold non-negative integer sizes/);
  assert.throws(() => rand('2' as never), /rand: shape must be an array of sizes, got '2'/);
  assert.throws(() => uniform([2], 1, 0), /uniform: expected finite low <= high, got low=1, high=0/);
});

test('an error echoes a huge argument in a few items or characters, not whole', () => {
  const x = randn([3]).requiresGrad_();
  const messages: string[] = [];
  for (const call of [
    () => sum(x).backward(new Array(100000).fill(1) as never),
    () => sum(x, new Array(100000).fill(0.5)),
    () => x.reshape(new Array(100000).fill(1.5)),
    () => { x.grad = 'a'.repeat(100000) as never; },
  ]) {
    assert.throws(call, (e: Error) => (messages.push(e.message), true));
  }
  for (const message of messages) assert.ok(message.length < 200, message);
  assert.match(messages[0], /got \[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, \.\.\. \(100000 items\)\]$/);
  assert.match(messages[3], /got 'a{80}\.\.\.' \(100000 characters\)$/);
});
