/**
 * Losses as modules, like `torch.nn.CrossEntropyLoss`, `NLLLoss` and `MSELoss`: the options given once,
 * then `forward(input, target)`. Options are checked when the loss is made (torch checks them at its
 * first forward).
 */
import {
  crossEntropy, lossOptions, mseLoss, nllLoss,
  type ClassTarget, type CrossEntropyOptions, type MseLossOptions, type NllLossOptions, type Reduction,
} from '../ops/loss.js';
import type { Tensor } from '../tensor.js';

/**
 * The base of the loss modules: a two-argument `forward` (a `Module`'s takes one), and torch's printed
 * form, the class name alone (`CrossEntropyLoss()`), whatever the options.
 */
export abstract class Loss<T = Tensor> {
  /** How the per-element losses are reduced. */
  readonly reduction: Reduction;
  /** The class name torch prints. */
  protected abstract readonly name: string;

  protected constructor(reduction: Reduction) {
    this.reduction = reduction;
  }

  /** The loss of `input` against `target`. */
  abstract forward(input: Tensor, target: T): Tensor;

  toString(): string {
    return `${this.name}()`;
  }
}

/** `nllLoss` as a module, like `torch.nn.NLLLoss(weight, ignore_index=-100, reduction='mean')`. */
export class NLLLoss extends Loss<ClassTarget> {
  protected readonly name = 'NLLLoss';
  /** The weight per class, or null. */
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;

  /** @throws on an unknown option, a reduction other than 'none', 'mean' and 'sum', a weight that is not a Tensor. */
  constructor(options?: NllLossOptions) {
    const o = lossOptions('NLLLoss', options, ['weight', 'ignoreIndex', 'reduction']);
    super(o.reduction);
    this.weight = o.weight;
    this.ignoreIndex = o.ignoreIndex;
  }

  /** See `nllLoss`: `input` holds log-probabilities, `target` class indices. */
  forward(input: Tensor, target: ClassTarget): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/**
 * `crossEntropy` as a module, like `torch.nn.CrossEntropyLoss(weight, ignore_index=-100,
 * reduction='mean', label_smoothing=0.0)`.
 * @example
 * const loss = new CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(model.forward(x), labels);
 */
export class CrossEntropyLoss extends Loss<ClassTarget> {
  protected readonly name = 'CrossEntropyLoss';
  /** The weight per class, or null. */
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;

  /** @throws on an unknown option, a bad reduction, a weight that is not a Tensor, `labelSmoothing` > 1. */
  constructor(options?: CrossEntropyOptions) {
    const o = lossOptions('CrossEntropyLoss', options, ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing']);
    super(o.reduction);
    this.weight = o.weight;
    this.ignoreIndex = o.ignoreIndex;
    this.labelSmoothing = o.labelSmoothing;
  }

  /** See `crossEntropy`: `input` holds logits, `target` class indices or class probabilities. */
  forward(input: Tensor, target: ClassTarget): Tensor {
    const { weight, ignoreIndex, reduction, labelSmoothing } = this;
    return crossEntropy(input, target, { weight, ignoreIndex, reduction, labelSmoothing });
  }
}

/** `mseLoss` as a module, like `torch.nn.MSELoss(reduction='mean')`. */
export class MSELoss extends Loss {
  protected readonly name = 'MSELoss';

  /** @throws on an unknown option or a bad reduction. */
  constructor(options?: MseLossOptions) {
    super(lossOptions('MSELoss', options, ['reduction']).reduction);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}
