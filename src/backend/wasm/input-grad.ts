/**
 * The wasm backend's conv2d input gradient: each phase (input-grad-phases.ts) runs as a forward
 * convolution through the forward's own paths (GEMM, Winograd, depthwise, threads), and strided
 * layers' phases are interleaved into the input gradient.
 */
import type { ConvGeometry } from '../backend.js';
import { conv2dInputGrad as referenceInputGrad } from '../reference/conv2d-grad.js';
import { runConv2d } from './conv2d.js';
import { execute } from './execute.js';
import { inputGradPhases, phaseWeight, type AxisPhase, type Phase } from './input-grad-phases.js';
import type { WasmInstance } from './instance.js';
import { Param } from './params.js';
import type { Plan } from './plan.js';
import type { ThreadPool } from './pool.js';
import { macsOf, tuning } from './strategy.js';
import { same } from './winograd.js';

interface Cached {
  snapshot: Float32Array;
  byTaps: Map<string, Float32Array>;
}

const cache = new WeakMap<Float32Array, Cached>();

/**
 * `phaseWeight`, the same array while `weight` is unchanged, so that what the forward caches per weight
 * array (Winograd's transformed weights, kept in WebAssembly memory) is reused across calls.
 */
function cachedPhaseWeight(g: ConvGeometry, weight: Float32Array, phase: Phase): Float32Array {
  let hit = cache.get(weight);
  if (hit === undefined || !same(hit.snapshot, weight)) {
    hit = { snapshot: weight.slice(), byTaps: new Map() };
    cache.set(weight, hit);
  }
  const { rows: r, cols: c } = phase;
  const key = `${g.cOut} ${g.groups} ${g.kH} ${g.kW} ${r.tap0} ${r.tapStep} ${r.taps} ${c.tap0} ${c.tapStep} ${c.taps}`;
  let flipped = hit.byTaps.get(key);
  if (flipped === undefined) {
    flipped = phaseWeight(g, weight, phase);
    hit.byTaps.set(key, flipped);
  }
  return flipped;
}

/** The rows and columns of each output-gradient plane that the phase reads: the array itself where that is all of them. */
function clipped(g: ConvGeometry, gradOutput: Float32Array, { rows, cols, geom }: Phase): Float32Array {
  if (geom.h === g.outH && geom.w === g.outW) return gradOutput;
  const out = new Float32Array(g.n * g.cOut * geom.h * geom.w);
  for (let plane = 0; plane < g.n * g.cOut; plane++) {
    for (let y = 0; y < geom.h; y++) {
      const from = (plane * g.outH + rows.from + y) * g.outW + cols.from;
      out.set(gradOutput.subarray(from, from + geom.w), (plane * geom.h + y) * geom.w);
    }
  }
  return out;
}

/** Writes a phase's result (planes of rows.length x cols.length) to its rows and columns of the input gradient. */
function interleave(g: ConvGeometry, result: Float32Array, rows: AxisPhase, cols: AxisPhase, gradInput: Float32Array): void {
  for (let c = 0; c < g.n * g.cIn; c++) {
    for (let j = 0; j < rows.length; j++) {
      const to = (c * g.h + rows.first + rows.step * j) * g.w + cols.first;
      const from = (c * rows.length + j) * cols.length;
      for (let i = 0; i < cols.length; i++) gradInput[to + cols.step * i] = result[from + i];
    }
  }
}

/**
 * A strided depthwise layer's input gradient on its own kernel (kernels/depthwise-input-grad.ts): each
 * input channel's phases at once, read from its dY planes padded in the workspace. Measured, one thread,
 * 96 channels of 112x112 at stride 2 (MobileNet's), against the forward's 0.9-1.6 ms: this kernel
 * 1.7-2 ms in all; the phases as separate depthwise convolutions 2.7 ms and their interleaving in
 * TypeScript 2.4 ms more; one depthwise convolution over dY spread out with zeros (4x the multiplies, on
 * the 3x3 path) 9 ms with the spreading.
 */
function planDepthwiseInputGrad(g: ConvGeometry): Plan {
  // the farthest back a phase's taps reach, and past the end, the last rows' reach and the last vector's columns
  const top = Math.ceil(((g.kH - 1) * g.dilationH) / g.strideH);
  const left = Math.ceil(((g.kW - 1) * g.dilationW) / g.strideW);
  const hp = g.outH + 2 * top + 2;
  const wp = g.outW + 2 * left + 4;
  return {
    kernel: 'depthwiseInputGradTask', tasks: g.n * g.cIn, workspaceBytes: (g.cOut / g.cIn) * hp * wp * 4, packed: false,
    paddedPlane: null, split: 1, offsets: null, fields: { [Param.HP]: hp, [Param.WP]: wp },
  };
}

/**
 * dL/dinput of `g`'s convolution (see `Backend.conv2dInputGrad`). Tiny layers run on the reference
 * kernel, as the forward's do.
 */
export function runConv2dInputGrad(
  instance: WasmInstance, pool: ThreadPool, g: ConvGeometry, gradOutput: Float32Array, weight: Float32Array, gradInput: Float32Array,
): void {
  if (gradInput.length === 0) return;
  if (tuning.force === null ? macsOf(g) < tuning.tinyMacs : tuning.force === 'reference') {
    referenceInputGrad(g, gradOutput, weight, gradInput);
    return;
  }
  if (g.groups === g.cIn && g.cIn > 1 && (g.strideH > 1 || g.strideW > 1)) {
    instance.reset();
    execute(instance, pool, g, { p: planDepthwiseInputGrad(g), transformed: 0, resident: null }, gradOutput, weight, null, gradInput, 'none');
    return;
  }
  const phases = inputGradPhases(g);
  // one phase covering every input row and column (stride 1): written in place
  const whole = phases.length === 1 && phases[0].geom.outH === g.h && phases[0].geom.outW === g.w;
  if (!whole) gradInput.fill(0);
  for (const phase of phases) {
    const { geom } = phase;
    const result = whole ? gradInput : new Float32Array(geom.n * geom.cOut * geom.outH * geom.outW);
    runConv2d(instance, pool, geom, clipped(g, gradOutput, phase), cachedPhaseWeight(g, weight, phase), null, result, 'none');
    if (!whole) interleave(g, result, phase.rows, phase.cols, gradInput);
  }
}
