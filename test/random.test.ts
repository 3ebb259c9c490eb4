import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Generator, manualSeed, rand } from '../src/index.js';

test('the stream equals an independent big-integer PCG32 (tools/pcg32_reference.py)', () => {
  const expected: Record<number, number[]> = {
    0: [3894649422, 2055130073, 2315086854, 2925816488],
    42: [3270867926, 1795671209, 1924641435, 1143034755],
    67280421310721: [2631209431, 2450698375, 3166355441, 1698134663],
    [2 ** 53 - 1]: [2690846381, 3068423583, 4189623403, 3372751796],
  };
  for (const [seed, values] of Object.entries(expected)) {
    const g = new Generator(Number(seed));
    assert.deepEqual([0, 1, 2, 3].map(() => g.nextUint32()), values, `seed ${seed}`);
  }
});

test('manualSeed restarts the default stream: same seed, same numbers', () => {
  manualSeed(7);
  const a = rand([100]).data;
  manualSeed(7);
  assert.deepEqual(rand([100]).data, a);
  manualSeed(8);
  assert.notDeepEqual(rand([100]).data, a);
});

test('uniform draws lie in [0, 1) and normal draws have mean 0 and variance 1', () => {
  const g = new Generator(3);
  const u = Array.from({ length: 200_000 }, () => g.uniform());
  assert.ok(u.every((x) => x >= 0 && x < 1));
  assert.ok(Math.abs(u.reduce((a, b) => a + b) / u.length - 0.5) < 0.005);
  const z = Array.from({ length: 200_000 }, () => g.normal());
  const mean = z.reduce((a, b) => a + b) / z.length;
  const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length;
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.01, `variance ${variance}`);
  assert.ok(z.every(Number.isFinite));
});

test('a seed that is not a non-negative safe integer is rejected', () => {
  for (const bad of [-1, 1.5, NaN, 2 ** 53, '3' as unknown as number]) {
    assert.throws(() => manualSeed(bad), /manualSeed: seed must be a non-negative safe integer/);
  }
});
