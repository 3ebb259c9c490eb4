/**
 * Receptive fields of convolution stacks, after Araujo, Norris and Sim, "Computing Receptive Fields of
 * Convolutional Neural Networks" (Distill, 2019), and the exact coverage map: which input positions
 * reach one output position, and through how many paths, so that dilation's gridding holes show.
 */
import { argError, isInt, show } from '../errors.js';
import { Conv2d } from '../nn/conv2d.js';
import { checkModule, Module } from '../nn/module.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../nn/pool.js';
import { effectiveKernelSize } from './cost.js';

/** One spatial layer as the receptive field sees it, per dimension `[h, w]`. */
export interface SpatialLayer {
  kernel: [number, number];
  stride: [number, number];
  dilation: [number, number];
  /** Padding before the first position (top, left); it shifts where the field starts. */
  padding: [number, number];
}

/** The receptive field of one output position after a layer, per dimension `[h, w]`. */
export interface ReceptiveField {
  /** Input positions spanned: `r_l = r_{l-1} + (k_eff - 1) * j_{l-1}`. */
  size: [number, number];
  /** Input positions between neighbouring outputs (the cumulative stride): `j_l = j_{l-1} * s_l`. */
  jump: [number, number];
  /** Input coordinate of the first spanned position for output 0 (negative: it starts in the padding). */
  start: [number, number];
}

export const IDENTITY_FIELD: ReceptiveField = { size: [1, 1], jump: [1, 1], start: [0, 0] };

/**
 * The spatial layers of a module in forward order (layers without a kernel, like ReLU, have none). An
 * adaptive pool's windows depend on its input, so a model with one needs `inputShape` (the model's input);
 * where its windows differ in size or overlap (the output size does not divide the input's) no kernel and
 * stride describe it, and that is an error; so is a module whose children do not run one after another
 * (it overrides `childInputs`: ASPP's branches, a Bottleneck's downsample).
 */
export function spatialLayers(module: Module, inputShape?: readonly number[]): SpatialLayer[] {
  checkModule('spatialLayers', module);
  if (module instanceof Conv2d) {
    return [{ kernel: module.kernelSize, stride: module.stride, dilation: module.dilation, padding: [module.sides.top, module.sides.left] }];
  }
  if (module instanceof MaxPool2d || module instanceof AvgPool2d) {
    const w = module.window;
    return [{ kernel: [w.kH, w.kW], stride: [w.strideH, w.strideW], dilation: [w.dilationH, w.dilationW], padding: [w.padTop, w.padLeft] }];
  }
  if (module instanceof AdaptiveAvgPool2d) {
    if (inputShape === undefined) throw argError('spatialLayers', `${String(module)}'s windows depend on its input size: pass inputShape`);
    const k = module.uniformWindow(inputShape);
    if (k === null) throw argError('spatialLayers', `${String(module)} on input ${show(inputShape)} has windows of different sizes or overlapping ones: no kernel and stride describe it`);
    return [{ kernel: k, stride: k, dilation: [1, 1], padding: [0, 0] }];
  }
  // a module that says how its children are fed (branches side by side, a residual, pooling between
  // them) is not one list of layers: summary follows its flow
  if (module.childInputs !== Module.prototype.childInputs) {
    throw argError('spatialLayers', `${module.constructor.name}'s children do not run one after another (see its childInputs): no one list of layers describes it; summary(model, inputShape) gives its receptive fields`);
  }
  let shape = inputShape;
  return module.namedChildren().flatMap(([, child]) => {
    const layers = spatialLayers(child, shape);
    if (shape !== undefined) shape = child.outputShape(shape);
    return layers;
  });
}

/** The receptive field after `layer`, given the field before it. */
export function nextField(before: ReceptiveField, layer: SpatialLayer): ReceptiveField {
  const along = (f: (d: 0 | 1) => number): [number, number] => [f(0), f(1)];
  return {
    size: along((d) => before.size[d] + (effectiveKernelSize(layer.kernel[d], layer.dilation[d]) - 1) * before.jump[d]),
    jump: along((d) => before.jump[d] * layer.stride[d]),
    start: along((d) => before.start[d] - layer.padding[d] * before.jump[d]),
  };
}

