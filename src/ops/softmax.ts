/** `softmax` and `logSoftmax` along one dimension, as `torch.softmax` and `torch.log_softmax`. */
import type { AxisGeometry, SoftmaxGeometry } from '../backend/backend.js';
import { record } from '../autograd/record.js';
import { backend } from '../backend/registry.js';
import { argError, isInt, show } from '../errors.js';
import { numelOf, Tensor, type Shape } from '../tensor.js';
import { checkTensor } from './args.js';
import { outputArray } from './output.js';

/**
 * `shape` read as outer x size x inner around dimension `dim` (negative counts from the end; a 0-d
 * tensor takes 0 or -1 and is one line of one element, as in torch).
 */
export function axisGeometry(where: string, shape: Shape, dim: unknown): AxisGeometry {
  const span = Math.max(shape.length, 1);
  if (!isInt(dim)) throw argError(where, `dim must be an integer, got ${show(dim)}`);
  if (dim < -span || dim >= span) throw argError(where, `Dimension out of range (expected to be in range of [${-span}, ${span - 1}], but got ${dim})`);
  const d = dim < 0 ? dim + span : dim;
  return { outer: numelOf(shape.slice(0, d)), size: shape[d] ?? 1, inner: numelOf(shape.slice(d + 1)) };
}

function run(where: string, name: string, input: Tensor, dim: number, log: boolean): Tensor {
  checkTensor(where, 'input', input);
  const geom: SoftmaxGeometry = { ...axisGeometry(where, input.shape, dim), log };
  const out = outputArray(input.numel);
  if (out.length > 0) backend().softmax(geom, input.data, out);
  const y = new Tensor(out, input.shape);
  // both derivatives need only the output, as torch's do
  return record(name, [input], y, (grad) => {
    const gradInput = outputArray(y.numel);
    if (gradInput.length > 0) backend().softmaxGrad(geom, y.data, grad.data, gradInput);
    return [new Tensor(gradInput, y.shape)];
  });
}

/**
 * `exp(x) / sum(exp(x))` along `dim` (negative counts from the end), like `torch.softmax(input, dim)`:
 * each line's maximum is subtracted first, so large inputs do not overflow. Differentiable.
 * @example
 * softmax(tensor([[1, 2, 3]]), 1).data; // [0.0900, 0.2447, 0.6652]
 */
export function softmax(input: Tensor, dim: number): Tensor {
  return run('softmax', 'SoftmaxBackward0', input, dim, false);
}

/**
 * `log(softmax(x))` along `dim`, computed as `x - max - log(sum(exp(x - max)))`, like
 * `torch.log_softmax(input, dim)`: finite where softmax underflows to 0. Differentiable.
 */
export function logSoftmax(input: Tensor, dim: number): Tensor {
  return run('logSoftmax', 'LogSoftmaxBackward0', input, dim, true);
}
