/**
 * `conv2d`: PyTorch's `torch.nn.functional.conv2d`. Every argument form is resolved here into one
 * `ConvGeometry`, and every input PyTorch rejects is rejected here, before any kernel runs.
 */
import type { Activation, ConvGeometry, ConvStep, Network } from '../backend/backend.js';
import { needsGrad, record } from '../autograd/record.js';
import { backend } from '../backend/registry.js';
import { argError, show } from '../errors.js';
import { checkNumel, numelOf, Tensor, type Shape } from '../tensor.js';
import { checkOptions, checkTensor, pair, positiveInt, type IntOrPair } from './args.js';
import { runNetwork } from './network.js';
import { outputArray } from './output.js';
import { reluBackward } from './relu.js';

/** Padding as PyTorch takes it: an int, `[h, w]`, or `'valid'` (none) / `'same'` (output size = input size). */
export type Padding = IntOrPair | 'valid' | 'same';

export interface Conv2dOptions {
  /** Step between output positions, an int or `[h, w]`. Default 1. */
  stride?: IntOrPair;
  /** Zeros added on each side. Default 0. `'same'` needs stride 1 and puts an odd extra row/column at the bottom/right. */
  padding?: Padding;
  /** Spacing between kernel taps (1 = ordinary convolution). Default 1. */
  dilation?: IntOrPair;
  /** Channel groups: input and output channels are split into `groups` independent convolutions. Default 1. */
  groups?: number;
}

export const CONV2D_OPTIONS = ['stride', 'padding', 'dilation', 'groups'] as const;

