/**
 * The gradients of `conv2d` as functions, like PyTorch's `torch.nn.grad.conv2d_input` and
 * `conv2d_weight`: for a convolution whose input (or weight) is known only by its shape.
 */
import { argError, show } from '../errors.js';
import { checkShape, sameShape, Tensor, type Shape } from '../tensor.js';
import { checkTensor } from './args.js';
import { conv2dGeometry, convInputGrad, convWeightGrad, type Conv2dOptions } from './conv2d.js';

/** Resolves the convolution as `conv2d` would, with `torch.nn.grad`'s further rules: 4-D tensors, numeric padding, `gradOutput` of the output's shape. */
function gradGeometry(where: string, inputShape: Shape, weightShape: Shape, gradOutput: Tensor, options: Conv2dOptions | undefined) {
  if (inputShape.length !== 4) throw argError(where, `expected a 4-D (N, C, H, W) input, got input of shape ${show(inputShape)}`);
  if (typeof options?.padding === 'string') throw argError(where, `padding must be an integer or a pair [h, w], got ${show(options.padding)}`);
  const g = conv2dGeometry(inputShape, weightShape, null, options, where);
  const expected = [g.n, g.cOut, g.outH, g.outW];
  if (!sameShape(gradOutput.shape, expected)) {
    throw argError(where, `gradOutput must have the convolution's output shape ${show(expected)}, got ${show(gradOutput.shape)}`);
  }
  return g;
}

/**
 * The gradient of `conv2d(input, weight, null, options)` with respect to its input, for an input of
 * `inputShape`, given the gradient of its output: `torch.nn.grad.conv2d_input`. It is the transposed
 * convolution of `gradOutput` with `weight`, sized to `inputShape`.
 *
 * @param inputShape `[N, C_in, H, W]`.
 * @param gradOutput `(N, C_out, H_out, W_out)`: exactly the shape the convolution gives.
 * @throws Error naming the argument and the rule, wherever PyTorch raises.
 * @example
 * conv2dInputGrad([1, 2, 5, 5], randn([4, 2, 3, 3]), ones([1, 4, 3, 3])).shape; // [1, 2, 5, 5]
 */
export function conv2dInputGrad(inputShape: readonly number[], weight: Tensor, gradOutput: Tensor, options?: Conv2dOptions): Tensor {
  const where = 'conv2dInputGrad';
  const shape = checkShape(where, inputShape);
  checkTensor(where, 'weight', weight);
  checkTensor(where, 'gradOutput', gradOutput);
  const g = gradGeometry(where, shape, weight.shape, gradOutput, options);
  return new Tensor(convInputGrad(g, gradOutput.data, weight.data), shape);
}

/**
 * The gradient of `conv2d(input, weight, null, options)` with respect to a weight of `weightShape`,
 * given the gradient of its output: `torch.nn.grad.conv2d_weight`.
 *
 * @param weightShape `[C_out, C_in / groups, kH, kW]`.
 * @throws Error naming the argument and the rule, wherever PyTorch raises.
 */
export function conv2dWeightGrad(input: Tensor, weightShape: readonly number[], gradOutput: Tensor, options?: Conv2dOptions): Tensor {
  const where = 'conv2dWeightGrad';
  checkTensor(where, 'input', input);
  const shape = checkShape(where, weightShape);
  checkTensor(where, 'gradOutput', gradOutput);
  const g = gradGeometry(where, input.shape, shape, gradOutput, options);
  return new Tensor(convWeightGrad(g, input.data, gradOutput.data), shape);
}
