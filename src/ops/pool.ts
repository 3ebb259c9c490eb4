/**
 * 2-D pooling: `maxPool2d`, `avgPool2d` and `adaptiveAvgPool2d`, PyTorch 1.13's `torch.nn.functional`
 * functions of the same names, with their argument forms, output sizes, errors and gradients.
 */
import type { PoolGeometry } from '../backend/backend.js';
import { record } from '../autograd/record.js';
import { backend } from '../backend/registry.js';
import { argError, isInt, show } from '../errors.js';
import { checkNumel, numelOf, Tensor, type Shape } from '../tensor.js';
import { checkOptions, checkTensor, pair, type IntOrPair } from './args.js';
import { outputArray } from './output.js';
import { mean } from './reduce.js';

export interface MaxPool2dOptions {
  /** The window's step; default (undefined or null): the kernel size. */
  stride?: IntOrPair | null;
  /** Implicit -Infinity padding on both sides, at most half the kernel. Default 0. */
  padding?: IntOrPair;
  /** The step between a window's taps. Default 1. */
  dilation?: IntOrPair;
  /** Round the output size up, keeping a last window only where it starts inside the input or the left padding. Default false. */
  ceilMode?: boolean;
}

export interface AvgPool2dOptions {
  /** The window's step; default (undefined or null): the kernel size. */
  stride?: IntOrPair | null;
  /** Implicit zero padding on both sides, at most half the kernel. Default 0. */
  padding?: IntOrPair;
  /** Round the output size up, keeping a last window only where it starts inside the input or the left padding. Default false. */
  ceilMode?: boolean;
  /** Count the padding in the divisor (up to the padded edge; a ceil-mode window past it is cut there). Default true. */
  countIncludePad?: boolean;
  /** Divide every window's sum by this non-zero integer instead. Default undefined or null: the window's count. */
  divisorOverride?: number | null;
}

/** `AdaptiveAvgPool2d`'s output size: an int for both dimensions, or `[h, w]`, null keeping that input size. */
export type AdaptiveSize = number | readonly [number | null, number | null];

export const MAX_POOL2D_OPTIONS = ['stride', 'padding', 'dilation', 'ceilMode'] as const;
export const AVG_POOL2D_OPTIONS = ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'] as const;

/** torch reads pooling arguments as C ints. */
const INT_MAX = 2 ** 31 - 1;

function intPair(where: string, name: string, value: unknown, min: number): [number, number] {
  const p = pair(where, name, value, min);
  if (p.some((v) => v > INT_MAX)) throw argError(where, `${name} must be at most ${INT_MAX}, got ${show(value)}`);
  return p;
}

function flag(where: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw argError(where, `${name} must be true or false, got ${show(value)}`);
  return value;
}

/**
 * PyTorch's `pooling_output_shape`: `floor((size + 2 pad - dilation (kernel - 1) - 1 [+ stride - 1 in ceil
 * mode]) / stride) + 1`, less one in ceil mode where the last window would start in the right padding.
 */
export function poolOutputSize(size: number, kernel: number, stride: number, pad: number, dilation: number, ceilMode: boolean): number {
  const span = size + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
  const out = Math.floor(span / stride) + 1;
  return ceilMode && (out - 1) * stride >= size + pad ? out - 1 : out;
}

/** The leading dimensions' product: the planes a 2-D pool runs over. */
function planesOf(shape: Shape): number {
  return numelOf(shape.slice(0, -2));
}

/** A max or average pool's arguments, checked and resolved: the geometry less what the input decides. */
export type PoolWindow = Omit<PoolGeometry, 'planes' | 'h' | 'w' | 'outH' | 'outW'> & { readonly ceilMode: boolean };

/**
 * Checks the arguments of `max_pool2d` (`avg` false) or `avg_pool2d` that do not depend on the input, as
 * torch does before it looks at the input: `where` names the function or module in messages.
 */
export function poolWindow(where: string, kernelSize: unknown, options: MaxPool2dOptions & AvgPool2dOptions, avg: boolean): PoolWindow {
  checkOptions(where, options, avg ? AVG_POOL2D_OPTIONS : MAX_POOL2D_OPTIONS);
  const [kH, kW] = intPair(where, 'kernelSize', kernelSize, 1);
  const [strideH, strideW] = intPair(where, 'stride', options.stride ?? [kH, kW], 1);
  const [padTop, padLeft] = intPair(where, 'padding', options.padding ?? 0, 0);
  const [dilationH, dilationW] = intPair(where, 'dilation', options.dilation ?? 1, 1);
  const ceilMode = flag(where, 'ceilMode', options.ceilMode, false);
  const countIncludePad = flag(where, 'countIncludePad', options.countIncludePad, true);
  const divisor = options.divisorOverride ?? null;
  if (divisor !== null && (!isInt(divisor) || divisor === 0 || Math.abs(divisor) > INT_MAX)) {
    throw argError(where, `divisorOverride must be a non-zero integer or null, got ${show(divisor)}`);
  }
  if (padTop > Math.floor(kH / 2) || padLeft > Math.floor(kW / 2)) {
    throw argError(where, `padding ${show(options.padding)} must be at most half of kernelSize ${show(kernelSize)}`);
  }
  return { kH, kW, strideH, strideW, padTop, padLeft, dilationH, dilationW, ceilMode, adaptive: false, countIncludePad: avg && countIncludePad, divisor };
}

