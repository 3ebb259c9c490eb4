import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConvGeometry } from '../../src/backend/backend.js';
import { conv2dBiasGrad, conv2dInputGrad } from '../../src/backend/reference/conv2d-grad.js';
import { backend } from '../../src/backend/registry.js';
import { chooseStrategy, tuning, type Strategy } from '../../src/backend/wasm/index.js';
import { inputGradPhases } from '../../src/backend/wasm/input-grad-phases.js';
import { conv2dGeometry, getNumThreads, Generator, setNumThreads, type Conv2dOptions } from '../../src/index.js';
import { CONFIGS, withConfig, type Config } from '../support/backends.js';

const g = new Generator(11);
const int = (lo: number, hi: number) => lo + Math.floor(g.uniform() * (hi - lo + 1));
const floats = (length: number) => Float32Array.from({ length }, () => g.uniform() * 2 - 1);

/** The wasm configurations of the parity checks, and the GEMM and depthwise paths forced as well. */
const WASM_CONFIGS: Config[] = [
  ...CONFIGS.filter((c) => c.backend === 'wasm'),
  ...(['gemm-im2col', 'gemm-direct', 'depthwise'] as const).map((force) => ({
    name: `wasm-${force}`, backend: 'wasm', knobs: { tinyMacs: 0, parallelMacs: 0, force },
  })),
];

/** A random layer: any padding form, strides 1..3 (unequal too), dilations 1..3, groups (depthwise with multipliers), batch 0..3. */
function randomGeometry(i: number): ConvGeometry {
  const depthwise = i % 4 === 0;
  const groups = depthwise ? int(2, 6) : [1, 1, 2, 3][int(0, 3)];
  const cIn = depthwise ? groups : groups * int(1, 5);
  const cOut = groups * int(1, depthwise ? 3 : 6);
  // every third layer 3x3, or 5x5 at stride 2, whose phases are 3x3 at stride 1: Winograd's
  const winograd = i % 3 === 1;
  const strideH = int(1, 3);
  const strideW = i % 5 === 0 ? int(1, 3) : strideH;
  const k = winograd ? (strideH === 2 ? 5 : 3) : 0;
  const kH = k || int(1, 5);
  const kW = k || int(1, 5);
  const dilationH = int(1, 3);
  const dilationW = winograd ? dilationH : int(1, 3);
  const stride1 = strideH === 1 && strideW === 1;
  const form = int(0, 3);
  // 'same' with an odd total (even kernels) puts the extra row and column at the bottom and right
  const padding: Conv2dOptions['padding'] = form === 0 && stride1 ? 'same' : form === 1 ? 'valid' : form === 2 ? int(0, 4) : [int(0, 4), int(0, 4)];
  const h = int(1, 12) + (kH - 1) * dilationH;
  const w = int(1, 12) + (kW - 1) * dilationW;
  const n = i % 11 === 0 ? 0 : int(1, 3);
  return conv2dGeometry([n, cIn, h, w], [cOut, cIn / groups, kH, kW], [cOut], { stride: [strideH, strideW], dilation: [dilationH, dilationW], groups, padding });
}

/** The largest difference from `expected`, relative to max(1, max |expected|); NaN or a missed element counts as infinite. */
function relativeError(expected: Float32Array, actual: Float32Array): number {
  let scale = 1;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    const d = Math.abs(expected[i] - actual[i]);
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
  }
  return worst / scale;
}

function withThreads<T>(threads: number, fn: () => T): T {
  const saved = getNumThreads();
  setNumThreads(threads);
  try {
    return fn();
  } finally {
    setNumThreads(saved);
  }
}

