/**
 * The data convkit works on: a contiguous, row-major float32 array with a shape (NCHW for images).
 */
import { argError, isInt, show } from './errors.js';
import { defaultGenerator, type Generator } from './random.js';

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

export class Tensor {
  /** The elements in row-major order. Writing to it changes the tensor. */
  readonly data: Float32Array;
  readonly shape: Shape;
  /** The number of elements: the product of the sizes (1 for a scalar of shape `[]`). */
  readonly numel: number;

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

  get ndim(): number {
    return this.shape.length;
  }

  /** A tensor sharing this one's data with another shape of the same number of elements; one size may be -1. */
  reshape(shape: readonly number[]): Tensor {
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
    return new Tensor(this.data, checked);
  }

  /** A tensor with its own copy of the data. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
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

/** A tensor of `shape` holding `values` (numbers in row-major order, or nested arrays). */
export function tensor(values: ArrayLike<number> | NestedArray, shape?: readonly number[]): Tensor {
  if (typeof values === 'number' || (Array.isArray(values) && values.some(Array.isArray))) {
    const { flat, inferred } = flatten(values as NestedArray);
    if (shape !== undefined && !sameShape(checkShape('tensor', shape), inferred)) {
      throw argError('tensor', `nested values have shape ${show(inferred)} but shape ${show(shape)} was given`);
    }
    return new Tensor(Float32Array.from(flat), inferred);
  }
  const flat = values as ArrayLike<number>;
  return new Tensor(Float32Array.from(flat), shape ?? [flat.length]);
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
  const checked = checkShape('full', shape);
  return new Tensor(new Float32Array(numelOf(checked)).fill(value), checked);
}

export function zeros(shape: readonly number[]): Tensor {
  return full(shape, 0);
}

export function ones(shape: readonly number[]): Tensor {
  return full(shape, 1);
}

/** Uniform samples in [0, 1), like `torch.rand`. */
export function rand(shape: readonly number[], generator: Generator = defaultGenerator): Tensor {
  return sample('rand', shape, () => generator.uniform());
}

/** Standard normal samples, like `torch.randn`. */
export function randn(shape: readonly number[], generator: Generator = defaultGenerator): Tensor {
  return sample('randn', shape, () => generator.normal());
}

/** Uniform samples in [low, high), like `torch.empty(shape).uniform_(low, high)`. */
export function uniform(shape: readonly number[], low: number, high: number, generator: Generator = defaultGenerator): Tensor {
  if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) {
    throw argError('uniform', `expected finite low <= high, got low=${low}, high=${high}`);
  }
  return sample('uniform', shape, () => low + (high - low) * generator.uniform());
}

function sample(where: string, shape: readonly number[], draw: () => number): Tensor {
  const checked = checkShape(where, shape);
  const data = new Float32Array(numelOf(checked));
  for (let i = 0; i < data.length; i++) data[i] = draw();
  return new Tensor(data, checked);
}
