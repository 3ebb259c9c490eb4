/** `ReLU6` and `Hardswish`: MobileNet's activations as layers. */
import { hardswish, relu6 } from '../ops/activation.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** `min(max(x, 0), 6)` as a layer, like `nn.ReLU6()` (MobileNetV2's activation); see {@link relu6}. `inplace` is not supported. */
export class ReLU6 extends Module {
  forward(input: Tensor): Tensor {
    return relu6(input);
  }

  toJSON(): object {
    return { type: 'ReLU6' };
  }

  override outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }
}

/** `x * relu6(x + 3) / 6` as a layer, like `nn.Hardswish()` (MobileNetV3's activation); see {@link hardswish}. `inplace` is not supported. */
export class Hardswish extends Module {
  forward(input: Tensor): Tensor {
    return hardswish(input);
  }

  toJSON(): object {
    return { type: 'Hardswish' };
  }

  override outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }
}
