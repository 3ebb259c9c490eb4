import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** Returns its input itself, like `nn.Identity()`: a placeholder where a model may or may not have a layer. */
export class Identity extends Module {
  forward(input: Tensor): Tensor {
    return input;
  }

  toJSON(): object {
    return { type: 'Identity' };
  }

  override outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }
}
