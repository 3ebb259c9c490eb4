/**
 * A convolution with ReLU applied as its kernel writes the output (what `Sequential` runs for a
 * convolution followed by `ReLU`) gives exactly relu(conv2d(...)), element for element, -0 and NaN
 * included, under every backend and every wasm strategy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conv2d, Conv2d, DepthwiseSeparableConv2d, Generator, randn, ReLU, relu, Sequential, Tensor, type Conv2dOptions } from '../../src/index.js';
import { conv2dActivation } from '../../src/ops/conv2d.js';
import type { Strategy } from '../../src/backend/wasm/index.js';
import { CONFIGS, withConfig, type Config } from '../support/backends.js';

const g = new Generator(11);

const text = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

function sameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: element ${i} is ${text(actual[i])}, expected ${text(expected[i])}`);
  }
}

/** Input with a NaN, a block of zeros; weights negative on a zero input and a -0 bias make -0 outputs. */
function caseFor(cIn: number, cOut: number, k: number, groups: number, size: number) {
  const x = randn([1, cIn, size, size], g);
  x.data.fill(0, 0, x.data.length / 2);
  x.data[x.data.length - 3] = NaN;
  const weight = randn([cOut, cIn / groups, k, k], g);
  weight.data.fill(-0.5, 0, weight.data.length / 4); // the first output channels: negative weights over zeros
  const bias = randn([cOut], g);
  bias.data[0] = -0;
  return { x, weight, bias };
}

const CASES: { name: string; strategies: Strategy[]; cIn: number; cOut: number; k: number; groups: number; size: number; options: Conv2dOptions }[] = [
  { name: '3x3', strategies: ['gemm-direct', 'gemm-im2col', 'winograd-f2', 'winograd-f4', 'winograd-f6'], cIn: 16, cOut: 12, k: 3, groups: 1, size: 14, options: { padding: 1 } },
  { name: '1x1', strategies: ['gemm-direct', 'gemm-im2col'], cIn: 8, cOut: 20, k: 1, groups: 1, size: 9, options: {} },
  { name: 'strided, grouped', strategies: ['gemm-im2col', 'gemm-direct', 'winograd-s2'], cIn: 12, cOut: 8, k: 3, groups: 2, size: 17, options: { stride: 2, padding: 1 } },
  { name: 'depthwise', strategies: ['depthwise'], cIn: 8, cOut: 8, k: 3, groups: 8, size: 13, options: { padding: 1, groups: 8 } },
  { name: 'depthwise, stride 2', strategies: ['depthwise'], cIn: 8, cOut: 16, k: 3, groups: 8, size: 13, options: { stride: 2, padding: 1, groups: 8 } },
  { name: 'depthwise 5x5', strategies: ['depthwise'], cIn: 6, cOut: 6, k: 5, groups: 6, size: 10, options: { padding: 2, groups: 6 } },
];

test('conv2d with ReLU as it writes equals relu(conv2d), under every backend and wasm strategy', () => {
  let negativeZeros = 0;
  for (const c of CASES) {
    const { x, weight, bias } = caseFor(c.cIn, c.cOut, c.k, c.groups, c.size);
    const options = { ...c.options, groups: c.groups };
    const configs: Config[] = [...CONFIGS, ...c.strategies.map((force): Config => ({ name: `wasm-${force}`, backend: 'wasm', knobs: { tinyMacs: 0, parallelMacs: 0, force } }))];
    for (const config of configs) {
      const expected = withConfig(config, () => relu(conv2d(x, weight, bias, options)));
      const fused = withConfig(config, () => conv2dActivation(x, weight, bias, options, 'relu'));
      sameBits(fused.data, expected.data, `${c.name} under ${config.name}`);
      negativeZeros += expected.data.filter((v) => Object.is(v, -0)).length;
      assert.ok(expected.data.some(Number.isNaN), `${c.name}: the NaN reaches the output`);
      assert.ok(expected.data.some((v) => v > 0) && expected.data.some((v) => v === 0), `${c.name}: both signs`);
    }
  }
  assert.ok(negativeZeros > 0, 'some outputs are -0, which ReLU must keep');
});

test('Sequential runs a convolution followed by ReLU as one pass, with the same values as the layers one by one', () => {
  const model = new Sequential(
    new Conv2d(8, 16, 3, { padding: 1, generator: g }), new ReLU(),
    new DepthwiseSeparableConv2d(16, 16, 3, { generator: g }), new ReLU(),
    new Conv2d(16, 16, 3, { padding: 1, paddingMode: 'reflect', generator: g }), new ReLU(), new ReLU(),
    new Conv2d(16, 4, 1, { generator: g }),
  );
  const x = randn([2, 8, 12, 12], g);
  const stepByStep = model.layers.reduce((h: Tensor, layer) => layer.forward(h), x);
  for (const config of CONFIGS) sameBits(withConfig(config, () => model.forward(x)).data, withConfig(config, () => model.layers.reduce((h: Tensor, layer) => layer.forward(h), x)).data, config.name);
  assert.deepEqual(model.forward(x).shape, stepByStep.shape);
});

test('relu keeps positives, NaN and -0, and zeroes negatives, under every backend, in whole vectors and the tail', () => {
  const values = [-2, -0.5, -0, 0, 3, NaN, -Infinity, Infinity, 1e-45, -1e-45, 7];
  const expected = Float32Array.from([0, 0, -0, 0, 3, NaN, 0, Infinity, 1e-45, 0, 7]);
  for (const config of CONFIGS) sameBits(withConfig(config, () => relu(new Tensor(Float32Array.from(values), [values.length]))).data, expected, config.name);
});

test('relu\'s gradient passes where the output is > 0 or NaN and stops at 0 and -0, on every backend and length', () => {
  for (const length of [1, 3, 4, 7, 64, 1001]) {
    const x = randn([length], g);
    x.data[0] = NaN;
    if (length > 2) x.data[1] = -0;
    if (length > 3) x.data[2] = 0;
    const gradOutput = randn([length], g);
    const expected = Float32Array.from(x.data, (v, i) => (v > 0 || Number.isNaN(v) ? gradOutput.data[i] : 0));
    for (const config of CONFIGS.slice(0, 2)) {
      withConfig(config, () => {
        const input = new Tensor(x.data.slice(), [length]).requiresGrad_();
        relu(input).backward(gradOutput);
        sameBits((input.grad as Tensor).data, expected, `${config.name}, ${length} floats`);
      });
    }
  }
});
