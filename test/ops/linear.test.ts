/**
 * linear against PyTorch (the `linear` cases of test/fixtures/torch-linear-bn.json: outputs, every
 * gradient, torch's errors) on every backend configuration, and the matrix product kernels against each
 * other on sizes that run the wasm GEMM with threads.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linear, randn, sum, mul, Tensor, setBackend } from '../../src/index.js';
import { CONFIGS, withConfig } from '../support/backends.js';
import { loadLinearBnFile, runLinearBnCases } from '../support/linear-bn-cases.js';

const file = loadLinearBnFile(new URL('../fixtures/torch-linear-bn.json', import.meta.url));
const cases = { ...file, cases: file.cases.filter((c) => c.kind === 'linear') };

for (const config of CONFIGS) {
  test(`linear and its gradients equal PyTorch's (${cases.cases.length} random cases, ${config.name})`, () => {
    const failed = withConfig(config, () => runLinearBnCases(cases)).filter((r) => !r.pass);
    assert.deepEqual(failed.map((r) => r.message), []);
  });
}

test('the fixture covers leading dimensions, empty sizes, broadcast biases and torch\'s errors', () => {
  const kinds = cases.cases.map((c) => c as unknown as { input: { shape: number[] }; bias?: { shape: number[] } | null; error?: string });
  assert.ok(kinds.some((c) => c.input.shape.length >= 3 && c.error === undefined));
  assert.ok(kinds.some((c) => c.input.shape.includes(0) && c.error === undefined));
  assert.ok(kinds.some((c) => c.bias === null) && kinds.some((c) => c.bias === undefined));
  assert.ok(kinds.filter((c) => c.error !== undefined).length >= 5);
});

/** x W^T + b and the three gradients of sum(y * R), under `backend`. */
function run(backend: string, x: Tensor, w: Tensor, b: Tensor, r: Tensor): Tensor[] {
  setBackend(backend);
  try {
    const leaves = [x, w, b].map((t) => t.detach().requiresGrad_());
    const y = linear(leaves[0], leaves[1], leaves[2]);
    sum(mul(y, r)).backward();
    return [y, ...leaves.map((t) => t.grad as Tensor)];
  } finally {
    setBackend('wasm');
  }
}

test('the wasm backend\'s matrix products (forward, input and weight gradients on its GEMM, with threads) equal the reference kernel\'s', () => {
  for (const [rows, inF, outF] of [[256, 300, 50], [3, 1000, 7], [130, 17, 129]]) {
    const x = randn([rows, inF]);
    const w = randn([outF, inF]);
    const b = randn([outF]);
    const r = randn([rows, outF]);
    const want = run('reference', x, w, b, r);
    const got = run('wasm', x, w, b, r);
    want.forEach((t, i) => {
      const scale = Math.max(1, ...t.data.map(Math.abs));
      const worst = Math.max(...got[i].data.map((v, j) => Math.abs(v - t.data[j])));
      assert.ok(worst <= 1e-5 * scale, `${rows}x${inF}x${outF} tensor ${i}: off by ${worst} of ${scale}`);
    });
  }
});

test('bad arguments name the rule as torch does', () => {
  const x = randn([4, 3]);
  assert.throws(() => linear(x, randn([5, 4])), /^ConvkitArgumentError: linear: mat1 and mat2 shapes cannot be multiplied \(4x3 and 4x5\)/);
  assert.throws(() => linear(randn([]), randn([5, 3])), /both arguments to matmul need to be at least 1D, but they are 0D and 2D/);
  assert.throws(() => linear(x, randn([2, 5, 3])), /weight must be 1-D or 2-D/);
  assert.throws(() => linear(x, randn([5, 3]), randn([4])), /bias of shape \[4\] does not broadcast to the product's shape \[4, 5\]/);
  assert.throws(() => linear(x, randn([3]), randn([1])), /a 1-D weight takes no bias with a 2-D or 3-D input/);
  assert.throws(() => linear(x, [[1, 2, 3]] as unknown as Tensor), /linear: weight must be a Tensor/);
});

test('the graph names torch\'s backward functions, and an input that requires no grad gets none', () => {
  const x = randn([2, 3]);
  const w = randn([4, 3]).requiresGrad_();
  assert.equal(linear(x, w, randn([4])).gradFn?.name, 'AddmmBackward0');
  assert.equal(linear(x, w).gradFn?.name, 'MmBackward0');
  sum(linear(x, w)).backward();
  assert.equal(x.grad, null);
  assert.deepEqual(w.grad?.shape, [4, 3]);
});
