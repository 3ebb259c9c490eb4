/** `Linear`: PyTorch's `torch.nn.Linear`, with its initialisation. */
import { argError, isInt, show } from '../errors.js';
import { checkOptions } from '../ops/args.js';
import { linear } from '../ops/linear.js';
import { defaultGenerator, type Generator } from '../random.js';
import { uniform, type Tensor } from '../tensor.js';
import { Module } from './module.js';

export interface LinearOptions {
  /** Learn an additive bias per output feature. Default true. */
  bias?: boolean;
  /** Draw the initial weights from this generator instead of the default one. */
  generator?: Generator;
}

const OPTIONS = ['bias', 'generator'];

function features(name: string, value: unknown): number {
  if (!isInt(value) || value < 0) throw argError('Linear', `${name} must be a non-negative integer, got ${show(value)}`);
  return value;
}

/**
 * A fully connected layer, exactly PyTorch's `nn.Linear(in_features, out_features, bias=True)`: `y = x
 * W^T + b` over the input's last dimension, `(*, inFeatures)` to `(*, outFeatures)`. Weight `(outFeatures,
 * inFeatures)` and bias `(outFeatures)` start uniform in `±1/sqrt(inFeatures)` (torch's
 * `kaiming_uniform_(a=sqrt(5))` and its bias bound; 0 without input features), drawn from the seeded
 * generator, weight first; both require grad.
 *
 * @example
 * const fc = new Linear(64, 10);
 * fc.forward(randn([128, 64])).shape; // [128, 10]
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkOptions('Linear', options, OPTIONS);
    this.inFeatures = features('inFeatures', inFeatures);
    this.outFeatures = features('outFeatures', outFeatures);
    const bias = options.bias ?? true;
    if (typeof bias !== 'boolean') throw argError('Linear', `bias must be true or false, got ${show(bias)}`);
    const generator = options.generator ?? defaultGenerator;
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    this.weight = uniform([outFeatures, inFeatures], -bound, bound, generator).requiresGrad_();
    this.bias = bias ? uniform([outFeatures], -bound, bound, generator).requiresGrad_() : null;
  }

  protected override ownParameters(): Array<[string, Tensor]> {
    return this.bias === null ? [['weight', this.weight]] : [['weight', this.weight], ['bias', this.bias]];
  }

  /** Transforms `input`, `(*, inFeatures)`. */
  forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }

  /** `(*, outFeatures)`; throws as `forward` would where the last size is not `inFeatures`. */
  override outputShape(inputShape: readonly number[]): number[] {
    const last = inputShape[inputShape.length - 1];
    if (inputShape.length === 0) throw argError('linear', `both arguments to matmul need to be at least 1D, but they are 0D and 2D`);
    if (last !== this.inFeatures) {
      throw argError('linear', `mat1 and mat2 shapes cannot be multiplied: input ${show(inputShape)} has ${last} features, the layer takes ${this.inFeatures}`);
    }
    return [...inputShape.slice(0, -1), this.outFeatures];
  }

  /** The constructor arguments, as `moduleFromJSON` reads them. */
  toJSON(): object {
    return { type: 'Linear', inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.bias !== null };
  }

  protected override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias === null ? 'False' : 'True'}`;
  }
}
