/** `sum` and `mean`, over every element or over some dimensions, as `torch.sum` and `torch.mean`. */
import { record } from '../autograd/record.js';
import { backend } from '../backend/registry.js';
import { argError, isInt, show } from '../errors.js';
import { numelOf, Tensor, type Shape } from '../tensor.js';
import { checkTensor } from './args.js';
import { broadcastBinary, scalar } from './broadcast.js';
import { outputArray } from './output.js';

/** A dimension or a list of them; negative ones count from the end. Undefined or `[]`: all of them. */
export type Dims = number | readonly number[];

/** Which dimensions of a tensor of rank `rank` are reduced, with PyTorch's checks. */
function reducedDims(where: string, rank: number, dims: unknown): boolean[] {
  const list = dims === undefined ? [] : typeof dims === 'number' ? [dims] : dims;
  if (!Array.isArray(list) || !list.every(isInt)) throw argError(where, `dim must be an integer or a list of integers, got ${show(dims)}`);
  if (list.length === 0) return new Array<boolean>(rank).fill(true);
  const span = Math.max(rank, 1); // a 0-d tensor takes dim 0 or -1, as in PyTorch
  const reduced = new Array<boolean>(span).fill(false);
  for (const dim of list as number[]) {
    if (dim < -span || dim >= span) throw argError(where, `dimension out of range (expected to be in range of [${-span}, ${span - 1}], but got ${dim})`);
    const d = dim < 0 ? dim + span : dim;
    if (reduced[d]) throw argError(where, `dim ${d} appears multiple times in the list of dims`);
    reduced[d] = true;
  }
  return reduced.slice(0, rank);
}

function reduce(where: string, name: string, input: Tensor, dims: Dims | undefined, keepdim: boolean, mean: boolean): Tensor {
  checkTensor(where, 'input', input);
  if (typeof keepdim !== 'boolean') throw argError(where, `keepdim must be true or false, got ${show(keepdim)}`);
  const reduced = reducedDims(where, input.ndim, dims);
  const count = numelOf(input.shape.filter((_, d) => reduced[d]));
  const kept: Shape = input.shape.map((size, d) => (reduced[d] ? 1 : size));
  const outShape = keepdim ? kept : input.shape.filter((_, d) => !reduced[d]);
  const out = outputArray(numelOf(outShape));
  if (out.length > 0) backend().reduceSum({ shape: input.shape, reduced, divisor: mean ? count : 1 }, input.data, out);
  // backward spreads the gradient over the reduced elements (divided by their count for a mean)
  const shape = input.shape;
  return record(name, [input], new Tensor(out, outShape), (grad) => [
    broadcastBinary(mean ? 'div' : 'mul', grad.reshape(kept), scalar(mean ? count : 1), shape),
  ], mean && dims !== undefined); // torch's mean over dims saves its input (a second pass is refused), a sum or a whole mean nothing
}

/**
 * The sum of all elements (a 0-d tensor), or over `dim` (one dimension or a list; negative counts from
 * the end), keeping the reduced dimensions as size 1 when `keepdim`, like `torch.sum`. Differentiable.
 * @example
 * sum(tensor([[1, 2], [3, 4]]), 1).data; // [3, 7]
 */
export function sum(input: Tensor, dim?: Dims, keepdim = false): Tensor {
  return reduce('sum', dim === undefined ? 'SumBackward0' : 'SumBackward1', input, dim, keepdim, false);
}

/** The mean of all elements, or over `dim`, like `torch.mean` (NaN over no elements). Differentiable. */
export function mean(input: Tensor, dim?: Dims, keepdim = false): Tensor {
  return reduce('mean', dim === undefined ? 'MeanBackward0' : 'MeanBackward1', input, dim, keepdim, true);
}