/** Checks spatial layers given by hand: positive kernel, stride and dilation pairs, integer padding. */
function checkLayers(where: string, layers: unknown): SpatialLayer[] {
  if (!Array.isArray(layers)) throw argError(where, `layers must be an array, got ${show(layers)}`);
  layers.forEach((layer: Partial<SpatialLayer>, i) => {
    const pairOf = (value: unknown, min: number) => Array.isArray(value) && value.length === 2 && value.every((v) => isInt(v) && v >= min);
    if (layer === null || typeof layer !== 'object' || !pairOf(layer.kernel, 1) || !pairOf(layer.stride, 1) || !pairOf(layer.dilation, 1) || !pairOf(layer.padding, -Infinity)) {
      throw argError(where, `layer ${i} must have kernel, stride and dilation as pairs of positive integers and padding as a pair of integers, got ${show(layer)}`);
    }
  });
  return layers as SpatialLayer[];
}

/** The receptive field after each layer of `layers`, from the input onward. */
export function receptiveFields(layers: SpatialLayer[]): ReceptiveField[] {
  checkLayers('receptiveFields', layers);
  const fields: ReceptiveField[] = [];
  let field = IDENTITY_FIELD;
  for (const layer of layers) {
    field = nextField(field, layer);
    fields.push(field);
  }
  return fields;
}

/**
 * The most positions a coverage map may hold (2048 x 2048), and the most tap additions its counting may
 * take along one dimension: a map's size and work follow from the layers, so a stack with huge rates is
 * refused before anything is allocated.
 */
export const MAX_COVERAGE_POSITIONS = 2 ** 22;
export const MAX_COVERAGE_WORK = 2 ** 26;

/** Refuses a stack whose 1-D coverage along `dim` would pass MAX_COVERAGE_WORK; returns the field's size along it. */
function checkCoverage1d(where: string, layers: SpatialLayer[], dim: 0 | 1): number {
  let length = 1;
  let work = 0;
  for (let l = layers.length - 1; l >= 0; l--) {
    const { kernel, stride, dilation } = layers[l];
    work += length * kernel[dim];
    length = (length - 1) * stride[dim] + (kernel[dim] - 1) * dilation[dim] + 1;
    if (work + length > MAX_COVERAGE_WORK) {
      throw argError(where, `the coverage map of these ${layers.length} layers spans more than ${MAX_COVERAGE_WORK} positions or tap additions along ${dim === 0 ? 'the height' : 'the width'} (kernels, strides or dilations too large); receptiveFields gives the field's size without the map`);
    }
  }
  return length;
}

/**
 * Paths from one output position back to each input offset along one dimension: taps of layer `l` sit
 * at `s_l * o + t * d_l` for `t = 0..k_l-1`. Index 0 is the field's first position.
 */
function coverage1d(layers: SpatialLayer[], dim: 0 | 1): Float64Array {
  let counts = Float64Array.of(1);
  for (let l = layers.length - 1; l >= 0; l--) {
    const { kernel, stride, dilation } = layers[l];
    const next = new Float64Array((counts.length - 1) * stride[dim] + (kernel[dim] - 1) * dilation[dim] + 1);
    counts.forEach((c, o) => {
      for (let t = 0; t < kernel[dim]; t++) next[o * stride[dim] + t * dilation[dim]] += c;
    });
    counts = next;
  }
  return counts;
}

/** Holes of the 2-D map without building it: a position is reached where both its row and its column are. */
function holesOf(rows: Float64Array, cols: Float64Array): number {
  const reached = (counts: Float64Array) => counts.reduce((n, c) => n + (c > 0 ? 1 : 0), 0);
  return rows.length * cols.length - reached(rows) * reached(cols);
}

export interface CoverageMap {
  /** `[h, w]`: the receptive field's size. */
  size: [number, number];
  /** `counts[y][x]`: paths from the output position to input offset (y, x) of the field; 0 is a hole. */
  counts: number[][];
  /** Positions of the field that no path reaches. */
  holes: number;
}

/**
 * Which input positions reach one output position through `layers` (away from image borders), with the
 * number of paths to each. A kernel's taps form a grid, so the 2-D count is the product of the 1-D ones.
 */
