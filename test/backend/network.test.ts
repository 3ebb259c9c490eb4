/**
 * The wasm backend's `runNetwork` against the same network run step by step on the reference kernels:
 * every convolution kernel (GEMM direct and im2col, depthwise, each Winograd tile) with each fused
 * activation and with a residual, and the other steps, on random networks whose values reuse memory.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Activation, ConvGeometry, Network, NetworkStep } from '../../src/backend/backend.js';
import { runNetworkSteps } from '../../src/backend/network.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { wasmBackend } from '../../src/backend/wasm/index.js';
import { Generator } from '../../src/index.js';
import { CONFIGS, withConfig } from '../support/backends.js';
import { worst } from '../support/relative-error.js';

const ACTIVATIONS: Activation[] = ['none', 'relu', 'relu6'];

function conv(n: number, cIn: number, size: number, cOut: number, k: number, options: { stride?: number; dilation?: number; groups?: number } = {}): ConvGeometry {
  const { stride = 1, dilation = 1, groups = 1 } = options;
  const pad = Math.floor((dilation * (k - 1)) / 2);
  const out = Math.floor((size + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
  return {
    n, cIn, h: size, w: size, cOut, kH: k, kW: k, strideH: stride, strideW: stride, padTop: pad, padBottom: pad, padLeft: pad, padRight: pad,
    dilationH: dilation, dilationW: dilation, groups, outH: out, outW: out,
  };
}

/** Values of about the size where ReLU6 clamps some at 6 and ReLU some at 0. */
function values(g: Generator, length: number, scale: number): Float32Array {
  return Float32Array.from({ length }, () => g.normal() * scale);
}

/**
 * input -> conv A (activation a) -> conv B (same shape as A's output, with A's output as residual,
 * activation b) -> concat of A and B -> max pool -> add of that to itself through an expand of its
 * global average.
 */
function network(g: Generator, geomA: ConvGeometry, a: Activation, b: Activation, stepB: Omit<ConvGeometry, 'n' | 'cIn' | 'h' | 'w' | 'outH' | 'outW' | 'cOut'>): Network {
  const { n, cOut: c, outH: h, outW: w } = geomA;
  const geomB: ConvGeometry = { ...stepB, n, cIn: c, h, w, cOut: c, outH: h, outW: w };
  const size = n * c * h * w;
  const pooledH = Math.floor((h - 2) / 2) + 1;
  const pooledW = Math.floor((w - 2) / 2) + 1;
  const pooled = n * 2 * c * pooledH * pooledW;
  const convStep = (geom: ConvGeometry, activation: Activation, input: number, residual: number | null, output: number): NetworkStep => ({
    op: 'conv2d', geom, activation, input, residual, output,
    weight: values(g, geom.cOut * (geom.cIn / geom.groups) * geom.kH * geom.kW, 2 / Math.sqrt((geom.cIn / geom.groups) * geom.kH * geom.kW)),
    bias: g.uniform() < 0.5 ? null : values(g, geom.cOut, 1),
  });
  const pool = { planes: n * 2 * c, h, w, outH: pooledH, outW: pooledW, kH: 2, kW: 2, strideH: 2, strideW: 2, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1, countIncludePad: false, divisor: null };
  const steps: NetworkStep[] = [
    convStep(geomA, a, 0, null, 1),
    convStep(geomB, b, 1, 1, 2),
    { op: 'concat', inputs: [1, 2], outer: n, output: 3 },
    { op: 'maxPool2d', geom: { ...pool, adaptive: false }, input: 3, output: 4 },
    { op: 'avgPool2d', geom: { ...pool, h: pooledH, w: pooledW, outH: 1, outW: 1, adaptive: true }, input: 4, output: 5 },
    { op: 'expand', input: 5, repeat: pooledH * pooledW, output: 6 },
    { op: 'add', a: 4, b: 6, output: 7 },
    { op: 'activation', kind: 'hardswish', input: 7, output: 8 },
  ];
  return { sizes: [geomA.n * geomA.cIn * geomA.h * geomA.w, size, size, 2 * size, pooled, n * 2 * c, pooled, pooled, pooled], steps, output: 8 };
}

/** The second convolution of each case: its kernel follows from it (and the configuration's forced Winograd). */
const SECOND: Record<string, Omit<ConvGeometry, 'n' | 'cIn' | 'h' | 'w' | 'outH' | 'outW' | 'cOut'>> = {
  '1x1 (GEMM)': { kH: 1, kW: 1, strideH: 1, strideW: 1, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, dilationH: 1, dilationW: 1, groups: 1 },
  '3x3 (GEMM or Winograd)': { kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, dilationH: 1, dilationW: 1, groups: 1 },
  'depthwise 3x3': { kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, dilationH: 1, dilationW: 1, groups: 0 },
  'dilated grouped 3x3 (im2col)': { kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 2, padBottom: 2, padLeft: 2, padRight: 2, dilationH: 2, dilationW: 2, groups: 2 },
};

