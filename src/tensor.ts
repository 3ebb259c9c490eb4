/**
 * The data convkit works on: a contiguous, row-major float32 array with a shape (NCHW for images).
 */
import { runBackward, type BackwardOptions } from './autograd/engine.js';
import type { Node } from './autograd/node.js';
import { record } from './autograd/record.js';
import { argError, isInt, show } from './errors.js';
import { defaultGenerator, Generator } from './random.js';

export type Shape = readonly number[];

/** Nested arrays of numbers, as `Tensor.toArray()` returns them. */
export type NestedArray = number | NestedArray[];

export function checkShape(where: string, shape: unknown): readonly number[] {
  if (!Array.isArray(shape)) throw argError(where, `shape must be an array of sizes, got ${show(shape)}`);
  for (const size of shape) {
    if (!isInt(size) || size < 0) {
      throw argError(where, `shape must hold non-negative integer sizes, got ${show(shape)}`);
    }
  }
  return Object.freeze([...shape]);
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}

export function numelOf(shape: Shape): number {
  return shape.reduce((product, size) => product * size, 1);
}

/**
 * The most elements one tensor may hold: 2^30, 4 GiB of float32. The wasm backend addresses 4 GiB in
 * all and Node's Buffer allocates at most 4 GiB, so no op could run on a larger one.
 */
export const MAX_NUMEL = 2 ** 30;

/**
 * Checks that a tensor of `shape` can be allocated, before anything is: a larger one is an error
 * naming the shape and the limit, with advice that fits (splitting the batch only where there is one).
 */
export function checkNumel(where: string, shape: Shape, what = 'shape'): void {
  const numel = numelOf(shape);
  if (numel <= MAX_NUMEL) return;
  const batch = shape.length === 4 && shape[0] > 1 ? shape[0] : 0; // NCHW
  const perItem = numel / Math.max(batch, 1);
  const advice = batch > 0 && perItem <= MAX_NUMEL
    ? `split the batch of ${batch} into pieces of at most ${Math.floor(MAX_NUMEL / perItem)}`
    : 'use smaller sizes (fewer channels, a smaller image, or a larger stride)';
  throw argError(where, `${what} ${show(shape)} has ${numel.toExponential(3)} elements, more than the 1,073,741,824 (2^30, 4 GiB of float32) a convkit tensor can hold; ${advice}`);
}

/** A zeroed array for a tensor of `shape`, checked first; running out of memory is an error naming the shape. */
export function allocate(where: string, shape: Shape): Float32Array {
  checkNumel(where, shape);
  try {
    return new Float32Array(numelOf(shape));
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw argError(where, `cannot allocate ${(numelOf(shape) * 4 / 2 ** 20).toFixed(0)} MiB for shape ${show(shape)}: ${e.message}`);
  }
}

export class Tensor {
  /**
   * The elements in row-major order. Writing to it changes the tensor; where the tensor is a parameter
   * or buffer of a model run in evaluation mode, call `markChanged()` afterwards (see `version`).
   */
  readonly data: Float32Array;
  readonly shape: Shape;
  /** The number of elements: the product of the sizes (1 for a scalar of shape `[]`). */
  readonly numel: number;
  /**
   * The node of the op that computed this tensor (PyTorch's `grad_fn`), where the op recorded one (an
   * input required grad, in grad mode); null for a leaf.
   */
  readonly gradFn: Node | null = null;
  #requiresGrad = false;
  #grad: Tensor | null = null;
  #version = 0;

  /**
   * Wraps `data` (not copied) as a tensor of `shape`.
   * @throws if a size is not a non-negative integer or `data.length` is not the product of the sizes.
   */
  constructor(data: Float32Array, shape: readonly number[]) {
    if (!(data instanceof Float32Array)) {
      throw argError('Tensor', `data must be a Float32Array, got ${show(data)}`);
    }
    this.shape = checkShape('Tensor', shape);
    this.numel = numelOf(this.shape);
    if (data.length !== this.numel) {
      throw argError('Tensor', `data has ${data.length} elements but shape ${show(this.shape)} needs ${this.numel}`);
    }
    this.data = data;
  }

  /**
   * Counts the in-place changes to `data` that convkit made or was told of (PyTorch's `_version`):
   * optimiser steps, `loadStateDict`, BatchNorm's running statistics and `markChanged()`. What is derived
   * from a tensor and kept (an evaluation-mode network's folded weights) is rebuilt when it moves.
   */
  get version(): number {
    return this.#version;
  }

