import { argError, isInt, show } from '../errors.js';
import { flattenShape } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import { checkTensor } from '../ops/args.js';
import { Module } from './module.js';

/**
 * Merges dimensions `startDim` to `endDim` into one, like `nn.Flatten(start_dim=1, end_dim=-1)`: by
 * default everything but the batch, between the convolutions and a classifier. See {@link flatten}.
 * @example
 * new Flatten().forward(zeros([8, 16, 4, 4])).shape; // [8, 256]
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  constructor(startDim = 1, endDim = -1) {
    super();
    // the range is checked against each input's rank, as torch does
    for (const [name, dim] of [['startDim', startDim], ['endDim', endDim]] as const) {
      if (!isInt(dim)) throw argError('Flatten', `${name} must be an integer, got ${show(dim)}`);
    }
    this.startDim = startDim;
    this.endDim = endDim;
  }

  forward(input: Tensor): Tensor {
    checkTensor('Flatten', 'input', input);
    return input.reshape(this.outputShape(input.shape));
  }

  toJSON(): object {
    return { type: 'Flatten', startDim: this.startDim, endDim: this.endDim };
  }

  override outputShape(inputShape: readonly number[]): number[] {
    return flattenShape('Flatten', inputShape, this.startDim, this.endDim);
  }

  protected override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}
