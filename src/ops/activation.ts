/** `relu6` and `hardswish`: elementwise activations with their derivatives, as torch 1.13 computes them. */
import { record } from '../autograd/record.js';
import type { UnaryActivation } from '../backend/backend.js';
import { backend } from '../backend/registry.js';
import { Tensor } from '../tensor.js';
import { checkTensor } from './args.js';
import { outputArray } from './output.js';

/** The node torch records for each: relu6 is hardtanh(x, 0, 6). */
const NODE: Record<UnaryActivation, string> = { relu6: 'HardtanhBackward0', hardswish: 'HardswishBackward0' };

function unary(kind: UnaryActivation, input: Tensor): Tensor {
  checkTensor(kind, 'input', input);
  const output = outputArray(input.numel);
  if (output.length > 0) backend().activation(kind, input.data, output);
  return record(NODE[kind], [input], new Tensor(output, input.shape), (grad) => {
    const gradInput = outputArray(input.numel);
    if (gradInput.length > 0) backend().activationGrad(kind, input.data, grad.data, gradInput);
    return [new Tensor(gradInput, input.shape)];
  });
}

/**
 * `min(max(x, 0), 6)` elementwise, like `torch.nn.functional.relu6` (torch's `hardtanh(x, 0, 6)`): NaN
 * stays NaN and -0 stays -0. The gradient passes where 0 < x < 6 and is 0 at 0 and 6 themselves, and
 * for NaN, as torch's vectorised `hardtanh_backward` (its scalar loop, which takes the last elements of
 * a tensor, passes a NaN's). Not in place: torch's `inplace` is not supported.
 * @example
 * relu6(tensor([-1, 3, 8])).data; // [0, 3, 6]
 */
export function relu6(input: Tensor): Tensor {
  return unary('relu6', input);
}

/**
 * `x * relu6(x + 3) / 6` elementwise, like `torch.nn.functional.hardswish` (MobileNetV3's activation),
 * rounded in torch's order; `hardswish(-inf)` is NaN (`-inf * 0`), as in torch. The gradient is 0 below
 * -3, `grad * (x / 3 + 0.5)` from -3 to 3 (-3 included), `grad` from 3 on, as torch's vectorised
 * `hardswish_backward` (its scalar loop, for the last elements of a tensor, gives `1.5 * grad` at 3 and
 * `grad` for NaN where this gives NaN). Not in place: torch's `inplace` is not supported.
 * @example
 * hardswish(tensor([-4, 1, 4])).data; // [-0, 0.6666667, 4]
 */
export function hardswish(input: Tensor): Tensor {
  return unary('hardswish', input);
}
