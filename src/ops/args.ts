/** Normalisation of the argument forms PyTorch accepts: an int or a pair, options objects. */
import { argError, isInt, show } from '../errors.js';
import { Tensor } from '../tensor.js';

/** An integer, or one per spatial dimension `[h, w]`, as PyTorch's `_pair` accepts. */
export type IntOrPair = number | readonly [number, number] | readonly [number];

/** Resolves an int or `[h, w]` (or `[x]`, as PyTorch also takes) to `[h, w]` of integers >= `min` (-Infinity: any). */
export function pair(where: string, name: string, value: unknown, min: number): [number, number] {
  const values = typeof value === 'number' ? [value, value] : Array.isArray(value) && value.length === 1 ? [value[0], value[0]] : value;
  if (!Array.isArray(values) || values.length !== 2 || !values.every(isInt)) {
    throw argError(where, `${name} must be an integer or a pair [h, w] of integers, got ${show(value)}`);
  }
  if (values.some((v) => v < min)) {
    const rule = min === 0 ? 'non-negative' : min === 1 ? 'positive' : `>= ${min}`;
    throw argError(where, `${name} must be ${rule}, got ${show(value)}`);
  }
  return [values[0], values[1]];
}

/** A positive integer count (channels, groups). */
export function positiveInt(where: string, name: string, value: unknown): number {
  if (!isInt(value) || value <= 0) throw argError(where, `${name} must be a positive integer, got ${show(value)}`);
  return value;
}

/** Rejects keys an options object does not know, so a typo (`strides`) is not silently ignored. */
export function checkOptions(where: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw argError(where, `options must be an object, got ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw argError(where, `unknown option ${show(key)}; expected one of ${known.join(', ')}`);
    }
  }
}

export function checkTensor(where: string, name: string, value: unknown): Tensor {
  if (!(value instanceof Tensor)) throw argError(where, `${name} must be a Tensor, got ${show(value)}`);
  return value;
}
