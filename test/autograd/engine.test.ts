import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  add, Conv2d, conv2d, DepthwiseSeparableConv2d, isGradEnabled, mean, mul, noGrad, ones, pad, randn, ReLU, Sequential, sum, tensor, Tensor,
} from '../../src/index.js';

test('requiresGrad_ marks leaves, returns the tensor, and refuses to unmark a computed tensor', () => {
  const x = tensor([1, 2, 3]);
  assert.equal(x.requiresGrad, false);
  assert.equal(x.requiresGrad_(), x);
  assert.equal(x.requiresGrad, true);
  assert.equal(x.isLeaf, true);
  const y = mul(x, 2);
  assert.equal(y.requiresGrad, true);
  assert.equal(y.isLeaf, false);
  assert.equal(y.gradFn?.name, 'MulBackward0');
  assert.equal(y.requiresGrad_(true), y);
  assert.throws(() => y.requiresGrad_(false), /requiresGrad_: you can only change requires_grad flags of leaf variables/);
  assert.throws(() => x.requiresGrad_('yes' as never), /requiresGrad_: flag must be true or false/);
  x.requiresGrad_(false);
  assert.equal(mul(x, 2).requiresGrad, false);
});

test('backward checks its root and gradient with PyTorch\'s rules', () => {
  const x = tensor([1, 2, 3]).requiresGrad_();
  const y = mul(x, x);
  assert.throws(() => y.backward(), /backward: grad can be implicitly created only for scalar outputs/);
  assert.throws(() => y.backward(ones([2])), /backward: mismatch in shape: gradient has a shape of \[2\] and the output has a shape of \[3\]/);
  assert.throws(() => y.backward([1, 1, 1] as never), /backward: gradient must be a Tensor/);
  assert.throws(() => tensor([1, 2]).backward(ones([2])), /backward: element 0 of tensors does not require grad and does not have a grad_fn/);
  y.backward(tensor([1, 10, 100]));
  assert.deepEqual([...(x.grad as Tensor).data], [2, 40, 600]);
  assert.equal(y.grad, null); // only leaves get a grad
});

test('gradients accumulate over backward calls; a freed graph refuses a second pass unless retainGraph', () => {
  const x = randn([1, 2, 5, 5]).requiresGrad_();
  const w = randn([3, 2, 3, 3]).requiresGrad_();
  const loss = sum(conv2d(x, w));
  loss.backward(undefined, { retainGraph: true });
  const first = Float32Array.from((w.grad as Tensor).data);
  const gradObject = w.grad;
  loss.backward();
  assert.equal(w.grad, gradObject, 'accumulated in place, as PyTorch does');
  (w.grad as Tensor).data.forEach((v, i) => assert.equal(v, Math.fround(first[i] * 2)));
  assert.throws(() => loss.backward(), /backward: trying to backward through the graph a second time.*retainGraph/);
  // an op that saves no tensors (add, sum) can run backward again, as in PyTorch
  const a = tensor([1, 2]).requiresGrad_();
  const s = sum(add(a, a));
  s.backward();
  s.backward();
  assert.deepEqual([...(a.grad as Tensor).data], [4, 4]);
});

test('a tensor used twice gets the sum of both paths; a leaf root gets the gradient itself', () => {
  const x = tensor([3]).requiresGrad_();
  mean(add(mul(x, x), x)).backward();
  assert.deepEqual([...(x.grad as Tensor).data], [7]);
  const leaf = tensor([1, 2]).requiresGrad_();
  leaf.backward(tensor([5, 6]));
  assert.deepEqual([...(leaf.grad as Tensor).data], [5, 6]);
  assert.throws(() => { leaf.grad = ones([3]); }, /grad: assigned grad has data of a different size/);
  leaf.grad = null;
  assert.equal(leaf.grad, null);
});

test('noGrad records nothing and restores the mode, even when its function throws; detach cuts the graph', () => {
  const x = randn([1, 1, 4, 4]).requiresGrad_();
  assert.equal(isGradEnabled(), true);
  const y = noGrad(() => {
    assert.equal(isGradEnabled(), false);
    return conv2d(x, ones([1, 1, 3, 3]));
  });
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  assert.throws(() => noGrad(() => { throw new Error('inside'); }), /inside/);
  assert.equal(isGradEnabled(), true);
  const d = mul(x, 2).detach();
  assert.equal(d.requiresGrad, false);
  assert.equal(d.isLeaf, true);
  assert.equal(conv2d(randn([1, 1, 4, 4]), ones([1, 1, 3, 3])).gradFn, null, 'no input requires grad: nothing recorded');
});

