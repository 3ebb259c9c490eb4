/** A layer's plan for the chosen path, and the weights it keeps in WebAssembly memory between runs. */
import type { ConvGeometry } from '../backend.js';
import type { WasmInstance } from './instance.js';
import { planDepthwise } from './plan-depthwise.js';
import { planGemmDirect, planGemmIm2col } from './plan-gemm.js';
import { planWinograd } from './plan-winograd.js';
import type { Plan } from './plan.js';
import { chooseStrategy, WINOGRAD_TILE, type Strategy } from './strategy.js';
import { transformedWeights } from './winograd.js';

/** A layer's strategy and plan, and the offset of its transformed weights (Winograd's, kept in memory). */
export interface Prepared {
  p: Plan;
  transformed: number;
}

/** The plan of `strategy`'s path for `g`. */
function plan(strategy: Exclude<Strategy, 'reference'>, g: ConvGeometry): Plan {
  if (strategy === 'depthwise') return planDepthwise(g);
  const m = WINOGRAD_TILE[strategy];
  if (m !== undefined) return planWinograd(g, m);
  return strategy === 'gemm-direct' ? planGemmDirect(g) : planGemmIm2col(g);
}

/**
 * Plans a layer and lays out its transformed weights: kept in memory while the weights are unchanged
 * (`resident`), or in the arena for this run alone. Null for the reference kernel.
 */
export function prepare(instance: WasmInstance, g: ConvGeometry, weight: Float32Array, resident = true): Prepared | null {
  const strategy = chooseStrategy(g);
  if (strategy === 'reference') return null;
  const p = plan(strategy, g);
  if (p.winograd === undefined) return { p, transformed: 0 };
  const weights = transformedWeights(g, weight, p.winograd.tile);
  if (resident) return { p, transformed: instance.keep('conv2d', weights) };
  const transformed = instance.alloc('conv2d', weights.length * 4);
  instance.write(transformed, weights);
  return { p, transformed };
}
