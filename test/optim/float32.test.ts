import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fma32 } from '../../src/optim/float32.js';

/** float32 bits as a number's, stepping by one ulp (`by` ±1), for finite nonzero values of one sign. */
function nextFloat32(x: number, by: number): number {
  const f = new Float32Array([x]);
  const bits = new Int32Array(f.buffer);
  bits[0] += x > 0 ? by : -by;
  return f[0];
}

/** a*b + c rounded once to float32, from exact integers: every float32 is an integer times 2^-149. */
function exactFma32(a: number, b: number, c: number): number {
  const unit = (x: number): bigint => BigInt(x * 2 ** 149);
  const exact = unit(a) * unit(b) + unit(c) * 2n ** 149n; // in units of 2^-298
  const approx = Math.fround(a * b + c);
  if (approx === 0 || !Number.isFinite(approx)) return approx;
  const candidates = [nextFloat32(approx, -1), approx, nextFloat32(approx, 1)];
  const distance = (r: number): bigint => { const d = unit(r) * 2n ** 149n - exact; return d < 0n ? -d : d; };
  let best = candidates[0];
  for (const r of candidates.slice(1)) {
    const [dr, db] = [distance(r), distance(best)];
    const evenR = (new Int32Array(new Float32Array([r]).buffer)[0] & 1) === 0;
    if (dr < db || (dr === db && evenR)) best = r;
  }
  return best;
}

test('fma32 rounds a*b + c once: where the float64 sum lands on a float32 tie, the exact value decides', () => {
  // a*b = 2^-24 - 2^-54: the float64 sum with c = 1 + 2^-23 is the tie 1 + 3*2^-24, which rounds to even
  // (1 + 2^-22); the exact sum lies below it
  const a = 1 + 2 ** -15;
  const b = (1 - 2 ** -15) * 2 ** -24;
  const c = 1 + 2 ** -23;
  assert.equal(Math.fround(a * b + c), 1 + 2 ** -22);
  assert.equal(fma32(a, b, c), 1 + 2 ** -23);
  assert.equal(fma32(-a, b, -c), -(1 + 2 ** -23));
  // and above it
  assert.equal(fma32(a, (1 + 2 ** -15) * 2 ** -24, 1), exactFma32(a, (1 + 2 ** -15) * 2 ** -24, 1));
});

test('fma32 equals the exactly rounded a*b + c on random float32 triples and on constructed ties', () => {
  let seed = 12345;
  const random = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  const f32 = (): number => Math.fround((random() - 0.5) * 2 ** Math.floor(random() * 40 - 20));
  for (let i = 0; i < 20000; i++) {
    const [a, b, c] = [f32(), f32(), f32()];
    assert.equal(fma32(a, b, c), exactFma32(a, b, c), `fma32(${a}, ${b}, ${c})`);
  }
  // c in [1, 2) plus a*b = 2^-24 -+ a little (2^-54 or 2^-60): the float64 sum is the tie c + 2^-24, the exact
  // value below or above it; for half of the c (odd or even) rounding the float64 sum gives the wrong float32
  const products: Array<[number, number]> = [[1 + 2 ** -15, (1 - 2 ** -15) * 2 ** -24], [1 + 2 ** -12, (1 - 2 ** -12 + 2 ** -24) * 2 ** -24]];
  let naiveWrong = 0;
  for (let i = 0; i < 2000; i++) {
    const c = Math.fround(1 + random());
    const [a, b] = products[i % 2];
    const sign = random() < 0.5 ? 1 : -1;
    const want = exactFma32(sign * a, b, sign * c);
    assert.equal(fma32(sign * a, b, sign * c), want, `fma32(${sign * a}, ${b}, ${sign * c})`);
    if (Math.fround(sign * a * b + sign * c) !== want) naiveWrong++;
  }
  assert.ok(naiveWrong > 500, `only ${naiveWrong} ties constructed`);
  assert.equal(fma32(0, 5, -0), 0);
  assert.ok(Number.isNaN(fma32(NaN, 1, 1)));
  assert.equal(fma32(3e38, 10, 0), Infinity);
});