test('a graph of 20,000 nodes runs backward without overflowing the stack', () => {
  const x = tensor([1]).requiresGrad_();
  let y = x;
  for (let i = 0; i < 20000; i++) y = add(y, 1);
  y.backward();
  assert.deepEqual([...(x.grad as Tensor).data], [1]);
});

test('module parameters require grad; zeroGrad zeroes them in place, or sets them to null', () => {
  const model = new Sequential(new Conv2d(2, 4, 3, { padding: 1 }), new ReLU(), new DepthwiseSeparableConv2d(4, 3));
  assert.equal(model.parameters().length, 6);
  assert.ok(model.parameters().every((p) => p.requiresGrad && p.isLeaf && p.grad === null));
  sum(model.forward(randn([2, 2, 6, 6]))).backward();
  const grads = model.parameters().map((p) => p.grad);
  assert.ok(grads.every((g) => g !== null && g.data.some((v) => v !== 0)));
  model.zeroGrad();
  model.parameters().forEach((p, i) => {
    assert.equal(p.grad, grads[i]);
    assert.ok(p.grad?.data.every((v) => v === 0));
  });
  model.zeroGrad(true);
  assert.ok(model.parameters().every((p) => p.grad === null));
});

test('a Sequential records the same values as it computes without grad (fused ReLU and chains kept where nothing is recorded)', () => {
  const model = new Sequential(new Conv2d(3, 8, 3, { padding: 1 }), new ReLU(), new DepthwiseSeparableConv2d(8, 8), new ReLU(), new Conv2d(8, 2, 1));
  const x = randn([2, 3, 9, 9]);
  const recorded = model.forward(x);
  const plain = noGrad(() => model.forward(x));
  assert.equal(recorded.gradFn?.name, 'ConvolutionBackward0');
  assert.deepEqual([...recorded.data], [...plain.data]);
});

test('a leaf\'s grad shares memory with no other tensor: not the gradient given, nor another leaf\'s', () => {
  const x = tensor([1, 2, 3]).requiresGrad_();
  const given = tensor([4, 5, 6]);
  x.reshape([3, 1]).backward(given.reshape([3, 1]));
  assert.notEqual((x.grad as Tensor).data.buffer, given.data.buffer);
  const a = tensor([1, 2]).requiresGrad_();
  const b = tensor([3, 4]).requiresGrad_();
  sum(add(a, b)).backward();
  assert.notEqual((a.grad as Tensor).data.buffer, (b.grad as Tensor).data.buffer);
  (a.grad as Tensor).data[0] = 100;
  assert.deepEqual([...(b.grad as Tensor).data], [1, 1]);
  const w = randn([2, 1, 3, 3]).requiresGrad_();
  const input = randn([1, 1, 5, 5]).requiresGrad_();
  conv2d(input, w).backward(ones([1, 2, 3, 3]));
  const kept = (w.grad as Tensor).data;
  conv2d(input, w).backward(ones([1, 2, 3, 3]));
  assert.equal((w.grad as Tensor).data, kept, 'the second pass adds into the first one\'s memory');
});

test('a second pass without retainGraph is refused where torch refuses it: pad other than constant, mean over dims', () => {
  const x = randn([1, 2, 4, 4]).requiresGrad_();
  // torch 1.13: reflect, replicate, circular padding and mean over dims save tensors; constant padding, sum and a whole mean do not
  for (const [name, f, refused] of [
    ['constant', (t: Tensor) => pad(t, [1, 1, 1, 1]), false],
    ['reflect', (t: Tensor) => pad(t, [1, 1, 1, 1], 'reflect'), true],
    ['replicate', (t: Tensor) => pad(t, [1, 1, 1, 1], 'replicate'), true],
    ['circular', (t: Tensor) => pad(t, [1, 1, 1, 1], 'circular'), true],
    ['mean over dims', (t: Tensor) => mean(t, [1, 2], true), true],
    ['mean', (t: Tensor) => mean(t), false],
    ['sum over dims', (t: Tensor) => sum(t, 1), false],
  ] as const) {
    const y = sum(f(x));
    y.backward();
    if (refused) assert.throws(() => y.backward(), /second time/, name);
    else assert.doesNotThrow(() => y.backward(), name);
  }
});

test('a leaf whose requiresGrad was turned off after the graph was recorded gets no gradient, as in torch', () => {
  const x = ones([3]).requiresGrad_();
  const w = ones([3]).requiresGrad_();
  const y = sum(mul(x, w));
  x.requiresGrad_(false);
  y.backward();
  assert.equal(x.grad, null); // torch 1.13: None
  assert.deepEqual([...(w.grad as Tensor).data], [1, 1, 1]);
});
