/** PyTorch's broadcasting: shapes aligned from the right, a size 1 stretched to match the other. */
import type { BinaryOp } from '../backend/backend.js';
import { backend } from '../backend/registry.js';
import { argError, show } from '../errors.js';
import { numelOf, Tensor, type Shape } from '../tensor.js';
import { outputArray } from './output.js';

/** The shape `a` and `b` broadcast to; throws where a pair of sizes differs and neither is 1. */
export function broadcastShapes(where: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, d) => {
    const sa = a[d - rank + a.length] ?? 1;
    const sb = b[d - rank + b.length] ?? 1;
    if (sa !== sb && sa !== 1 && sb !== 1) {
      throw argError(where, `the size of tensor a (${sa}) must match the size of tensor b (${sb}) at non-singleton dimension ${d} (shapes ${show(a)} and ${show(b)})`);
    }
    return sa === 1 ? sb : sa;
  });
}

/** Each dimension's step through a contiguous operand of `shape` read as `target`: 0 where it broadcasts. */
function stridesFor(shape: Shape, target: Shape): number[] {
  const strides = new Array<number>(target.length).fill(0);
  for (let d = target.length - 1, step = 1; d >= target.length - shape.length; d--) {
    const size = shape[d - target.length + shape.length];
    if (size !== 1) strides[d] = step;
    step *= size;
  }
  return strides;
}

/** `a op b` elementwise over `shape`, which both broadcast to. */
export function broadcastBinary(op: BinaryOp, a: Tensor, b: Tensor, shape: Shape): Tensor {
  const out = outputArray(numelOf(shape), op, shape);
  if (out.length > 0) backend().binary(op, { shape, aStrides: stridesFor(a.shape, shape), bStrides: stridesFor(b.shape, shape) }, a.data, b.data, out);
  return new Tensor(out, shape);
}

/** A 0-d tensor. */
export function scalar(value: number): Tensor {
  return new Tensor(Float32Array.of(value), []);
}

/**
 * The gradient of a broadcast operand: `grad` (of the broadcast shape) summed over the dimensions the
 * operand was stretched along, as PyTorch's `sum_to`.
 */
export function sumTo(grad: Tensor, shape: Shape): Tensor {
  const lead = grad.ndim - shape.length;
  const reduced = grad.shape.map((size, d) => d < lead || (shape[d - lead] === 1 && size !== 1));
  if (!reduced.includes(true)) return grad.reshape(shape);
  const out = outputArray(numelOf(shape));
  if (grad.numel > 0 || out.length > 0) backend().reduceSum({ shape: grad.shape, reduced, divisor: 1 }, grad.data, out);
  return new Tensor(out, shape);
}