  /** Says that `data` was changed in place (written directly): what was derived from it is rebuilt. */
  markChanged(): this {
    this.#version++;
    return this;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Whether gradients flow to this tensor: set on a leaf with `requiresGrad_`, true for every output of an op on one. */
  get requiresGrad(): boolean {
    return this.#requiresGrad || this.gradFn !== null;
  }

  /** Whether this tensor was made by the user rather than computed by a recorded op: only leaves get a `grad`. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /**
   * The gradient that `backward` accumulated into this leaf (summed over calls until reset, as in
   * PyTorch), or null. May be set to null, or to a tensor of this tensor's shape.
   */
  get grad(): Tensor | null {
    return this.#grad;
  }

  set grad(value: Tensor | null) {
    if (value !== null && !(value instanceof Tensor)) throw argError('grad', `must be a Tensor or null, got ${show(value)}`);
    if (value !== null && !sameShape(value.shape, this.shape)) {
      throw argError('grad', `assigned grad has data of a different size: shape ${show(value.shape)} for a tensor of shape ${show(this.shape)}`);
    }
    this.#grad = value;
  }

  /**
   * Marks this leaf as one whose gradient `backward` computes (or stops doing so), like PyTorch's
   * `requires_grad_`. Returns this tensor.
   * @throws on a computed tensor when `flag` is false: only leaves' flags can change (use `detach()`).
   */
  requiresGrad_(flag = true): this {
    if (typeof flag !== 'boolean') throw argError('requiresGrad_', `flag must be true or false, got ${show(flag)}`);
    if (!this.isLeaf) {
      if (flag) return this;
      throw argError('requiresGrad_', 'you can only change requires_grad flags of leaf variables; use detach() for a tensor that does not require grad');
    }
    this.#requiresGrad = flag;
    return this;
  }

  /** A tensor sharing this one's data, cut from the graph: a leaf that does not require grad, like `detach()`. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /**
   * Computes the gradient of this tensor with respect to every leaf of its graph that requires grad,
   * adding it to their `grad`, like PyTorch's `backward`. The graph's saved tensors are freed afterwards
   * unless `options.retainGraph`.
   * @param gradient dL/d(this tensor), of its shape; may be left out only for a tensor of one element (then 1).
   * @throws if this tensor does not require grad, `gradient` is missing for a non-scalar or has the wrong
   *   shape, or the graph was already run backward without `retainGraph`.
   */
  backward(gradient?: Tensor, options?: BackwardOptions): void {
    runBackward(this, gradient, options);
  }

  /** A tensor sharing this one's data with another shape of the same number of elements; one size may be -1. */
  reshape(shape: readonly number[]): Tensor {
    if (!Array.isArray(shape)) throw argError('reshape', `shape must be an array of sizes, got ${show(shape)}`);
    const known = shape.filter((size) => size !== -1);
    if (shape.length - known.length > 1) throw argError('reshape', `only one size may be -1, got ${show(shape)}`);
    let resolved = shape;
    if (known.length < shape.length) {
      const rest = numelOf(checkShape('reshape', known));
      if (rest === 0 || this.numel % rest !== 0) {
        throw argError('reshape', `shape ${show(shape)} is invalid for a tensor of ${this.numel} elements`);
      }
      resolved = shape.map((size) => (size === -1 ? this.numel / rest : size));
    }
    const checked = checkShape('reshape', resolved);
    if (numelOf(checked) !== this.numel) {
      throw argError('reshape', `shape ${show(shape)} is invalid for a tensor of ${this.numel} elements`);
    }
    return record('ViewBackward0', [this], new Tensor(this.data, checked), (grad) => [grad.reshape(this.shape)], false);
  }

  /** A tensor with its own copy of the data (differentiable: its gradient flows back to this one). */
  clone(): Tensor {
    return record('CloneBackward0', [this], new Tensor(this.data.slice(), this.shape), (grad) => [grad], false);
  }

  /** The element at a full index, e.g. `t.get(0, 2, 1, 1)`. */
  get(...index: number[]): number {
    if (index.length !== this.shape.length) {
      throw argError('get', `expected ${this.shape.length} indices for shape ${show(this.shape)}, got ${index.length}`);
    }
    let offset = 0;
    for (let d = 0; d < index.length; d++) {
      const i = index[d];
      if (!isInt(i) || i < 0 || i >= this.shape[d]) {
        throw argError('get', `index ${show(index)} is out of bounds for shape ${show(this.shape)}`);
      }
      offset = offset * this.shape[d] + i;
    }
    return this.data[offset];
  }

  /** The elements as nested arrays, like `torch.Tensor.tolist()`. */
  toArray(): NestedArray {
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset];
      const stride = numelOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  toString(): string {
    return `Tensor(shape=${show(this.shape)})`;
  }
}

/**
 * A tensor of `shape` holding `values` (numbers in row-major order, or nested arrays).
 * @throws if a value is not a number, nested arrays are ragged, or the count does not match `shape`.
 */
export function tensor(values: ArrayLike<number> | NestedArray, shape?: readonly number[]): Tensor {
  if (typeof values === 'number' || (Array.isArray(values) && values.some(Array.isArray))) {
    const { flat, inferred } = flatten(values as NestedArray);
    if (shape !== undefined && !sameShape(checkShape('tensor', shape), inferred)) {
      throw argError('tensor', `nested values have shape ${show(inferred)} but shape ${show(shape)} was given`);
    }
    return new Tensor(numbers(flat), inferred);
  }
  if (typeof values !== 'object' || values === null || !isInt((values as ArrayLike<number>).length)) {
    throw argError('tensor', `values must be a number, an array of numbers (nested or flat) or a typed array, got ${show(values)}`);
  }
  const flat = values as ArrayLike<number>;
  if (shape !== undefined) checkNumel('tensor', checkShape('tensor', shape));
  return new Tensor(numbers(flat), shape ?? [flat.length]);
}

/** `values` as float32, refusing anything that is not a number (which would otherwise become NaN). */
function numbers(values: ArrayLike<number>): Float32Array {
  if (ArrayBuffer.isView(values) && !(values instanceof BigInt64Array || values instanceof BigUint64Array)) return Float32Array.from(values);
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'number') throw argError('tensor', `values must be numbers, got ${show(values[i])} at index ${i}`);
  }
  return Float32Array.from(values);
}