/** A pool window placed on an input of `shape`, with torch's `pool2d_shape_check`. */
function windowGeometry(where: string, shape: Shape, win: PoolWindow): PoolGeometry {
  // torch lets only a 4-D input's batch be empty
  if ((shape.length !== 3 && shape.length !== 4) || shape.slice(shape.length - 3).includes(0)) {
    throw argError(where, `expected a 3-D (C, H, W) or 4-D (N, C, H, W) input with non-zero C, H and W, got shape ${show(shape)}`);
  }
  const h = shape[shape.length - 2];
  const w = shape[shape.length - 1];
  const outH = poolOutputSize(h, win.kH, win.strideH, win.padTop, win.dilationH, win.ceilMode);
  const outW = poolOutputSize(w, win.kW, win.strideW, win.padLeft, win.dilationW, win.ceilMode);
  if (outH < 1 || outW < 1) {
    const k = `kernel ${win.kH}x${win.kW}, stride ${win.strideH}x${win.strideW}, padding ${win.padTop}x${win.padLeft}, dilation ${win.dilationH}x${win.dilationW}`;
    throw argError(where, `the output size ${outH}x${outW} for input ${h}x${w} is too small (${k})`);
  }
  return { ...win, planes: planesOf(shape), h, w, outH, outW };
}

/** Checks `maxPool2d`'s arguments against an input shape and resolves them into a `PoolGeometry`. */
export function maxPool2dGeometry(shape: Shape, kernelSize: IntOrPair, options: MaxPool2dOptions = {}): PoolGeometry {
  return windowGeometry('maxPool2d', shape, poolWindow('maxPool2d', kernelSize, options, false));
}

/** Checks `avgPool2d`'s arguments against an input shape and resolves them into a `PoolGeometry`. */
export function avgPool2dGeometry(shape: Shape, kernelSize: IntOrPair, options: AvgPool2dOptions = {}): PoolGeometry {
  return windowGeometry('avgPool2d', shape, poolWindow('avgPool2d', kernelSize, options, true));
}

/** Checks an adaptive output size's form (the input aside): `[h, w]`, null where that input size is kept. */
export function adaptiveSizes(where: string, outputSize: unknown): [number | null, number | null] {
  const isPair = Array.isArray(outputSize);
  const sizes: unknown[] = isPair ? outputSize : [outputSize, outputSize];
  if (sizes.length !== 2 || !sizes.every((s) => (isInt(s) && s >= 0) || (isPair && s === null))) {
    throw argError(where, `outputSize must be a non-negative integer or a pair [h, w] of them (null keeping that input size), got ${show(outputSize)}`);
  }
  return sizes as [number | null, number | null];
}

/**
 * Checks `adaptiveAvgPool2d`'s output size against an input shape and resolves it into a `PoolGeometry`.
 * An output of 1x1 is a mean over the last two dimensions in torch, which takes any input of 2 or more
 * dimensions (an int size) and empty planes (giving NaN); every other size needs 3-D or 4-D input with
 * non-empty planes.
 */
export function adaptiveAvgPool2dGeometry(shape: Shape, outputSize: AdaptiveSize): PoolGeometry {
  const where = 'adaptiveAvgPool2d';
  const sizes = adaptiveSizes(where, outputSize);
  const isPair = Array.isArray(outputSize);
  // torch fills null from the input's sizes, which a pair needs 3 dimensions for
  if (shape.length < (isPair ? 3 : 2)) {
    throw argError(where, `expected an input of at least ${isPair ? 3 : 2} dimensions, got shape ${show(shape)}`);
  }
  const h = shape[shape.length - 2];
  const w = shape[shape.length - 1];
  const outH = sizes[0] ?? h;
  const outW = sizes[1] ?? w;
  if (outH !== 1 || outW !== 1) {
    if ((shape.length !== 3 && shape.length !== 4) || h === 0 || w === 0) {
      throw argError(where, `expected a 3-D (C, H, W) or 4-D (N, C, H, W) input with non-zero H and W, got shape ${show(shape)}`);
    }
    checkNumel(where, [...shape.slice(0, -2), outH, outW], 'output shape');
  }
  return {
    planes: planesOf(shape), h, w, outH, outW, kH: 0, kW: 0, strideH: 0, strideW: 0, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1,
    adaptive: true, countIncludePad: false, divisor: null,
  };
}

/** The shape of a pool's output for an input of `shape`. */
export function poolOutputShape(shape: Shape, geom: PoolGeometry): number[] {
  return [...shape.slice(0, -2), geom.outH, geom.outW];
}

