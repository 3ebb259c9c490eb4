/**
 * The wasm backend's relu6 / hardswish kernels and their gradients give the reference kernels' bits at
 * every length (the last n % 4 floats go through the vector code's lane 0), NaN, infinities, -0 and the
 * kinks included.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UnaryActivation } from '../../src/backend/backend.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { wasmBackend } from '../../src/backend/wasm/index.js';
import { Generator } from '../../src/index.js';

const SPECIAL = [NaN, Infinity, -Infinity, -0, 0, -3, 3, 6, Math.fround(2.9999998), Math.fround(6.0000005), Math.fround(-3.0000002)];

function values(n: number, g: Generator): Float32Array {
  return Float32Array.from({ length: n }, () => (g.uniform() < 0.4 ? SPECIAL[Math.floor(g.uniform() * SPECIAL.length)] : g.normal() * 5));
}

test('wasm activation and activationGrad equal the reference kernels bit for bit at lengths 1-41', () => {
  const g = new Generator(5);
  for (const kind of ['relu6', 'hardswish'] as UnaryActivation[]) {
    for (let n = 1; n <= 41; n++) {
      const x = values(n, g);
      const grad = values(n, g);
      const [want, got] = [new Float32Array(n), new Float32Array(n)];
      referenceBackend.activation(kind, x, want);
      wasmBackend.activation(kind, x, got);
      assert.ok(want.every((v, i) => Object.is(v, got[i])), `${kind} n=${n}: ${got} vs ${want}`);
      referenceBackend.activationGrad(kind, x, grad, want);
      wasmBackend.activationGrad(kind, x, grad, got);
      assert.ok(want.every((v, i) => Object.is(v, got[i])), `${kind} grad n=${n}: ${got} vs ${want}`);
    }
  }
});
