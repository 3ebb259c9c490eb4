/**
 * `conv2dChain` (what `Sequential` and `DepthwiseSeparableConv2d` run): the same values as its steps
 * run one by one through `conv2d`, bit for bit, under every backend and wasm configuration, whether the
 * backend keeps the outputs between the steps to itself or not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conv2d, Generator, randn, registerBackend, relu, setBackend, type Backend, type Tensor } from '../../src/index.js';
import { conv2dChain, type Conv2dStep } from '../../src/ops/conv2d.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { CONFIGS, withConfig } from '../support/backends.js';

const g = new Generator(23);

function step(shape: number[], options: Conv2dStep['options'], activation: Conv2dStep['activation'] = 'none', bias = true): Conv2dStep {
  return { weight: randn(shape, g), bias: bias ? randn([shape[0]], g) : null, options, activation };
}

/** A stride-2 3x3, a depthwise 3x3 with ReLU, a 1x1, a dilated 3x3 and a grouped one: every kernel, Winograd's stride-2 and stride-1 ones included. */
const STEPS: Conv2dStep[] = [
  step([16, 8, 3, 3], { stride: 2, padding: 1 }),
  step([16, 1, 3, 3], { padding: 1, groups: 16 }, 'relu'),
  step([24, 16, 1, 1], {}, 'none', false),
  step([24, 24, 3, 3], { padding: 2, dilation: 2 }, 'relu'),
  step([12, 6, 3, 3], { padding: 1, groups: 4 }),
];

function oneByOne(x: Tensor, steps: readonly Conv2dStep[]): Tensor {
  return steps.reduce((h, s) => {
    const y = conv2d(h, s.weight, s.bias, s.options);
    return s.activation === 'relu' ? relu(y) : y;
  }, x);
}

function sameBits(actual: Tensor, expected: Tensor, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, what);
  for (let i = 0; i < expected.data.length; i++) {
    if (!Object.is(actual.data[i], expected.data[i])) assert.fail(`${what}: element ${i} is ${actual.data[i]}, expected ${expected.data[i]}`);
  }
}

test('a chain gives its steps\' values one by one, bit for bit, batched and unbatched, under every configuration', () => {
  const x = randn([2, 8, 29, 29], g);
  for (const config of CONFIGS) {
    sameBits(withConfig(config, () => conv2dChain(x, STEPS)), withConfig(config, () => oneByOne(x, STEPS)), config.name);
    const single = randn([8, 29, 29], g);
    sameBits(withConfig(config, () => conv2dChain(single, STEPS)), withConfig(config, () => oneByOne(single, STEPS)), `${config.name}, unbatched`);
  }
});

test('with its own choice of kernel (tiny steps on the reference kernel), the wasm backend still gives the steps\' values', () => {
  const x = randn([1, 3, 6, 6], g);
  const tiny = [step([2, 3, 3, 3], { padding: 1 }, 'relu'), step([4, 2, 1, 1], {}), step([4, 1, 3, 3], { groups: 4 })];
  sameBits(conv2dChain(x, tiny), oneByOne(x, tiny), 'tiny steps');
  const big = randn([1, 8, 40, 40], g);
  sameBits(conv2dChain(big, STEPS), oneByOne(big, STEPS), 'default knobs');
});

test('every step is checked as conv2d checks it, before any runs; an empty batch gives an empty output', () => {
  const x = randn([1, 8, 29, 29], g);
  const bad = [STEPS[0], step([16, 4, 3, 3], { padding: 1 })];
  const expected = (() => {
    try {
      conv2d(conv2d(x, STEPS[0].weight, STEPS[0].bias, STEPS[0].options), bad[1].weight, bad[1].bias, bad[1].options);
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  })();
  assert.match(expected, /^conv2d: /);
  assert.throws(() => conv2dChain(x, bad), (e: Error) => e.message === expected);
  const empty = conv2dChain(randn([0, 8, 29, 29], g), STEPS);
  assert.deepEqual(empty.shape, [0, 12, 15, 15]);
});

test('a backend without runNetwork runs the steps one by one through its conv2d', () => {
  let calls = 0;
  const plain: Backend = { ...referenceBackend, name: 'plain-chain', conv2d: (...args) => { calls++; referenceBackend.conv2d(...args); } };
  registerBackend(plain);
  const x = randn([1, 8, 29, 29], g);
  setBackend('plain-chain');
  try {
    const y = conv2dChain(x, STEPS);
    assert.equal(calls, STEPS.length);
    setBackend('reference');
    sameBits(y, oneByOne(x, STEPS), 'plain backend');
  } finally {
    setBackend('wasm');
  }
});

test('a chain whose transformed weights overflow the resident zone still gives the layers\' values', () => {
  // four F(6x6) layers of 256 channels keep 4 x 16.8 MB of transformed weights: more than the 64 MiB
  // zone, so keeping the last evicts the first; the chain must not run on the evicted ones
  const x = randn([1, 256, 6, 6], g);
  const steps = [0, 1, 2, 3].map(() => step([256, 256, 3, 3], { padding: 1 }, 'relu'));
  steps.forEach((s) => s.weight.data.forEach((_, i, w) => (w[i] /= 48))); // outputs of the order of the inputs
  const f6 = CONFIGS.find((c) => c.name === 'wasm-winograd-f6')!;
  sameBits(withConfig(f6, () => conv2dChain(x, steps)), withConfig(f6, () => oneByOne(x, steps)), 'overflowing chain');
});
