/** A layer's plan for the chosen path, and the weights it keeps in WebAssembly memory between runs. */
import type { ConvGeometry } from '../backend.js';
import { layWeights } from './execute.js';
import type { WasmInstance } from './instance.js';
import { Param } from './params.js';
import { planDense } from './plan-dense.js';
import { planDepthwise } from './plan-depthwise.js';
import { planGemmDirect, planGemmIm2col, readsInPlace } from './plan-gemm.js';
import { planWinograd } from './plan-winograd.js';
import type { Plan } from './plan.js';
import { chooseStrategy, WINOGRAD_TILE, type Strategy } from './strategy.js';
import { transformedWeights } from './winograd.js';

/** Offsets of a layer's weights and biases as its kernel reads them (packed for the GEMM paths). */
export interface KernelWeights {
  weights: number;
  biases: number;
}

/** A layer's strategy and plan, its transformed weights (Winograd's, kept in memory), and its kernel weights where kept. */
export interface Prepared {
  p: Plan;
  transformed: number;
  /** Null: laid out with each run. */
  resident: KernelWeights | null;
}

/**
 * What stays in memory between runs: nothing, Winograd's transformed weights (checked against the
 * weights at every run), or all of the layer's kernel weights (for weights that never change).
 */
export type Residency = 'none' | 'transformed' | 'all';

/** Floats of a GEMM layer's packed weights and biases: each group's panels of 4 output channels, K weights and a bias each. */
export function packedFloats(g: ConvGeometry, p: Plan): KernelWeights {
  const panels = g.groups * (p.fields[Param.M_PANELS] ?? 0);
  return { weights: panels * (p.fields[Param.K] ?? 0) * 4, biases: panels * 4 };
}

/** Kernel weights of never-changing weight arrays, as the kernels read them: packed once, copied in once. */
const packed = new WeakMap<Float32Array, { plan: Plan; weights: Float32Array; biases: Float32Array }>();

/** The floats of `weight` and `bias` as `p`'s kernel reads them, laid out once in the arena (which may be reused) and read back. */
function kernelWeights(instance: WasmInstance, g: ConvGeometry, p: Plan, weight: Float32Array, bias: Float32Array | null) {
  if (!p.packed) return { weights: weight, biases: bias };
  const hit = packed.get(weight);
  if (hit !== undefined && hit.plan.kernel === p.kernel) return hit;
  const mark = instance.mark();
  const at = layWeights(instance, g, p, weight, bias);
  const floats = packedFloats(g, p);
  const entry = { plan: p, weights: instance.floats(at.weights, floats.weights).slice(), biases: instance.floats(at.biases, floats.biases).slice() };
  instance.release(mark);
  packed.set(weight, entry);
  return entry;
}

/** The plan of `strategy`'s path for `g`, whose input is in WebAssembly memory already where `inMemory`. */
function plan(strategy: Exclude<Strategy, 'reference'>, g: ConvGeometry, inMemory: boolean): Plan {
  if (strategy === 'depthwise') return planDepthwise(g);
  if (strategy === 'dense') return planDense(g);
  const m = WINOGRAD_TILE[strategy];
  if (m !== undefined) return planWinograd(g, m);
  return strategy === 'gemm-direct' ? planGemmDirect(g, inMemory && readsInPlace(g)) : planGemmIm2col(g);
}

/**
 * Plans a layer and lays out what `residency` keeps in memory (else each run lays it out in the arena);
 * `inMemory`: the input will be in WebAssembly memory (a network's value), where the GEMM may read it in place.
 * Call before the arena is laid out: keeping may move it. Null for the reference kernel.
 */
export function prepare(instance: WasmInstance, g: ConvGeometry, weight: Float32Array, bias: Float32Array | null, residency: Residency, inMemory = false): Prepared | null {
  const strategy = chooseStrategy(g);
  if (strategy === 'reference') return null;
  const p = plan(strategy, g, inMemory);
  let transformed = 0;
  if (p.winograd !== undefined) {
    const weights = transformedWeights(g, weight, p.winograd.tile);
    if (residency === 'none') {
      transformed = instance.alloc('conv2d', weights.length * 4);
      instance.write(transformed, weights);
    } else {
      transformed = instance.keep('conv2d', weights);
    }
  }
  if (residency !== 'all') return { p, transformed, resident: null };
  const kept = kernelWeights(instance, g, p, weight, bias);
  const resident = {
    weights: p.winograd === undefined ? instance.keep('conv2d', kept.weights) : 0,
    biases: kept.biases === null ? 0 : instance.keep('conv2d', kept.biases),
  };
  return { p, transformed, resident };
}
