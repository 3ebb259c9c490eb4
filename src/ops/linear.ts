/** `linear`: `y = x W^T + b` over the last dimension, as `torch.nn.functional.linear`. */
import { record } from '../autograd/record.js';
import { backend } from '../backend/registry.js';
import { argError, show } from '../errors.js';
import { add } from './arithmetic.js';
import { numelOf, Tensor, type Shape } from '../tensor.js';
import { checkTensor } from './args.js';
import { broadcastBinary, sumTo } from './broadcast.js';
import { outputArray } from './output.js';

const WHERE = 'linear';

/** `op(a) @ op(b)` as a fresh `m x n` array. */
function product(m: number, n: number, k: number, transA: boolean, transB: boolean, a: Float32Array, b: Float32Array): Float32Array {
  const out = outputArray(m * n);
  if (out.length > 0) backend().matmul({ m, n, k, transA, transB }, a, b, out);
  return out;
}

/** Whether a tensor of `shape` broadcasts to `target` without changing it (torch's `expand`). */
function expandsTo(shape: Shape, target: Shape): boolean {
  const lead = target.length - shape.length;
  return lead >= 0 && shape.every((size, d) => size === 1 || size === target[lead + d]);
}

/**
 * Applies a linear transformation to the last dimension of `input`, like `torch.nn.functional.linear`:
 * `input` `(*, inFeatures)` (any leading dimensions, or none), `weight` `(outFeatures, inFeatures)`, and
 * `bias` `(outFeatures)` (or another shape that broadcasts to the product's, as torch's addmm takes) give
 * `(*, outFeatures)`. A 1-D `weight` `(inFeatures)` gives `(*)`, as torch's matmul does.
 * Differentiable in all three.
 * @example
 * linear(ones([2, 3]), ones([4, 3]), zeros([4])).shape; // [2, 4]
 * @throws if `input` is 0-d, `weight` has more than 2 dimensions, the sizes do not match, or `bias` does
 *   not broadcast to the output.
 */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor(WHERE, 'input', input);
  checkTensor(WHERE, 'weight', weight);
  const b = bias ?? null;
  if (b !== null) checkTensor(WHERE, 'bias', b);
  if (input.ndim === 0 || weight.ndim === 0) {
    throw argError(WHERE, `both arguments to matmul need to be at least 1D, but they are ${input.ndim}D and ${weight.ndim}D`);
  }
  if (weight.ndim > 2) throw argError(WHERE, `weight must be 1-D or 2-D (t() expects a tensor with <= 2 dimensions), but it is ${weight.ndim}D`);
  if (weight.ndim === 1) {
    // torch's matmul by a vector, then the bias added in place where the input is not 2-D or 3-D (those go to addmm, which refuses a vector)
    if (b !== null && (input.ndim === 2 || input.ndim === 3)) throw argError(WHERE, 'a 1-D weight takes no bias with a 2-D or 3-D input (mat2 must be a matrix, got 1-D tensor)');
    const lead = input.shape.slice(0, -1);
    if (b !== null && !expandsTo(b.shape, lead)) throw argError(WHERE, `bias of shape ${show(b.shape)} does not broadcast to the product's shape ${show(lead)}`);
    const y = linear(input, weight.reshape([1, weight.shape[0]])).reshape(lead);
    return b === null ? y : add(y, b);
  }
  const [outFeatures, inFeatures] = weight.shape;
  const lead = input.shape.slice(0, -1);
  const rows = numelOf(lead);
  if (input.shape[input.ndim - 1] !== inFeatures) {
    throw argError(WHERE, `mat1 and mat2 shapes cannot be multiplied (${rows}x${input.shape[input.ndim - 1]} and ${inFeatures}x${outFeatures}): input ${show(input.shape)}, weight ${show(weight.shape)}`);
  }
  const outShape = [...lead, outFeatures];
  // torch 1.13 adds the bias to a 2-D or 3-D input's product as (rows, out) (addmm), to others' in their shape
  const biasShape = input.ndim === 2 || input.ndim === 3 ? [rows, outFeatures] : outShape;
  if (b !== null && !expandsTo(b.shape, biasShape)) {
    throw argError(WHERE, `bias of shape ${show(b.shape)} does not broadcast to the product's shape ${show(biasShape)}`);
  }
  const xw = product(rows, outFeatures, inFeatures, false, true, input.data, weight.data);
  const y = new Tensor(b === null ? xw : broadcastBinary('add', new Tensor(xw, biasShape), b, biasShape).data, outShape);
  const inputShape = input.shape;
  return record(b === null ? 'MmBackward0' : 'AddmmBackward0', [input, weight, b], y, (grad, needs) => [
    // dx = dy W, dW = dy^T x, db = dy summed to the bias's shape
    needs[0] ? new Tensor(product(rows, inFeatures, outFeatures, false, false, grad.data, weight.data), inputShape) : null,
    needs[1] ? new Tensor(product(outFeatures, inFeatures, rows, true, false, grad.data, input.data), weight.shape) : null,
    needs[2] && b !== null ? sumTo(grad.reshape(biasShape), b.shape) : null,
  ]);
}
