import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dropout, Generator, mul, ones, randn, sum, Tensor } from '../../src/index.js';

test('dropout keeps each element with probability 1 - p, scaled by float32 1 / (1 - p), the mask following the seed', () => {
  const n = 100_000;
  for (const p of [0.1, 0.5, 0.8]) {
    const y = dropout(ones([n]), { p, generator: new Generator(7) });
    const scale = Math.fround(1 / Math.fround(1 - p));
    assert.ok(y.data.every((v) => v === 0 || v === scale), `p=${p}: values other than 0 and ${scale}`);
    const kept = y.data.filter((v) => v !== 0).length;
    // a binomial count lies within 6 standard deviations of its mean
    assert.ok(Math.abs(kept - n * (1 - p)) < 6 * Math.sqrt(n * p * (1 - p)), `p=${p}: kept ${kept} of ${n}`);
    assert.deepEqual(dropout(ones([n]), { p, generator: new Generator(7) }).data, y.data, 'same seed, same mask');
    assert.notDeepEqual(dropout(ones([n]), { p, generator: new Generator(8) }).data, y.data, 'another seed, another mask');
  }
});

test('dropout\'s gradient is the output\'s gradient times the same mask', () => {
  const x = randn([4, 50]).requiresGrad_();
  const r = randn([4, 50]);
  const y = dropout(x, { p: 0.3, generator: new Generator(3) });
  sum(mul(y, r)).backward();
  const noise = dropout(ones([4, 50]), { p: 0.3, generator: new Generator(3) }).data;
  assert.deepEqual(x.grad?.data, r.data.map((v, i) => v * noise[i]));
  assert.deepEqual(y.data, x.data.map((v, i) => v * noise[i]));
});

test('dropout returns its input itself in evaluation, for p = 0 and for an empty input, and x * 0 for p = 1, drawing nothing then', () => {
  const x = randn([3, 3]);
  const g = new Generator(1);
  assert.equal(dropout(x, { training: false }), x);
  assert.equal(dropout(x, { p: 0, generator: g }), x);
  const empty = new Tensor(new Float32Array(0), [0, 4]);
  assert.equal(dropout(empty, { generator: g }), empty);
  const special = new Tensor(Float32Array.of(Infinity, NaN, -2, 2), [4]);
  assert.ok(Object.is(dropout(special, { p: 1, generator: g }).data[2], -0));
  assert.equal(g.nextUint32(), new Generator(1).nextUint32());
});

test('dropout rejects a probability outside [0, 1] (NaN too), unknown options and wrong types', () => {
  const x = randn([2]);
  for (const p of [1.5, -0.1, NaN, '0.5']) {
    assert.throws(() => dropout(x, { p: p as number }), /^ConvkitArgumentError: dropout: dropout probability has to be between 0 and 1, but got /);
  }
  assert.throws(() => dropout(x, { training: 1 as unknown as boolean }), /training must be true or false, got 1/);
  assert.throws(() => dropout(x, { generator: {} as Generator }), /generator must be a Generator/);
  assert.throws(() => dropout(x, { inplace: true } as object), /unknown option 'inplace'/);
});
