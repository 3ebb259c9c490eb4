/**
 * What a layer costs: parameters and multiply-accumulates (MACs), counted from the same geometry the
 * kernels run. One MAC is one fused multiply-add; taps that fall on padding count, as in fvcore and ptflops.
 */
import type { ConvGeometry } from '../backend/backend.js';
import { Conv2d } from '../nn/conv2d.js';
import type { Module } from '../nn/module.js';

/** `N * H_out * W_out * C_out * (C_in / groups) * kH * kW`. */
export function conv2dMacs(g: ConvGeometry): number {
  return g.n * g.outH * g.outW * g.cOut * (g.cIn / g.groups) * g.kH * g.kW;
}

/** The number of learnable values, as PyTorch's `sum(p.numel() for p in module.parameters())`. */
export function parameterCount(module: Module): number {
  return module.parameters().reduce((total, p) => total + p.numel, 0);
}

/** The span of a dilated kernel: `k + (k - 1)(d - 1)`. */
export function effectiveKernelSize(kernel: number, dilation: number): number {
  return kernel + (kernel - 1) * (dilation - 1);
}

export interface ShapeAndMacs {
  outputShape: number[];
  macs: number;
}

/**
 * The output shape and MACs of `module` on an input of `inputShape`, without running it. Containers
 * (`Sequential`, `DepthwiseSeparableConv2d`) apply their children in order; other layers without
 * convolutions keep the shape and count no MACs.
 */
export function shapeAndMacs(module: Module, inputShape: readonly number[]): ShapeAndMacs {
  if (module instanceof Conv2d) {
    const g = module.geometry(inputShape);
    const spatial = [g.cOut, g.outH, g.outW];
    return { outputShape: inputShape.length === 4 ? [g.n, ...spatial] : spatial, macs: conv2dMacs(g) };
  }
  let result: ShapeAndMacs = { outputShape: [...inputShape], macs: 0 };
  for (const [, child] of module.namedChildren()) {
    const next = shapeAndMacs(child, result.outputShape);
    result = { outputShape: next.outputShape, macs: result.macs + next.macs };
  }
  return result;
}
