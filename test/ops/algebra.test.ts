/**
 * The loss algebra against PyTorch: random cases written by tools/torch/algebra_cases.py (forward values,
 * every operand's gradient of sum(out * R), and the calls torch rejects), on every backend.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { add, div, flatten, mean, mul, relu, sub, sum, Tensor, type Dims } from '../../src/index.js';
import { CONFIGS, withConfig } from '../support/backends.js';

interface Operand { shape: number[]; values: number[]; requiresGrad?: boolean }
interface Case {
  op: string; a: Operand; b?: Operand | number; dim?: Dims | null; keepdim?: boolean; start?: number; end?: number;
  error?: string; R?: number[]; out?: Operand; grads?: { a: number[]; b?: number[] | null };
}

const { cases } = JSON.parse(readFileSync(new URL('../fixtures/torch-algebra.json', import.meta.url), 'utf8')) as { cases: Case[] };
const BINARY = { add, sub, mul, div };

function leaf(o: Operand, requiresGrad = true): Tensor {
  return new Tensor(Float32Array.from(o.values), o.shape).requiresGrad_(requiresGrad);
}

function run(c: Case, a: Tensor, b: Tensor | number | undefined): Tensor {
  if (c.op in BINARY) return BINARY[c.op as keyof typeof BINARY](a, b as Tensor | number);
  if (c.op === 'sum' || c.op === 'mean') return (c.op === 'sum' ? sum : mean)(a, c.dim ?? undefined, c.keepdim);
  return c.op === 'relu' ? relu(a) : flatten(a, c.start, c.end);
}

/** Within 1e-5 of torch's largest magnitude (at least 1); null in the fixture is NaN. */
function close(actual: Float32Array | undefined, expected: Array<number | null>, what: string): void {
  assert.ok(actual !== undefined, `${what}: no gradient`);
  assert.equal(actual.length, expected.length, what);
  const scale = Math.max(1, ...expected.map((e) => Math.abs(e ?? 0)));
  expected.forEach((e, i) => {
    const ok = e === null ? Number.isNaN(actual[i]) : Math.abs(actual[i] - e) <= 1e-5 * scale;
    assert.ok(ok, `${what}[${i}]: ${actual[i]} vs torch ${e}`);
  });
}

for (const config of CONFIGS.slice(0, 2)) {
  test(`add/sub/mul/div, sum/mean, flatten, relu and their gradients equal PyTorch's (${cases.length} random cases, ${config.name})`, () => {
    withConfig(config, () => {
      for (const [i, c] of cases.entries()) {
        const what = `case ${i} (${c.op} ${JSON.stringify(c.a.shape)}${c.b === undefined ? '' : ` ${JSON.stringify(typeof c.b === 'number' ? c.b : c.b.shape)}`})`;
        const a = leaf(c.a);
        const b = c.b === undefined || typeof c.b === 'number' ? c.b : leaf(c.b, c.b.requiresGrad);
        if (c.error !== undefined) {
          assert.throws(() => run(c, a, b), /^ConvkitArgumentError/, `${what}: torch raised ${c.error}`);
          continue;
        }
        const out = run(c, a, b);
        assert.deepEqual(out.shape, c.out?.shape, what);
        close(out.data, c.out?.values ?? [], `${what} output`);
        mul(out, new Tensor(Float32Array.from(c.R ?? []), out.shape)).backward(new Tensor(new Float32Array(out.numel).fill(1), out.shape));
        close(a.grad?.data, c.grads?.a ?? [], `${what} a.grad`);
        if (b instanceof Tensor) {
          if (c.grads?.b) close(b.grad?.data, c.grads.b, `${what} b.grad`);
          else assert.equal(b.grad, null, `${what}: b requires no grad`);
        }
      }
    });
  });
}

test('div\'s gradient for the divisor is -grad * ((a / b) / b), as torch computes it: finite where b * b underflows', () => {
  const a = new Tensor(Float32Array.of(1e-30, 3), [2]).requiresGrad_();
  const b = new Tensor(Float32Array.of(1e-30, 7), [2]).requiresGrad_();
  sum(div(a, b)).backward();
  // torch 1.13: a.grad [1e30, 1/7], b.grad [-1e30, -0.06122449040412903]
  assert.deepEqual([...(b.grad?.data ?? [])], [Math.fround(-1e30), -0.06122449040412903]);
  assert.deepEqual([...(a.grad?.data ?? [])], [Math.fround(1e30), Math.fround(1 / 7)]);
});

test('sum and mean of a 0-d tensor refuse a dimension named twice, as torch does', () => {
  const x = new Tensor(Float32Array.of(2), []);
  for (const dims of [[0, 0], [0, -1]]) {
    assert.throws(() => sum(x, dims), /appears multiple times/);
    assert.throws(() => mean(x, dims), /appears multiple times/);
  }
  assert.deepEqual(sum(x, [0]).shape, []);
});
