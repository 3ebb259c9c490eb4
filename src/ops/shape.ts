/** `flatten`: `torch.flatten`, a reshape that merges a range of dimensions (differentiable as reshape is). */
import { argError, isInt, show } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkTensor } from './args.js';

/**
 * The shape `flatten(input, startDim, endDim)` gives an input of `shape`, with its errors (named for
 * `where`): what `flatten` and `Flatten`'s `outputShape` resolve.
 */
export function flattenShape(where: string, shape: readonly number[], startDim: unknown, endDim: unknown): number[] {
  const span = Math.max(shape.length, 1);
  const resolve = (name: string, dim: unknown): number => {
    if (!isInt(dim) || dim < -span || dim >= span) {
      throw argError(where, `${name}=${show(dim)} is out of range (expected an integer in [${-span}, ${span - 1}])`);
    }
    return dim < 0 ? dim + span : dim;
  };
  const start = resolve('startDim', startDim);
  const end = resolve('endDim', endDim);
  if (start > end) throw argError(where, `startDim (${startDim}) cannot come after endDim (${endDim})`);
  if (shape.length === 0) return [1];
  const merged = shape.slice(start, end + 1).reduce((a, b) => a * b, 1);
  return [...shape.slice(0, start), merged, ...shape.slice(end + 1)];
}

/**
 * Merges dimensions `startDim` to `endDim` (inclusive; negative counts from the end) into one, like
 * `torch.flatten(input, start_dim, end_dim)`; a 0-d tensor becomes 1-D.
 * @example
 * flatten(zeros([2, 3, 4, 5]), 1).shape; // [2, 60]
 */
export function flatten(input: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor('flatten', 'input', input);
  return input.reshape(flattenShape('flatten', input.shape, startDim, endDim));
}
