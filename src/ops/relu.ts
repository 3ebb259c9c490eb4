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
  return record('ReluBackward0', [input], y, (grad) => {
    const gradInput = outputArray(y.numel);
    backend().reluGrad(y.data, grad.data, gradInput);
    return [new Tensor(gradInput, y.shape)];
  });
}