function flatten(values: NestedArray): { flat: number[]; inferred: number[] } {
  if (!Array.isArray(values)) return { flat: [values], inferred: [] };
  const parts = values.map(flatten);
  const inner = parts[0]?.inferred ?? [];
  for (const part of parts) {
    if (!sameShape(part.inferred, inner)) throw argError('tensor', 'nested values are ragged: every row must have the same shape');
  }
  return { flat: parts.flatMap((part) => part.flat), inferred: [values.length, ...inner] };
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number): Tensor {
  return filled('full', shape, value);
}

/** A tensor of `shape` filled with zeros, like `torch.zeros`. */
export function zeros(shape: readonly number[]): Tensor {
  return filled('zeros', shape, 0);
}

/** A tensor of `shape` filled with ones, like `torch.ones`. */
export function ones(shape: readonly number[]): Tensor {
  return filled('ones', shape, 1);
}

function filled(where: string, shape: readonly number[], value: number): Tensor {
  const checked = checkShape(where, shape);
  if (typeof value !== 'number') throw argError(where, `value must be a number, got ${show(value)}`);
  return new Tensor(allocate(where, checked).fill(value), checked);
}

/** Uniform samples in [0, 1), like `torch.rand`. */
export function rand(shape: readonly number[], generator: Generator = defaultGenerator): Tensor {
  return sample('rand', shape, generator, (g) => g.uniform());
}

/** Standard normal samples, like `torch.randn`. */
export function randn(shape: readonly number[], generator: Generator = defaultGenerator): Tensor {
  return sample('randn', shape, generator, (g) => g.normal());
}

/** Uniform samples in [low, high), like `torch.empty(shape).uniform_(low, high)`. */
export function uniform(shape: readonly number[], low: number, high: number, generator: Generator = defaultGenerator): Tensor {
  if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) {
    throw argError('uniform', `expected finite low <= high, got low=${show(low)}, high=${show(high)}`);
  }
  return sample('uniform', shape, generator, (g) => low + (high - low) * g.uniform());
}

function sample(where: string, shape: readonly number[], generator: Generator, draw: (generator: Generator) => number): Tensor {
  if (!(generator instanceof Generator)) throw argError(where, `generator must be a Generator, got ${show(generator)}`);
  const checked = checkShape(where, shape);
  const data = allocate(where, checked);
  for (let i = 0; i < data.length; i++) data[i] = draw(generator);
  return new Tensor(data, checked);
}