test('conv2dInputGrad and conv2dBiasGrad match the reference under every strategy, on one thread and two (bit for bit)', () => {
  const cases = Array.from({ length: 72 }, (_, i) => {
    const geom = randomGeometry(i);
    const gradOutput = floats(geom.n * geom.cOut * geom.outH * geom.outW);
    const weight = floats(geom.cOut * (geom.cIn / geom.groups) * geom.kH * geom.kW);
    const expected = new Float32Array(geom.n * geom.cIn * geom.h * geom.w);
    conv2dInputGrad(geom, gradOutput, weight, expected);
    const expectedBias = new Float32Array(geom.cOut);
    conv2dBiasGrad(geom, gradOutput, expectedBias);
    return { geom, gradOutput, weight, expected, expectedBias, oneThread: new Map<string, Float32Array>() };
  });
  // which forced strategies some phase convolution ran on: a forcing that never applied tested nothing
  const exercised = new Set<Strategy>();
  // threads outermost: starting and stopping workers costs more than the cases
  for (const threads of [1, 2]) {
    withThreads(threads, () => {
      for (const { geom, gradOutput, weight, expected, expectedBias, oneThread } of cases) {
        for (const config of WASM_CONFIGS) {
          withConfig(config, () => {
            const gradInput = new Float32Array(expected.length).fill(NaN); // every element must be written
            backend().conv2dInputGrad(geom, gradOutput, weight, gradInput);
            const error = relativeError(expected, gradInput);
            assert.ok(error <= 1e-4, `${config.name}, ${threads} threads, ${JSON.stringify(geom)}: input gradient off by ${error}`);
            // a task's result does not depend on the thread that runs it
            const first = oneThread.get(config.name);
            if (first === undefined) oneThread.set(config.name, gradInput);
            else assert.deepEqual(new Uint32Array(gradInput.buffer), new Uint32Array(first.buffer), `${config.name}: 2 threads, other bits`);
            const gradBias = new Float32Array(geom.cOut).fill(NaN);
            backend().conv2dBiasGrad(geom, gradOutput, gradBias);
            assert.ok(relativeError(expectedBias, gradBias) <= 1e-4, `${config.name}: bias gradient of ${JSON.stringify(geom)}`);
            // strided depthwise layers run on their own kernel, the rest as forward convolutions of their phases
            const depthwise = geom.groups === geom.cIn && geom.cIn > 1;
            if (tuning.force !== null && geom.n > 0 && !(depthwise && (geom.strideH > 1 || geom.strideW > 1))) {
              for (const phase of inputGradPhases(geom)) exercised.add(chooseStrategy(phase.geom));
            }
          });
        }
      }
    });
  }
  for (const config of WASM_CONFIGS) {
    if (config.knobs.force && config.knobs.force !== 'winograd-s2') assert.ok(exercised.has(config.knobs.force), `${config.name} never applied`);
  }
});

test('the phases of a strided layer take each tap once: no multiplies on inserted zeros', () => {
  for (let i = 0; i < 200; i++) {
    const s = int(1, 4), d = int(1, 3), k = int(1, 6), pad = int(0, 4);
    // large enough that every phase's rows read some output
    const geom = conv2dGeometry([1, 2, 40, 3], [2, 2, k, 1], null, { stride: [s, 1], dilation: [d, 1], padding: [pad, 0] });
    const taps = inputGradPhases(geom).reduce((sum, p) => sum + p.geom.kH * p.geom.kW, 0);
    assert.equal(taps, k, `stride ${s}, dilation ${d}, kernel ${k}, padding ${pad}`);
  }
});

test('the input gradient follows weights changed in place (the flipped weights are cached per array)', () => {
  withConfig(WASM_CONFIGS[0], () => {
    for (const force of [null, 'winograd-f4'] as const) {
      tuning.force = force;
      const geom = conv2dGeometry([2, 16, 12, 12], [16, 16, 3, 3], null, { padding: 1 });
      const gradOutput = floats(geom.n * geom.cOut * geom.outH * geom.outW);
      const weight = floats(16 * 16 * 9);
      const gradInput = new Float32Array(geom.n * geom.cIn * geom.h * geom.w);
      backend().conv2dInputGrad(geom, gradOutput, weight, gradInput);
      weight[int(0, weight.length - 1)] += 10;
      backend().conv2dInputGrad(geom, gradOutput, weight, gradInput);
      const expected = new Float32Array(gradInput.length);
      conv2dInputGrad(geom, gradOutput, weight, expected);
      assert.ok(relativeError(expected, gradInput) <= 1e-4, `force ${force}`);
    }
  });
});