/** The forward of a max pool, with the position each output took its value from. */
function runMaxPool(input: Tensor, geom: PoolGeometry): { output: Tensor; indices: Int32Array } {
  const shape = poolOutputShape(input.shape, geom);
  const out = outputArray(numelOf(shape), 'maxPool2d', shape);
  const indices = new Int32Array(out.length);
  if (out.length > 0) backend().maxPool2d(geom, input.data, out, indices);
  // each input position gets the gradients of the outputs that took their value from it
  const output = record('MaxPool2DWithIndicesBackward0', [input], new Tensor(out, shape), (grad) => {
    const gradInput = outputArray(input.numel);
    if (gradInput.length > 0) backend().maxPool2dGrad(geom, grad.data, indices, gradInput);
    return [new Tensor(gradInput, input.shape)];
  });
  return { output, indices };
}

/**
 * The maximum over each window of the last two dimensions, like `torch.nn.functional.max_pool2d`: input
 * `(N, C, H, W)` (N may be 0) or `(C, H, W)`. A NaN in a window is its maximum. Differentiable: each
 * output's gradient goes to the position it took its value from (the first maximal one in row-major
 * order within the window).
 * @throws where PyTorch raises: padding over half the kernel, an output smaller than 1x1, empty C, H or W.
 * @example
 * maxPool2d(randn([1, 64, 28, 28]), 2).shape; // [1, 64, 14, 14]
 */
export function maxPool2d(input: Tensor, kernelSize: IntOrPair, options: MaxPool2dOptions = {}): Tensor {
  return maxPool2dWithIndices(input, kernelSize, options).output;
}

/**
 * `maxPool2d`, also returning where each maximum was, like `max_pool2d(..., return_indices=True)`: `indices`
 * holds, in the output's row-major order, each maximum's position `y * W + x` within its plane. Where a
 * dilated window's taps all fall in the padding, the output is -Infinity and the index -1 (torch gives an
 * index outside the plane there, and its backward writes out of bounds).
 */
export function maxPool2dWithIndices(input: Tensor, kernelSize: IntOrPair, options: MaxPool2dOptions = {}): { output: Tensor; indices: Int32Array } {
  checkTensor('maxPool2d', 'input', input);
  return runMaxPool(input, maxPool2dGeometry(input.shape, kernelSize, options));
}

/** The forward of an average pool (strided or adaptive) and its gradient. */
function runAvgPool(where: string, name: string, input: Tensor, geom: PoolGeometry, refuseBackward = false): Tensor {
  const shape = poolOutputShape(input.shape, geom);
  const out = outputArray(numelOf(shape), where, shape);
  if (out.length > 0) backend().avgPool2d(geom, input.data, out);
  // each output's gradient, over its divisor, spreads over its window
  return record(name, [input], new Tensor(out, shape), (grad) => {
    if (refuseBackward) throw argError(where, `backward needs an output with non-empty dimensions past the first, got shape ${show(shape)}`);
    const gradInput = outputArray(input.numel);
    if (gradInput.length > 0) backend().avgPool2dGrad(geom, grad.data, gradInput);
    return [new Tensor(gradInput, input.shape)];
  });
}

/**
 * The mean over each window of the last two dimensions, like `torch.nn.functional.avg_pool2d`: input
 * `(N, C, H, W)` (N may be 0) or `(C, H, W)`. Differentiable.
 * @throws where PyTorch raises: padding over half the kernel, an output smaller than 1x1, empty C, H or W,
 *   a divisorOverride of 0.
 * @example
 * avgPool2d(ones([1, 1, 5, 5]), 2, { ceilMode: true }).shape; // [1, 1, 3, 3]
 */
export function avgPool2d(input: Tensor, kernelSize: IntOrPair, options: AvgPool2dOptions = {}): Tensor {
  checkTensor('avgPool2d', 'input', input);
  return runAvgPool('avgPool2d', 'AvgPool2DBackward0', input, avgPool2dGeometry(input.shape, kernelSize, options));
}

/**
 * The mean over windows that tile the last two dimensions into `outputSize`, like
 * `torch.nn.functional.adaptive_avg_pool2d`: output row `i` of `out` averages input rows
 * `floor(i * H / out)` to `ceil((i + 1) * H / out) - 1`, and likewise for columns, so windows may differ in
 * size and overlap. A null in `[h, w]` keeps that input size. Differentiable.
 * @example
 * adaptiveAvgPool2d(randn([8, 64, 7, 7]), 1).shape; // [8, 64, 1, 1]: global average pooling
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: AdaptiveSize): Tensor {
  checkTensor('adaptiveAvgPool2d', 'input', input);
  const geom = adaptiveAvgPool2dGeometry(input.shape, outputSize);
  // torch computes a 1x1 output as this mean (its gradient node is the mean's)
  if (geom.outH === 1 && geom.outW === 1) return mean(input, [-2, -1], true);
  // torch's backward refuses an output with an empty dimension past the first, though its forward gives one
  const refuse = poolOutputShape(input.shape, geom).slice(1).includes(0);
  return runAvgPool('adaptiveAvgPool2d', 'AdaptiveAvgPool2DBackward0', input, geom, refuse);
}
