import { record } from '../autograd/record.js';
import { backend } from '../backend/registry.js';
import { Tensor } from '../tensor.js';
import { checkTensor } from './args.js';
import { outputArray } from './output.js';

/** `max(x, 0)` elementwise, like `torch.relu`; NaN stays NaN. */
export function relu(input: Tensor): Tensor {
  checkTensor('relu', 'input', input);
  const output = outputArray(input.numel);
  backend().relu(input.data, output);
  const y = new Tensor(output, input.shape);
  return record('ReluBackward0', [input], y, (grad) => [new Tensor(reluBackward(y.data, grad.data), y.shape)]);
}

/**
 * dL/dx of a ReLU from its output y and dL/dy, as torch's `threshold_backward(grad, y, 0)`: what `relu`'s
 * backward and a convolution's fused ReLU run.
 */
export function reluBackward(output: Float32Array, gradOutput: Float32Array): Float32Array {
  const grad = outputArray(output.length);
  if (grad.length > 0) backend().reluGrad(output, gradOutput, grad);
  return grad;
}
