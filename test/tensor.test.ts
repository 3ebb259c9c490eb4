import assert from 'node:assert/strict';
import { test } from 'node:test';
import { add, conv2d, ConvkitArgumentError, full, Generator, ones, pad, rand, randn, relu, sum, Tensor, tensor, uniform, zeros } from '../src/index.js';

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
  assert.throws(() => zeros([2, -2]), /zeros: shape must hold non-negative integer sizes/);
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

test('tensor() takes numbers only: strings, objects and bigints are errors, not NaN', () => {
  assert.throws(() => tensor(['a', 'b'] as never), /^ConvkitArgumentError: tensor: values must be numbers, got 'a' at index 0$/);
  assert.throws(() => tensor([[1, 2], [3, null]] as never), /tensor: values must be numbers, got null at index 3/);
  assert.throws(() => tensor({ length: 2 } as never), /tensor: values must be numbers, got undefined at index 0/);
  assert.throws(() => tensor({} as never), /tensor: values must be a number, an array of numbers \(nested or flat\) or a typed array, got \[object Object\]/);
  assert.throws(() => tensor('12' as never), /tensor: values must be a number/);
  assert.throws(() => tensor(new BigInt64Array(2) as never), /tensor: values must be numbers, got \[object BigInt\] at index 0|values must be numbers/);
  assert.deepEqual([...tensor(new Float64Array([1.5, 2])).data], [1.5, 2]);
  assert.throws(() => full([2], '1' as never), /full: value must be a number, got '1'/);
});

test('a tensor-like object that is not a Tensor is named as such', () => {
  const fake = { data: new Float32Array(4), shape: [1, 1, 2, 2] };
  assert.throws(() => relu(fake as never), /relu: input must be a Tensor, got an object with shape \[1, 1, 2, 2\] that is not a convkit Tensor/);
  assert.equal(String(tensor([1, 2])), 'Tensor(shape=[2])');
});

test('a size past what a tensor can hold is an error naming the shape, the limit and advice that fits, before allocating', () => {
  const limit = /more than the 1,073,741,824 \(2\^30, 4 GiB of float32\) a convkit tensor can hold/;
  assert.throws(() => zeros([1e5, 1e5]), (e: Error) => e instanceof ConvkitArgumentError && limit.test(e.message) && /^zeros: shape \[100000, 100000\] has 1\.000e\+10 elements/.test(e.message) && !/batch/.test(e.message));
  assert.throws(() => randn([64, 1024, 1024, 32]), /split the batch of 64 into pieces of at most 32$/);
  assert.throws(() => ones([1, 2048, 1024, 1024]), (e: Error) => limit.test(e.message) && !/batch/.test(e.message));
  assert.throws(() => tensor([1], [2 ** 31]), /tensor: shape \[2147483648\] has 2\.147e\+9 elements/);
  // an op's output: conv2d, pad, and a broadcast each name their output's shape
  const x = zeros([1, 1, 1, 1]);
  assert.throws(() => conv2d(x, zeros([1100, 1, 1, 1]), null, { padding: 500 }), /^ConvkitArgumentError: conv2d: output shape \[1, 1100, 1001, 1001\] has 1\.102e\+9 elements.*use smaller sizes/);
  assert.throws(() => conv2d(zeros([2, 1, 1, 1]), zeros([1100, 1, 1, 1]), null, { padding: 500 }), /conv2d: output shape \[2, 1100, 1001, 1001\].*; use smaller sizes/);
  assert.throws(() => pad(x, [40000, 40000, 40000, 40000]), /^ConvkitArgumentError: pad: output shape \[1, 1, 80001, 80001\]/);
  assert.throws(() => add(zeros([40000, 1]), zeros([1, 40000])), /^ConvkitArgumentError: add: output shape \[40000, 40000\]/);
});