test('runNetwork in WebAssembly memory gives the step-by-step reference values, for every kernel, activation and residual', () => {
  const g = new Generator(71);
  const configs = CONFIGS.filter((c) => c.backend === 'wasm');
  let cases = 0;
  for (const [name, second] of Object.entries(SECOND)) {
    for (const a of ACTIVATIONS) {
      for (const b of ACTIVATIONS) {
        const n = 1 + Math.floor(g.uniform() * 2);
        const cIn = 2 + Math.floor(g.uniform() * 6);
        const c = 4 * (1 + Math.floor(g.uniform() * 4));
        const size = 7 + Math.floor(g.uniform() * 12);
        const first = conv(n, cIn, size, c, 3, { stride: 1 + Math.floor(g.uniform() * 2) });
        const net = network(g, first, a, b, { ...second, groups: second.groups === 0 ? c : second.groups });
        const input = values(g, net.sizes[0], 1);
        const expected = new Float32Array(net.sizes[net.output]);
        runNetworkSteps(referenceBackend, net, input, expected);
        for (const config of configs) {
          // a constant network keeps its packed weights in memory; the other lays them out at each run
          for (const constant of [false, true]) {
            const actual = new Float32Array(expected.length).fill(NaN);
            assert.equal(withConfig(config, () => wasmBackend.runNetwork!({ ...net, constant }, input, actual)), true);
            const err = worst(actual, expected);
            // Winograd's rounding (up to about 5e-5 relative to the layer's scale), the direct kernels' 1e-6
            assert.ok(err < (config.name.includes('winograd') ? 2e-4 : 1e-5), `${name}, activations ${a}/${b}, ${config.name}, constant ${constant}: error ${err}`);
            cases++;
          }
        }
      }
    }
  }
  assert.equal(cases, 4 * 9 * 5 * 2);
});

test('a network whose output is a middle value (a later step unread) writes that value', () => {
  const g = new Generator(5);
  const geom = conv(1, 3, 9, 8, 3);
  const weight = values(g, 8 * 3 * 9, 2);
  const net: Network = {
    sizes: [3 * 81, 8 * 81, 8 * 81],
    steps: [
      { op: 'conv2d', geom, weight, bias: null, activation: 'relu6', input: 0, residual: null, output: 1 },
      { op: 'activation', kind: 'relu', input: 1, output: 2 },
    ],
    output: 1,
  };
  const input = values(g, 3 * 81, 1);
  const expected = new Float32Array(8 * 81);
  referenceBackend.conv2d(geom, input, weight, null, expected, 'relu6');
  const actual = new Float32Array(8 * 81);
  wasmBackend.runNetwork!(net, input, actual);
  assert.ok(worst(actual, expected) < 1e-6);
  assert.ok(expected.some((v) => v === 6) && expected.some((v) => v === 0), 'the case clamps at both ends');
});

test('1x1 convolutions of 1x1 images (Linear layers) on the dense kernel, with residuals and activations', () => {
  const g = new Generator(29);
  for (let i = 0; i < 24; i++) {
    const n = 1 + Math.floor(g.uniform() * 4);
    const K = 1 + Math.floor(g.uniform() * 300);
    const cOut = 1 + Math.floor(g.uniform() * 70);
    const geom = conv(n, K, 1, cOut, 1);
    const activation = ACTIVATIONS[i % 3];
    const net: Network = {
      sizes: [n * K, n * cOut, n * cOut, n * cOut],
      steps: [
        { op: 'conv2d', geom, weight: values(g, cOut * K, 1 / Math.sqrt(K)), bias: values(g, cOut, 1), activation: 'none', input: 0, residual: null, output: 1 },
        { op: 'conv2d', geom: conv(n, K, 1, cOut, 1), weight: values(g, cOut * K, 4 / Math.sqrt(K)), bias: i % 2 === 0 ? null : values(g, cOut, 1), activation, input: 0, residual: 1, output: 2 },
        { op: 'activation', kind: 'relu', input: 2, output: 3 },
      ],
      output: 3,
      constant: i % 2 === 0,
    };
    const input = values(g, n * K, 1);
    const expected = new Float32Array(n * cOut);
    runNetworkSteps(referenceBackend, net, input, expected);
    for (const config of CONFIGS.filter((c) => c.name === 'wasm')) {
      const actual = new Float32Array(expected.length).fill(NaN);
      withConfig(config, () => wasmBackend.runNetwork!(net, input, actual));
      assert.ok(worst(actual, expected) < 1e-5, `n ${n}, K ${K}, cOut ${cOut}: ${worst(actual, expected)}`);
    }
  }
});
