import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConvGeometry } from '../../src/backend/backend.js';
import { conv2dWeightGrad as referenceWeightGrad } from '../../src/backend/reference/conv2d-grad.js';
import { tuning, wasmBackend } from '../../src/backend/wasm/index.js';
import { weightGradTuning } from '../../src/backend/wasm/weight-grad.js';
import { Generator, type Conv2dOptions } from '../../src/index.js';
import { conv2dGeometry } from '../../src/ops/conv2d.js';
import { withWasm } from '../support/backends.js';

const g = new Generator(11);
const int = (lo: number, hi: number) => lo + Math.floor(g.uniform() * (hi - lo + 1));
const pick = <T>(list: readonly T[]): T => list[int(0, list.length - 1)] as T;

function randomArray(length: number): Float32Array {
  return Float32Array.from({ length }, () => g.normal());
}

/** Runs `fn` on `threads` threads with the wasm kernels even on tiny cases (which in use go to the reference kernel or one thread). */
function withThreads<T>(threads: number, fn: () => T): T {
  return withWasm({ tinyMacs: 0, parallelMacs: 0 }, threads, fn);
}

function wasmWeightGrad(geom: ConvGeometry, input: Float32Array, gradOutput: Float32Array): Float32Array {
  const out = new Float32Array(geom.cOut * (geom.cIn / geom.groups) * geom.kH * geom.kW).fill(NaN);
  wasmBackend.conv2dWeightGrad(geom, input, gradOutput, out);
  return out;
}

interface Case {
  geom: ConvGeometry;
  input: Float32Array;
  gradOutput: Float32Array;
}

function randomCase(geom: ConvGeometry): Case {
  return { geom, input: randomArray(geom.n * geom.cIn * geom.h * geom.w), gradOutput: randomArray(geom.n * geom.cOut * geom.outH * geom.outW) };
}

/**
 * Checks each case against the reference on one thread, and that two threads give the same bits, on
 * each path: the chosen one, the GEMM, and Winograd's F(4x4) and F(6x6) (for 3x3 stride-1 layers).
 */
function checkCases(cases: readonly Case[]): void {
  const expected = cases.map((c) => referenceOf(c.geom, c.input, c.gradOutput));
  for (const force of [null, 'gemm', 'winograd-f4', 'winograd-f6'] as const) {
    weightGradTuning.force = force;
    try {
      const one = withThreads(1, () => cases.map((c) => wasmWeightGrad(c.geom, c.input, c.gradOutput)));
      const two = withThreads(2, () => cases.map((c) => wasmWeightGrad(c.geom, c.input, c.gradOutput)));
      cases.forEach((c, i) => {
        assertClose(one[i] as Float32Array, expected[i] as Float32Array, `${force ?? 'chosen'} path: ${describe(c.geom)}`);
        assert.deepEqual(two[i], one[i], `2 threads differ from 1 on the ${force ?? 'chosen'} path: ${describe(c.geom)}`);
      });
    } finally {
      weightGradTuning.force = null;
    }
  }
}

function referenceOf(geom: ConvGeometry, input: Float32Array, gradOutput: Float32Array): Float32Array {
  const out = new Float32Array(geom.cOut * (geom.cIn / geom.groups) * geom.kH * geom.kW);
  referenceWeightGrad(geom, input, gradOutput, out);
  return out;
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  const scale = expected.reduce((max, e) => (Number.isNaN(e) ? max : Math.max(max, Math.abs(e))), 1);
  expected.forEach((e, i) => {
    const a = actual[i] as number;
    assert.ok(Number.isNaN(e) ? Number.isNaN(a) : Math.abs(a - e) <= 1e-4 * scale, `${what} element ${i}: ${a} vs ${e}`);
  });
}

const PADDINGS: readonly (() => Conv2dOptions['padding'])[] = [
  () => 0, () => int(1, 3), () => [int(0, 3), int(0, 2)], () => 'valid', () => 'same',
];

/**
 * A random geometry, or null where the kernel does not fit the input: depthwise with a multiplier one
 * time in three, 3x3 at stride 1 (Winograd's) one time in three.
 */
function randomGeometry(i: number): ConvGeometry | null {
  const depthwise = i % 3 === 0;
  const winograd = i % 3 === 1;
  const groups = depthwise ? int(2, 6) : pick([1, 1, 2, 3]);
  const cIn = depthwise ? groups : groups * int(1, 5);
  const cOut = groups * (depthwise ? int(1, 3) : int(1, 7));
  const kH = winograd ? 3 : int(1, 5);
  const kW = winograd ? 3 : int(1, 5);
  const padding = pick(PADDINGS)();
  // 'same' pads asymmetrically where the dilated kernel's span is odd, and only at stride 1
  const stride = padding === 'same' || winograd ? 1 : ([int(1, 3), int(1, 3)] as [number, number]);
  const dilation: [number, number] = [int(1, 3), int(1, 3)];
  const batch = pick([0, 1, 1, 2, 3, 4]);
  const h = int(1, 13) + (kH - 1) * dilation[0];
  const w = int(1, 17) + (kW - 1) * dilation[1];
  try {
    return conv2dGeometry([batch, cIn, h, w], [cOut, cIn / groups, kH, kW], null, { padding, stride, dilation, groups });
  } catch {
    return null;
  }
}

