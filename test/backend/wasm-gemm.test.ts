import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conv2d, Generator, randn, setBackend } from '../../src/index.js';
import { withWasm } from '../support/backends.js';

const g = new Generator(14);
const int = (lo: number, hi: number) => lo + Math.floor(g.uniform() * (hi - lo + 1));

/** The direct GEMM (forced) on `threads` threads, the knobs restored after. */
function direct<T>(threads: number, fn: () => T): T {
  return withWasm({ force: 'gemm-direct', tinyMacs: 0, parallelMacs: 0 }, threads, fn);
}

// A kernel one column wide with no padding across (1x1, k x 1) runs each band of output rows as one
// row; these draw the widths where a row alone would end in a partial tile (7, 14, 3), K past the
// kernel's blocks of 256, and output channels that leave a partial panel of weights.
test('1x1 and k x 1 convolutions on the direct GEMM match the reference at ragged widths and long K', () => {
  for (let i = 0; i < 24; i++) {
    const cIn = [1, 3, 16, 130, 300][i % 5];
    const cOut = int(1, 13);
    const kH = i % 4 === 3 ? int(2, 3) : 1;
    const [h, w] = [[7, 7], [14, 14], [5, 3], [int(1, 9), int(1, 20)]][int(0, 3)];
    const x = randn([int(1, 2), cIn, h + kH - 1, w], g);
    const weight = randn([cOut, cIn, kH, 1], g);
    const bias = g.uniform() < 0.7 ? randn([cOut], g) : null;
    const options = { padding: [i % 2 === 0 ? 0 : 1, 0] as [number, number] };
    setBackend('reference');
    const expected = conv2d(x, weight, bias, options);
    const one = direct(1, () => conv2d(x, weight, bias, options));
    const two = direct(2, () => conv2d(x, weight, bias, options));
    assert.deepEqual(one.shape, expected.shape);
    const scale = Math.max(1, ...expected.data.map(Math.abs));
    one.data.forEach((v, j) => assert.ok(Math.abs(v - expected.data[j]) <= 1e-4 * scale, `case ${i} (${cIn}->${cOut}, ${kH}x1 on ${h}x${w}) element ${j}: ${v} vs ${expected.data[j]}`));
    assert.deepEqual(two.data, one.data);
  }
  setBackend('wasm');
});
