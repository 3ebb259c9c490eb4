/** `add`, `sub`, `mul`, `div`: elementwise, with PyTorch's broadcasting and derivatives. */
import type { BinaryOp } from '../backend/backend.js';
import { record } from '../autograd/record.js';
import { argError, show } from '../errors.js';
import { Tensor } from '../tensor.js';
import { broadcastBinary, broadcastShapes, scalar, sumTo } from './broadcast.js';

/** A tensor, or a number taken as a 0-d tensor that requires no grad. */
export type Operand = Tensor | number;

function operand(where: string, name: string, value: unknown): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value === 'number') return scalar(value);
  throw argError(where, `${name} must be a Tensor or a number, got ${show(value)}`);
}

/**
 * dL/da and dL/db of `a op b` from dL/dout, before summing over broadcast dimensions; each computed only
 * where needed (PyTorch's derivatives.yaml: add and sub pass the gradient, mul multiplies by the other
 * operand, div divides by b and gives b -grad * ((a / b) / b), in that order: b * b would overflow or
 * underflow where a / b does not).
 */
const DERIVATIVES: Record<BinaryOp, (grad: Tensor, a: Tensor, b: Tensor, needs: readonly boolean[]) => [Tensor | null, Tensor | null]> = {
  add: (grad) => [grad, grad],
  sub: (grad, _a, _b, needs) => [grad, needs[1] ? mul(grad, -1) : null],
  mul: (grad, a, b, needs) => [needs[0] ? mul(grad, b) : null, needs[1] ? mul(grad, a) : null],
  div: (grad, a, b, needs) => [needs[0] ? div(grad, b) : null, needs[1] ? mul(mul(grad, -1), div(div(a, b), b)) : null],
};

const NAMES: Record<BinaryOp, string> = { add: 'AddBackward0', sub: 'SubBackward0', mul: 'MulBackward0', div: 'DivBackward0' };

function binaryOp(op: BinaryOp, first: Operand, second: Operand): Tensor {
  const a = operand(op, 'input', first);
  const b = operand(op, 'other', second);
  const out = broadcastBinary(op, a, b, broadcastShapes(op, a.shape, b.shape));
  // add and sub need only the shapes: they keep no operand alive
  const saves = op === 'mul' || op === 'div';
  const saved = saves ? [a, b] : [scalar(0), scalar(0)];
  const shapes = [a.shape, b.shape];
  return record(NAMES[op], [a, b], out, (grad, needs) => {
    const [ga, gb] = DERIVATIVES[op](grad, saved[0], saved[1], needs);
    return [ga && sumTo(ga, shapes[0]), gb && sumTo(gb, shapes[1])];
  }, saves);
}

/**
 * `a + b` elementwise, broadcasting as PyTorch does (shapes aligned from the right, sizes of 1
 * stretched); a number is taken as a 0-d tensor. Differentiable in both operands.
 * @example
 * add(ones([2, 3]), tensor([1, 2, 3])).data; // [2, 3, 4, 2, 3, 4]
 */
export function add(a: Operand, b: Operand): Tensor {
  return binaryOp('add', a, b);
}

/** `a - b` elementwise, broadcasting as `add`. */
export function sub(a: Operand, b: Operand): Tensor {
  return binaryOp('sub', a, b);
}

/** `a * b` elementwise, broadcasting as `add`. */
export function mul(a: Operand, b: Operand): Tensor {
  return binaryOp('mul', a, b);
}

/** `a / b` elementwise (true division), broadcasting as `add`. */
export function div(a: Operand, b: Operand): Tensor {
  return binaryOp('div', a, b);
}
