import assert from 'node:assert/strict';
import { test } from 'node:test';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { conv2d, getBackend, randn, registerBackend, setBackend, type Backend } from '../../src/index.js';

test('wasm is the default where WebAssembly SIMD validates; ops run on whichever backend is set', () => {
  assert.equal(getBackend(), 'wasm');
  const calls: string[] = [];
  const spy: Backend = {
    ...referenceBackend,
    name: 'spy',
    conv2d: (geom, _i, _w, _b, out) => { calls.push(`conv2d ${geom.outH}x${geom.outW}`); out.fill(7); },
    pad: () => calls.push('pad'),
    relu: () => calls.push('relu'),
  };
  registerBackend(spy);
  setBackend('spy');
  try {
    const y = conv2d(randn([1, 2, 5, 5]), randn([3, 2, 3, 3]));
    assert.deepEqual(calls, ['conv2d 3x3']);
    assert.ok(y.data.every((v) => v === 7));
  } finally {
    setBackend('wasm');
  }
  assert.throws(() => registerBackend({ name: '' } as never), /registerBackend: backend must be an object with a non-empty string name/);
  assert.throws(() => registerBackend({ name: 'half', conv2d: () => {} } as never), /registerBackend: backend 'half' lacks the kernel pad\(\)/);
  assert.throws(() => setBackend('webgpu'), /setBackend: unknown backend 'webgpu'; registered: 'wasm', 'reference', 'spy'/);
});
