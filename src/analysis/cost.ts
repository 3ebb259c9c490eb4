/**
 * What a layer costs, counted from the same geometry the kernels run. One MAC is one fused
 * multiply-add, and taps that fall on padding count (the convention of fvcore and ptflops); FLOPs are
 * `2 * MACs + bias additions`, so MACs and FLOPs are never confused.
 */
import { argError, show } from '../errors.js';
import type { ConvGeometry } from '../backend/backend.js';
import { Conv2d } from '../nn/conv2d.js';
import { Linear } from '../nn/linear.js';
import { checkModule, type Module } from '../nn/module.js';
import { positiveInt } from '../ops/args.js';
import { checkShape, numelOf } from '../tensor.js';

const BYTES_PER_FLOAT = 4;

/** `N * H_out * W_out * C_out * (C_in / groups) * kH * kW`. */
export function conv2dMacs(g: ConvGeometry): number {
  if (typeof g !== 'object' || g === null) throw argError('conv2dMacs', `g must be a ConvGeometry (as conv2dGeometry returns), got ${show(g)}`);
  return g.n * g.outH * g.outW * g.cOut * (g.cIn / g.groups) * g.kH * g.kW;
}

/** The number of learnable values, as PyTorch's `sum(p.numel() for p in module.parameters())`. */
export function parameterCount(module: Module): number {
  checkModule('parameterCount', module);
  return module.parameters().reduce((total, p) => total + p.numel, 0);
}

/** The span of a dilated kernel: `k + (k - 1)(d - 1)`. */
export function effectiveKernelSize(kernel: number, dilation: number): number {
  positiveInt('effectiveKernelSize', 'kernel', kernel);
  positiveInt('effectiveKernelSize', 'dilation', dilation);
  return kernel + (kernel - 1) * (dilation - 1);
}

export interface LayerCost {
  outputShape: number[];
  parameters: number;
  /** Multiply-accumulates. */
  macs: number;
  /** One addition per output element of a layer with bias. */
  biasAdditions: number;
  /** `2 * macs + biasAdditions`. */
  flops: number;
  /** float32 parameters. */
  weightBytes: number;
  /** float32 input and output of the layer. */
  inputBytes: number;
  outputBytes: number;
}

/** The output shape, MACs and bias additions of a layer that multiplies (a convolution, a linear layer); null for others. */
function ownWork(module: Module, inputShape: readonly number[]): { outputShape: number[]; macs: number; biasAdditions: number } | null {
  if (module instanceof Conv2d) {
    const g = module.geometry(inputShape);
    const spatial = [g.cOut, g.outH, g.outW];
    const outputShape = inputShape.length === 4 ? [g.n, ...spatial] : spatial;
    return { outputShape, macs: conv2dMacs(g), biasAdditions: module.bias === null ? 0 : numelOf(outputShape) };
  }
  if (module instanceof Linear) {
    // one MAC per input and output feature of each row
    const outputShape = module.outputShape(inputShape);
    const macs = numelOf(inputShape.slice(0, -1)) * module.inFeatures * module.outFeatures;
    return { outputShape, macs, biasAdditions: module.bias === null ? 0 : numelOf(outputShape) };
  }
  return null;
}

/**
 * The cost of `module` on an input of `inputShape`, without running it. Containers (`Sequential`,
 * `DepthwiseSeparableConv2d`) apply their children in order and add their costs; layers without a
 * convolution or linear map count no MACs. The output shape is the module's `outputShape`.
 * @throws the error the forward pass would throw for that shape, or where a module of your own does not
 *   declare its output shape.
 */
export function layerCost(module: Module, inputShape: readonly number[]): LayerCost {
  checkModule('layerCost', module);
  const inputBytes = numelOf(checkShape('layerCost', inputShape)) * BYTES_PER_FLOAT;
  const own = ownWork(module, inputShape);
  if (own !== null) {
    const { outputShape, macs, biasAdditions } = own;
    const parameters = parameterCount(module);
    return {
      outputShape, parameters, macs, biasAdditions, flops: 2 * macs + biasAdditions,
      weightBytes: parameters * BYTES_PER_FLOAT, inputBytes, outputBytes: numelOf(outputShape) * BYTES_PER_FLOAT,
    };
  }
  // Containers add up their children's costs, each child fed the one before's output shape.
  const outputShape = module.outputShape(inputShape);
  const parameters = parameterCount(module);
  const total: LayerCost = {
    outputShape, parameters, macs: 0, biasAdditions: 0, flops: 0,
    weightBytes: parameters * BYTES_PER_FLOAT, inputBytes, outputBytes: numelOf(outputShape) * BYTES_PER_FLOAT,
  };
  let shape: readonly number[] = inputShape;
  for (const [, child] of module.namedChildren()) {
    const c = layerCost(child, shape);
    shape = c.outputShape;
    total.macs += c.macs;
    total.biasAdditions += c.biasAdditions;
    total.flops += c.flops;
  }
  return total;
}