function describe(geom: ConvGeometry): string {
  return JSON.stringify(geom);
}

test('the wasm weight gradient matches the reference on random geometries, on one thread, and two give the same bits', () => {
  const cases: Case[] = [];
  for (let i = 0; i < 240; i++) {
    const geom = randomGeometry(i);
    if (geom !== null) cases.push(randomCase(geom));
  }
  const asymmetric = cases.filter(({ geom: c }) => c.padTop !== c.padBottom || c.padLeft !== c.padRight).length;
  const empty = cases.filter(({ geom: c }) => c.n === 0).length;
  assert.ok(cases.length > 180 && asymmetric > 5 && empty > 5, `${cases.length} cases, ${asymmetric} padded asymmetrically, ${empty} of an empty batch`);
  checkCases(cases);
});

test('the wasm weight gradient keeps within 1e-4 on long sums over positions, split into slices and threads', () => {
  const cases: [number[], number[], Conv2dOptions][] = [
    [[8, 16, 56, 56], [8, 16, 3, 3], { padding: 1 }], // 25088 positions, 1568 Winograd tiles
    [[2, 32, 40, 38], [48, 32, 3, 3], { padding: 2, dilation: 2 }], // Winograd over 4 sub-images
    [[4, 24, 56, 56], [32, 24, 1, 1], {}], // 1x1 stride 1: Col is the input itself
    [[2, 16, 57, 55], [20, 16, 1, 1], {}], // the same with planes that end mid-vector
    [[4, 32, 56, 56], [32, 1, 3, 3], { padding: 1, groups: 32 }], // depthwise, 12544 positions a channel
    [[2, 12, 41, 43], [24, 1, 5, 3], { padding: [2, 1], stride: [2, 3], dilation: [1, 2], groups: 12 }], // depthwise strided, multiplier 2
    [[2, 24, 30, 30], [48, 6, 3, 3], { padding: 1, stride: 2, groups: 4 }],
    [[1, 160, 7, 7], [96, 160, 3, 3], { padding: 1 }], // few positions, K of 1440: split by output channels
    [[2, 16, 40, 600], [6, 8, 5, 5], { stride: [3, 2], dilation: [2, 1], padding: [1, 3], groups: 2 }], // wide rows: tap planes a channel at a time
    [[1, 24, 9, 300], [10, 24, 7, 1], { padding: [3, 0] }], // tap planes in chunks of 11 channels
  ];
  checkCases(cases.map(([x, w, options]) => randomCase(conv2dGeometry(x, w, null, options))));
});

test('the wasm weight gradient reads no input that no tap reads: a NaN there leaves dW finite', () => {
  // planes of 5x5 (1x1, read in place but for the last vector of each plane), a strided depthwise layer
  // whose last input column no tap reads, and a strided GEMM layer with the same
  const cases: [number[], number[], Conv2dOptions][] = [
    [[1, 6, 5, 5], [4, 6, 1, 1], {}],
    [[2, 4, 9, 10], [4, 1, 3, 3], { stride: 2, groups: 4 }],
    [[2, 4, 9, 10], [6, 4, 3, 3], { stride: 2 }],
  ];
  for (const [x, w, options] of cases) {
    const geom = conv2dGeometry(x, w, null, options);
    const input = randomArray(geom.n * geom.cIn * geom.h * geom.w);
    const gradOutput = randomArray(geom.n * geom.cOut * geom.outH * geom.outW);
    if (geom.kH === 1) input[geom.h * geom.w] = NaN; // plane 1's first value: read, so only dW[:, 1] is NaN
    else for (let y = 0; y < geom.h; y++) input[y * geom.w + geom.w - 1] = NaN; // column w - 1 of plane 0: unread
    const expected = referenceOf(geom, input, gradOutput);
    assertClose(withThreads(1, () => wasmWeightGrad(geom, input, gradOutput)), expected, describe(geom));
  }
});

test('an empty batch gives a zero weight gradient', () => {
  const geom = conv2dGeometry([0, 4, 8, 8], [6, 4, 3, 3], null, {});
  assert.deepEqual(withThreads(2, () => wasmWeightGrad(geom, new Float32Array(0), new Float32Array(0))), new Float32Array(6 * 4 * 9));
});

test('setWinograd(false) gives the GEMM path\'s rounding on a layer that would run on Winograd', () => {
  const c = randomCase(conv2dGeometry([1, 32, 16, 16], [32, 32, 3, 3], null, { padding: 1 }));
  const run = () => withThreads(1, () => wasmWeightGrad(c.geom, c.input, c.gradOutput));
  const chosen = run();
  weightGradTuning.force = 'gemm';
  const gemm = run();
  weightGradTuning.force = null;
  const saved = tuning.winograd;
  tuning.winograd = false;
  try {
    assert.notDeepEqual(chosen, gemm, 'Winograd is the default here');
    assert.deepEqual(run(), gemm);
  } finally {
    tuning.winograd = saved;
  }
});