/** Resolved padding of each side. */
export interface Sides {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * Resolves `padding` for a kernel of `kernel` taps (h, w), with PyTorch's rules: `'same'` pads
 * `dilation * (kernel - 1)` in total per dimension, the odd extra on the bottom/right, and needs stride 1.
 * Numbers must be >= `min`: 0 for a convolution's own zero padding; a layer that pads with `pad` first
 * allows negative numbers, which crop, as PyTorch's `F.pad` does.
 */
export function resolvePadding(
  where: string,
  padding: unknown,
  kernel: readonly [number, number],
  dilation: readonly [number, number],
  stride: readonly [number, number],
  min = 0,
): Sides {
  if (typeof padding === 'string') {
    if (padding === 'valid') return { top: 0, bottom: 0, left: 0, right: 0 };
    if (padding !== 'same') throw argError(where, `padding=${show(padding)} is not a valid padding string; expected 'valid' or 'same'`);
    if (stride[0] !== 1 || stride[1] !== 1) {
      throw argError(where, `padding='same' is not supported for strided convolutions (stride=${show(stride)})`);
    }
    const totalH = dilation[0] * (kernel[0] - 1);
    const totalW = dilation[1] * (kernel[1] - 1);
    const top = Math.floor(totalH / 2);
    const left = Math.floor(totalW / 2);
    return { top, bottom: totalH - top, left, right: totalW - left };
  }
  const [h, w] = pair(where, 'padding', padding, min);
  return { top: h, bottom: h, left: w, right: w };
}

/** The size of one output dimension: `floor((in + padding - dilation*(kernel-1) - 1) / stride) + 1`. */
export function outputSize(size: number, padBefore: number, padAfter: number, kernel: number, stride: number, dilation: number): number {
  const args = [size, padBefore, padAfter, kernel, stride, dilation];
  if (!args.every((a) => typeof a === 'number')) throw argError('outputSize', `expected six numbers (size, padBefore, padAfter, kernel, stride, dilation), got ${show(args)}`);
  return Math.floor((size + padBefore + padAfter - dilation * (kernel - 1) - 1) / stride) + 1;
}

/**
 * Checks a convolution's shapes and options and resolves them into a `ConvGeometry`. A 3-D input
 * `(C, H, W)` is taken as a batch of one. Throws, naming the argument, wherever PyTorch raises; `where`
 * is the function the messages name.
 */
export function conv2dGeometry(
  inputShape: Shape, weightShape: Shape, biasShape: Shape | null, options: Conv2dOptions = {}, where = 'conv2d',
): ConvGeometry {
  checkOptions(where, options, CONV2D_OPTIONS);
  if (!Array.isArray(inputShape) || !Array.isArray(weightShape)) {
    throw argError(where, `inputShape and weightShape must be arrays of sizes, got ${show(inputShape)} and ${show(weightShape)}`);
  }
  if (inputShape.length !== 3 && inputShape.length !== 4) {
    throw argError(where, `expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got input of shape ${show(inputShape)}`);
  }
  if (weightShape.length !== 4) {
    throw argError(where, `weight must be 4-D (out_channels, in_channels/groups, kH, kW), got shape ${show(weightShape)}`);
  }
  const [n, cIn, h, w] = inputShape.length === 4 ? inputShape : [1, ...inputShape];
  const [cOut, cInPerGroup, kH, kW] = weightShape;
  const stride = pair(where, 'stride', options.stride ?? 1, 1);
  const dilation = pair(where, 'dilation', options.dilation ?? 1, 1);
  const groups = positiveInt(where, 'groups', options.groups ?? 1);
  if (kH === 0 || kW === 0) throw argError(where, `kernel size must be positive, got weight of shape ${show(weightShape)}`);
  if (cOut < groups || cOut % groups !== 0) {
    throw argError(where, `groups=${groups} must divide out_channels=${cOut} (weight.shape[0]) and out_channels must be >= groups`);
  }
  if (cIn % groups !== 0) throw argError(where, `groups=${groups} must divide in_channels=${cIn} (input.shape[${inputShape.length - 3}])`);
  if (cInPerGroup * groups !== cIn) {
    throw argError(
      where,
      `weight.shape[1]=${cInPerGroup} must equal in_channels/groups=${cIn / groups} (input of shape ${show(inputShape)}, groups=${groups})`,
    );
  }
  if (biasShape !== null && (biasShape.length !== 1 || biasShape[0] !== cOut)) {
    throw argError(where, `bias must be 1-D with out_channels=${cOut} elements, got shape ${show(biasShape)}`);
  }
  const pads = resolvePadding(where, options.padding ?? 0, [kH, kW], dilation, stride);
  const paddedH = h + pads.top + pads.bottom;
  const paddedW = w + pads.left + pads.right;
  const spanH = dilation[0] * (kH - 1) + 1;
  const spanW = dilation[1] * (kW - 1) + 1;
  if (paddedH < spanH || paddedW < spanW) {
    throw argError(
      where,
      `kernel (${spanH} x ${spanW} with dilation) is larger than the padded input (${paddedH} x ${paddedW}); it must fit at least once`,
    );
  }
  if ((h === 0 || w === 0) && n * cIn > 0) {
    throw argError(where, `input height and width must be non-zero unless the batch or channels are empty, got shape ${show(inputShape)}`);
  }
  return {
    n, cIn, h, w, cOut, kH, kW,
    strideH: stride[0], strideW: stride[1],
    padTop: pads.top, padBottom: pads.bottom, padLeft: pads.left, padRight: pads.right,
    dilationH: dilation[0], dilationW: dilation[1],
    groups,
    outH: outputSize(h, pads.top, pads.bottom, kH, stride[0], dilation[0]),
    outW: outputSize(w, pads.left, pads.right, kW, stride[1], dilation[1]),
  };
}

/**
 * 2-D convolution over an `(N, C_in, H, W)` or unbatched `(C_in, H, W)` input, exactly as PyTorch's
 * `torch.nn.functional.conv2d`.
 *
 * @param input `(N, C_in, H, W)` or `(C_in, H, W)`.
 * @param weight `(C_out, C_in / groups, kH, kW)`.
 * @param bias `(C_out)`, or null/undefined for none.
 * @returns `(N, C_out, H_out, W_out)`, or `(C_out, H_out, W_out)` for a 3-D input.
 * @throws Error naming the argument and the rule, wherever PyTorch raises.
 * @example
 * const y = conv2d(randn([1, 64, 32, 32]), randn([64, 16, 3, 3]), null, { padding: 1, groups: 4 });
 * y.shape; // [1, 64, 32, 32]
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: Conv2dOptions): Tensor {
  return conv2dActivation(input, weight, bias, options, 'none');
}

/**
 * `conv2d` with `activation` applied to each output element as the kernel writes it: what `Sequential`
 * runs for a convolution followed by `ReLU` (the same values as the two layers, in one pass).
 */
export function conv2dActivation(input: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: Conv2dOptions | undefined, activation: Activation): Tensor {
  checkTensor('conv2d', 'input', input);
  const step = resolveStep(input.shape, { weight, bias: bias ?? null, options, activation });
  const g = step.geom;
  const output = outputArray(outputCount(g), 'conv2d', outputShape(input, g));
  if (output.length > 0) backend().conv2d(g, input.data, step.weight, step.bias, output, activation);
  const y = new Tensor(output, outputShape(input, g));
  // The derivative (PyTorch's convolution_backward): a fused ReLU first passes the gradient only where
  // it let the output through; then each input's gradient from its kernel, with the same geometry.
  // only a fused ReLU needs the output kept for backward
  const relued = activation === 'relu' ? output : null;
  return record('ConvolutionBackward0', [input, weight, bias ?? null], y, (grad, needs) => {
    const gradOutput = relued === null ? grad.data : reluBackward(relued, grad.data);
    return [
      needs[0] ? new Tensor(convInputGrad(g, gradOutput, weight.data), input.shape) : null,
      needs[1] ? new Tensor(convWeightGrad(g, input.data, gradOutput), weight.shape) : null,
      needs[2] ? new Tensor(convBiasGrad(g, gradOutput), [g.cOut]) : null,
    ];
  });
}

/** dL/dinput of the convolution `g` from dL/doutput: `g.n * g.cIn * g.h * g.w` floats. */
export function convInputGrad(g: ConvGeometry, gradOutput: Float32Array, weight: Float32Array): Float32Array {
  const grad = outputArray(g.n * g.cIn * g.h * g.w);
  if (grad.length > 0) backend().conv2dInputGrad(g, gradOutput, weight, grad);
  return grad;
}

/** dL/dweight of the convolution `g`: zeros where the batch is empty. */
export function convWeightGrad(g: ConvGeometry, input: Float32Array, gradOutput: Float32Array): Float32Array {
  const grad = outputArray(g.cOut * (g.cIn / g.groups) * g.kH * g.kW);
  if (grad.length > 0) backend().conv2dWeightGrad(g, input, gradOutput, grad);
  return grad;
}

function convBiasGrad(g: ConvGeometry, gradOutput: Float32Array): Float32Array {
  const grad = outputArray(g.cOut);
  backend().conv2dBiasGrad(g, gradOutput, grad);
  return grad;
}

/** A convolution of a chain: `conv2d`'s arguments but the input, and the activation applied as it writes. */
export interface Conv2dStep {
  weight: Tensor;
  bias: Tensor | null;
  options: Conv2dOptions | undefined;
  activation: Activation;
}

/** Checks a step's arguments, as `conv2d` does, for an input of `shape`. */
function resolveStep(shape: Shape, step: Conv2dStep): ConvStep {
  checkTensor('conv2d', 'weight', step.weight);
  if (step.bias !== null) checkTensor('conv2d', 'bias', step.bias);
  const geom = conv2dGeometry(shape, step.weight.shape, step.bias?.shape ?? null, step.options);
  return { geom, weight: step.weight.data, bias: step.bias?.data ?? null, activation: step.activation };
}

function outputCount(g: ConvGeometry): number {
  return numelOf([g.n, g.cOut, g.outH, g.outW]);
}

/** The steps as a network: value i is step i's input, value i + 1 its output. */
function chainNetwork(inputSize: number, steps: readonly ConvStep[]): Network {
  return {
    sizes: [inputSize, ...steps.map(({ geom }) => outputCount(geom))],
    steps: steps.map((step, i) => ({ ...step, op: 'conv2d', input: i, residual: null, output: i + 1 })),
    output: steps.length,
  };
}

/** The output's shape: batched or not, as the input. */
function outputShape(input: Tensor, g: ConvGeometry): Shape {
  return input.ndim === 4 ? [g.n, g.cOut, g.outH, g.outW] : [g.cOut, g.outH, g.outW];
}

/**
 * Convolutions applied in order, each to the one before's output: what `Sequential` and
 * `DepthwiseSeparableConv2d` run. Every step is checked as `conv2d` checks its arguments, all before
 * any runs. They run as one `Network`: the wasm backend keeps the outputs between the steps in
 * WebAssembly memory, sparing a copy out and back in per step; others run the steps one by one.
 */
export function conv2dChain(input: Tensor, steps: readonly Conv2dStep[]): Tensor {
  // A recorded step keeps its input and output for backward: those a chain would keep to itself.
  if (steps.length === 1 || needsGrad(input, ...steps.flatMap((s) => [s.weight, s.bias]))) {
    return steps.reduce((x, s) => conv2dActivation(x, s.weight, s.bias, s.options, s.activation), input);
  }
  checkTensor('conv2d', 'input', input);
  let shape: Shape = input.shape;
  const resolved = steps.map((step) => {
    const r = resolveStep(shape, step);
    shape = outputShape(input, r.geom);
    checkNumel('conv2d', shape, 'output shape');
    return r;
  });
  const output = outputArray(outputCount(resolved[resolved.length - 1].geom));
  if (output.length > 0) runNetwork(chainNetwork(input.data.length, resolved), input.data, output);
  return new Tensor(output, shape);
}