export function coverageMap(layers: SpatialLayer[]): CoverageMap {
  checkLayers('coverageMap', layers);
  const size: [number, number] = [checkCoverage1d('coverageMap', layers, 0), checkCoverage1d('coverageMap', layers, 1)];
  if (size[0] * size[1] > MAX_COVERAGE_POSITIONS) {
    throw argError('coverageMap', `the receptive field is ${size[0]}x${size[1]}, more than the ${MAX_COVERAGE_POSITIONS} positions (2048x2048) a coverage map may hold; receptiveFields gives its size without the map`);
  }
  const rows = coverage1d(layers, 0);
  const cols = coverage1d(layers, 1);
  const counts = Array.from(rows, (r) => Array.from(cols, (c) => r * c));
  return { size, counts, holes: holesOf(rows, cols) };
}

/** `counts` as text: `#` where input reaches the output, `.` for a hole. */
export function formatCoverage(map: CoverageMap): string {
  return map.counts.map((row) => row.map((c) => (c > 0 ? '#' : '.')).join(' ')).join('\n');
}

/** A stack of `rates.length` square `kernelSize` convolutions with stride 1 and those dilations. */
export function dilatedStack(kernelSize: number, rates: readonly number[]): SpatialLayer[] {
  if (!isInt(kernelSize) || kernelSize < 1) throw argError('dilatedStack', `kernelSize must be a positive integer, got ${show(kernelSize)}`);
  if (!Array.isArray(rates) || !rates.every((r) => isInt(r) && r >= 1)) {
    throw argError('dilatedStack', `rates must be a list of positive integers, got ${show(rates)}`);
  }
  return rates.map((r) => ({ kernel: [kernelSize, kernelSize], stride: [1, 1], dilation: [r, r], padding: [r * Math.floor(kernelSize / 2), r * Math.floor(kernelSize / 2)] }));
}

export interface HdcResult {
  kernelSize: number;
  rates: number[];
  /** `M[i]` is Wang et al.'s M_{i+1}: the largest gap between taps seen from layer i+1 upward. */
  M: number[];
  /** Wang et al.'s design goal `M_2 <= K` (true for a single layer). */
  goalMet: boolean;
  /** The rates' greatest common factor when it exceeds 1: such stacks grid whatever M says. */
  commonFactor: number | null;
  /** The rule's verdict: goal met and no common factor. */
  satisfied: boolean;
  /** Holes in the exact coverage map of the same stack, for comparison. */
  holes: number;
}

/** The holes of a square stack's coverage map, counted from its rows and columns (checked as coverageMap checks them, without the 2-D map's limit). */
function stackHoles(layers: SpatialLayer[]): number {
  checkCoverage1d('hdc', layers, 0);
  const line = coverage1d(layers, 0);
  return holesOf(line, line);
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Wang et al.'s hybrid-dilated-convolution rule (WACV 2018, arXiv:1702.08502) for rates `r_1..r_n` of
 * kernel `K`: `M_n = r_n`, `M_i = max(M_{i+1} - 2 r_i, M_{i+1} - 2 (M_{i+1} - r_i), r_i)`, goal `M_2 <= K`,
 * and no common factor > 1; checked against the coverage map.
 */
export function hdc(kernelSize: number, rates: readonly number[]): HdcResult {
  if (!isInt(kernelSize) || kernelSize < 2) throw argError('hdc', `kernelSize must be an integer >= 2, got ${show(kernelSize)}`);
  if (!Array.isArray(rates) || rates.length === 0 || !rates.every((r) => isInt(r) && r >= 1)) {
    throw argError('hdc', `rates must be a non-empty list of positive integers, got ${show(rates)}`);
  }
  const n = rates.length;
  const M = new Array<number>(n);
  M[n - 1] = rates[n - 1];
  for (let i = n - 2; i >= 0; i--) {
    M[i] = Math.max(M[i + 1] - 2 * rates[i], M[i + 1] - 2 * (M[i + 1] - rates[i]), rates[i]);
  }
  const goalMet = n < 2 || M[1] <= kernelSize;
  const factor = rates.reduce(gcd);
  const commonFactor = factor > 1 ? factor : null;
  return {
    kernelSize, rates: [...rates], M, goalMet, commonFactor,
    satisfied: goalMet && commonFactor === null,
    holes: stackHoles(dilatedStack(kernelSize, rates)),
  };
}
