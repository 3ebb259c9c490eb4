/**
 * What a layer costs, counted from the same geometry the kernels run. One MAC is one fused
 * multiply-add, and taps that fall on padding count (the convention of fvcore and ptflops); FLOPs are
 * `2 * MACs + bias additions`, so MACs and FLOPs are never confused.
 */
import { argError, show } from '../errors.js';
import type { ConvGeometry } from '../backend/backend.js';
import { Conv2d } from '../nn/conv2d.js';
import { Linear } from '../nn/linear.js';
import { checkModule, type ChildInput, type Module } from '../nn/module.js';
import { ModuleList } from '../nn/module-list.js';
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
 * What each child of `module` is fed on an input of `inputShape`, from its `childInputs`, checked to
 * describe every child.
 */
export function childInputsOf(where: string, module: Module, inputShape: readonly number[]): ChildInput[] {
  const inputs = module.childInputs(inputShape);
  const count = module.namedChildren().length;
  if (!Array.isArray(inputs) || inputs.length !== count) {
    throw argError(where, `${module.constructor.name}.childInputs must describe its ${count} children, got ${show(inputs)}`);
  }
  return inputs;
}

/** A {@link LayerCost} whose output shape is null for a ModuleList: it has no forward, its holder uses its modules' outputs. */
export type PartCost = Omit<LayerCost, 'outputShape'> & { outputShape: number[] | null };

/** What `layerCost` counts, for any module of a tree, a ModuleList included (what summary's rows hold). */
export function partCost(module: Module, inputShape: readonly number[]): PartCost {
  const inputBytes = numelOf(checkShape('layerCost', inputShape)) * BYTES_PER_FLOAT;
  const parameters = parameterCount(module);
  const own = ownWork(module, inputShape);
  const outputShape = own?.outputShape ?? (module instanceof ModuleList ? null : module.outputShape(inputShape));
  let macs = own?.macs ?? 0;
  let biasAdditions = own?.biasAdditions ?? 0;
  if (own === null) {
    const inputs = childInputsOf('layerCost', module, inputShape);
    module.namedChildren().forEach(([, child], i) => {
      const c = partCost(child, inputs[i].shape);
      macs += c.macs;
      biasAdditions += c.biasAdditions;
    });
  }
  return {
    outputShape, parameters, macs, biasAdditions, flops: 2 * macs + biasAdditions, weightBytes: parameters * BYTES_PER_FLOAT,
    inputBytes, outputBytes: outputShape === null ? 0 : numelOf(outputShape) * BYTES_PER_FLOAT,
  };
}

/**
 * The cost of `module` on an input of `inputShape`, without running it. A container (`Sequential`,
 * `DepthwiseSeparableConv2d`, `MobileNetV2`, ...) costs what its children cost, each on the input its
 * `childInputs` says (the one before's output in a chain; the block's input for parallel branches and a
 * residual's downsample); joining, adding and pooling between them count no MACs, nor do layers without a
 * convolution or linear map. The output shape is the module's `outputShape`.
 * @throws the error the forward pass would throw for that shape, or where a module of your own does not
 *   declare its output shape; a ModuleList has none (its holder's cost counts it).
 */
export function layerCost(module: Module, inputShape: readonly number[]): LayerCost {
  checkModule('layerCost', module);
  if (module instanceof ModuleList) throw argError('layerCost', 'a ModuleList has no forward, so no output: ask for the cost of the module that holds it');
  return partCost(module, inputShape) as LayerCost;
}
