import { relu } from '../ops/relu.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** `max(x, 0)` as a layer, like `nn.ReLU()`: the non-linearity after a 1x1 convolution. */
export class ReLU extends Module {
  forward(input: Tensor): Tensor {
    return relu(input);
  }

  toJSON(): object {
    return { type: 'ReLU' };
  }

  override outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }
}
