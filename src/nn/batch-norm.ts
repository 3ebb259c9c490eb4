/** `BatchNorm2d`: PyTorch's `torch.nn.BatchNorm2d`, with its running statistics and train/eval behaviour. */
import { argError, show } from '../errors.js';
import { checkOptions } from '../ops/args.js';
import { batchNorm } from '../ops/batch-norm.js';
import { ones, zeros, type Tensor } from '../tensor.js';
import { Module } from './module.js';
import { pythonFloat } from './python-float.js';

export interface BatchNorm2dOptions {
  /** Added to the variance before its square root. Default 1e-5. */
  eps?: number;
  /**
   * The running statistics' update factor, `running = (1 - momentum) * running + momentum * batch`
   * (default 0.1); null for a cumulative moving average (the factor `1 / numBatchesTracked`).
   */
  momentum?: number | null;
  /** Learn a per-channel scale `weight` (ones) and shift `bias` (zeros). Default true. */
  affine?: boolean;
  /**
   * Keep running statistics (`running_mean`, `running_var`, `num_batches_tracked`) and normalise with them
   * in evaluation mode (default true); without, the batch's statistics are used in both modes.
   */
  trackRunningStats?: boolean;
}

const OPTIONS = ['eps', 'momentum', 'affine', 'trackRunningStats'];

function flag(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw argError('BatchNorm2d', `${name} must be true or false, got ${show(value)}`);
  return value;
}

/**
 * Batch normalisation of `(N, C, H, W)` input per channel, exactly PyTorch's `nn.BatchNorm2d(num_features,
 * eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)`. In training mode (the default, see
 * `train()` / `eval()`) it normalises with the batch's mean and biased variance and updates the running
 * statistics (the variance unbiased); in evaluation mode it normalises with the running statistics.
 * State-dict keys are torch's: `weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked`
 * (a float32 0-d tensor here, where torch's is int64, since convkit tensors are float32: exact up to
 * 2^24 batches).
 *
 * @example
 * const bn = new BatchNorm2d(64);
 * bn.forward(randn([8, 64, 28, 28])); // normalised; bn.runningMean moved towards the batch's mean
 */
export class BatchNorm2d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Tensor | null;
  bias: Tensor | null;
  runningMean: Tensor | null;
  runningVar: Tensor | null;
  numBatchesTracked: Tensor | null;

  constructor(numFeatures: number, options: BatchNorm2dOptions = {}) {
    super();
    checkOptions('BatchNorm2d', options, OPTIONS);
    if (!Number.isInteger(numFeatures) || numFeatures < 0) throw argError('BatchNorm2d', `numFeatures must be a non-negative integer, got ${show(numFeatures)}`);
    this.numFeatures = numFeatures;
    const { eps = 1e-5, momentum = 0.1 } = options;
    if (typeof eps !== 'number') throw argError('BatchNorm2d', `eps must be a number, got ${show(eps)}`);
    if (momentum !== null && typeof momentum !== 'number') throw argError('BatchNorm2d', `momentum must be a number or null, got ${show(momentum)}`);
    this.eps = eps;
    this.momentum = momentum;
    this.affine = flag('affine', options.affine ?? true);
    this.trackRunningStats = flag('trackRunningStats', options.trackRunningStats ?? true);
    this.weight = this.affine ? ones([numFeatures]).requiresGrad_() : null;
    this.bias = this.affine ? zeros([numFeatures]).requiresGrad_() : null;
    this.runningMean = this.trackRunningStats ? zeros([numFeatures]) : null;
    this.runningVar = this.trackRunningStats ? ones([numFeatures]) : null;
    this.numBatchesTracked = this.trackRunningStats ? zeros([]) : null;
  }

  protected override ownParameters(): Array<[string, Tensor]> {
    return this.weight === null || this.bias === null ? [] : [['weight', this.weight], ['bias', this.bias]];
  }

  protected override ownBuffers(): Array<[string, Tensor]> {
    if (this.runningMean === null || this.runningVar === null || this.numBatchesTracked === null) return [];
    return [['running_mean', this.runningMean], ['running_var', this.runningVar], ['num_batches_tracked', this.numBatchesTracked]];
  }

  /** Normalises `input`, `(N, numFeatures, H, W)`, as torch's `_BatchNorm.forward`. */
  forward(input: Tensor): Tensor {
    this.checkInput(input?.shape);
    let factor = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked !== null) {
      // counted before normalising, as torch does (so even a batch it then rejects counts)
      this.numBatchesTracked.data[0] += 1;
      this.numBatchesTracked.markChanged();
      if (this.momentum === null) factor = 1 / this.numBatchesTracked.data[0];
    }
    // the running statistics are read in evaluation mode and updated in training mode, where kept
    const batchStats = this.training || this.runningMean === null;
    return batchNorm(input, this.runningMean, this.runningVar, { weight: this.weight, bias: this.bias, training: batchStats, momentum: factor, eps: this.eps });
  }

  private checkInput(shape: readonly number[] | undefined): void {
    if (shape !== undefined && shape.length !== 4) throw argError('BatchNorm2d', `expected 4D input (got ${shape.length}D input)`);
  }

  /** The input's shape; throws as `forward` would for a shape other than `(N, numFeatures, H, W)`. */
  override outputShape(inputShape: readonly number[]): number[] {
    this.checkInput(inputShape);
    if (inputShape[1] !== this.numFeatures) throw argError('batchNorm', `running_mean should contain ${inputShape[1]} elements not ${this.numFeatures}`);
    return [...inputShape];
  }

  /** The constructor arguments, as `moduleFromJSON` reads them. */
  toJSON(): object {
    return { type: 'BatchNorm2d', numFeatures: this.numFeatures, eps: this.eps, momentum: this.momentum, affine: this.affine, trackRunningStats: this.trackRunningStats };
  }

  protected override extraRepr(): string {
    const py = (b: boolean) => (b ? 'True' : 'False');
    return `${this.numFeatures}, eps=${pythonFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : pythonFloat(this.momentum)}, `
      + `affine=${py(this.affine)}, track_running_stats=${py(this.trackRunningStats)}`;
  }
}
