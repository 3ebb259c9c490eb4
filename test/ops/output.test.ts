import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conv2d, randn, relu, pad, Generator } from '../../src/index.js';
import { outputArray } from '../../src/ops/output.js';

test('large outputs get an ArrayBuffer of their own, exactly their size', () => {
  for (const count of [0, 5, 16383, 16384, 100000]) {
    const a = outputArray(count);
    const b = outputArray(count);
    assert.equal(a.length, count);
    assert.equal(a.byteOffset, 0);
    assert.equal(a.buffer.byteLength, count * 4);
    assert.notEqual(a.buffer, b.buffer);
  }
  assert.ok(outputArray(10).every((v) => v === 0), 'small ones are zeroed');
});

test('ops fill their large, uninitialised outputs completely', () => {
  const g = new Generator(3);
  const x = randn([1, 8, 80, 80], g);
  // the same op twice into fresh, unzeroed memory: any element a kernel skipped would differ
  const outputs = [conv2d(x, randn([16, 8, 3, 3], new Generator(5)), null, { padding: 1 }), relu(x), pad(x, [2, 2, 2, 2], 'reflect')];
  const again = [conv2d(x, randn([16, 8, 3, 3], new Generator(5)), null, { padding: 1 }), relu(x), pad(x, [2, 2, 2, 2], 'reflect')];
  outputs.forEach((o, i) => {
    assert.ok(o.data.length >= 16384);
    assert.deepEqual(o.data, again[i].data);
  });
});
