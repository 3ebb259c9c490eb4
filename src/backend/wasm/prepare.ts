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

/** Plans a layer and keeps its transformed weights in memory; null for the reference kernel. */
export function prepare(instance: WasmInstance, g: ConvGeometry, weight: Float32Array): Prepared | null {
  const strategy = chooseStrategy(g);
  if (strategy === 'reference') return null;
  const p = plan(strategy, g);
  // Winograd's transformed weights stay in WebAssembly memory while the weights are unchanged
  const transformed = p.winograd === undefined ? 0 : instance.keep('conv2d', transformedWeights(g, weight, p.winograd.tile));
  return { p, transformed };
}
