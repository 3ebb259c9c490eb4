/** `batchNorm`: batch normalisation over the channel dimension, as `torch.nn.functional.batch_norm`. */
import { record } from '../autograd/record.js';
import type { ChannelGeometry } from '../backend/backend.js';
import { backend } from '../backend/registry.js';
import { argError, show } from '../errors.js';
import { numelOf, Tensor } from '../tensor.js';
import { checkOptions, checkTensor } from './args.js';
import { outputArray } from './output.js';

const WHERE = 'batchNorm';

export interface BatchNormOptions {
  /** Per-channel scale (gamma), `(C)`; null or absent: 1. */
  weight?: Tensor | null;
  /** Per-channel shift (beta), `(C)`; null or absent: 0. */
  bias?: Tensor | null;
  /**
   * Normalise with the batch's statistics and update the running ones (default false: normalise with
   * the running statistics), as torch's `training` argument.
   */
  training?: boolean;
  /** The running statistics' update: `running = (1 - momentum) * running + momentum * batch`. Default 0.1. */
  momentum?: number;
  /** Added to the variance before its square root. Default 1e-5. */
  eps?: number;
}

const OPTIONS = ['weight', 'bias', 'training', 'momentum', 'eps'];

/** A per-channel tensor argument: null, or a tensor of `channels` elements. */
function perChannel(name: string, value: unknown, channels: number): Tensor | null {
  if (value === null || value === undefined) return null;
  const t = checkTensor(WHERE, name, value);
  if (t.numel !== channels) throw argError(WHERE, `${name} should contain ${channels} elements not ${t.numel}`);
  return t;
}

/**
 * 1 / sqrt(variance + eps), as torch computes it: 0 where both are 0 (a constant channel with eps = 0
 * normalises to 0, not NaN).
 */
function invStd(variance: number, eps: number): number {
  return variance === 0 && eps === 0 ? 0 : 1 / Math.sqrt(variance + eps);
}

/**
 * Normalises each channel (dimension 1) of `input` `(N, C, *)`, like `torch.nn.functional.batch_norm`:
 * `y = (x - mean) / sqrt(var + eps) * weight + bias`. With `training`, mean and var are the batch's
 * (the biased variance) and `runningMean` / `runningVar` (either may be null) are updated in place with
 * `momentum`, the variance unbiased (`n / (n - 1)`); without, the running statistics are used and must
 * be given. Differentiable in `input`, `weight` and `bias` (in training mode through the batch's
 * statistics).
 * @example
 * batchNorm(randn([8, 3, 4, 4]), zeros([3]), ones([3]), { training: true }).shape; // [8, 3, 4, 4]
 * @throws on a per-channel tensor of another size than C, missing running statistics in evaluation
 *   mode, or one value per channel in training mode (torch's "Expected more than 1 value per channel").
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  checkTensor(WHERE, 'input', input);
  checkOptions(WHERE, options, OPTIONS);
  const { training = false, momentum = 0.1, eps = 1e-5 } = options;
  if (typeof training !== 'boolean') throw argError(WHERE, `training must be true or false, got ${show(training)}`);
  if (typeof momentum !== 'number') throw argError(WHERE, `momentum must be a number, got ${show(momentum)}`);
  if (typeof eps !== 'number') throw argError(WHERE, `eps must be a number, got ${show(eps)}`);
  if (input.ndim < 2) throw argError(WHERE, `input must have 2 or more dimensions (N, C, *), got shape ${show(input.shape)}`);
  const channels = input.shape[1];
  const mean0 = perChannel('running_mean', runningMean, channels);
  const var0 = perChannel('running_var', runningVar, channels);
  const weight = perChannel('weight', options.weight, channels);
  const bias = perChannel('bias', options.bias, channels);
  const geom: ChannelGeometry = { outer: input.shape[0], channels, inner: numelOf(input.shape.slice(2)) };
  const count = geom.outer * geom.inner;
  if (training && count === 1) throw argError(WHERE, `Expected more than 1 value per channel when training, got input size ${show(input.shape)}`);
  if (!training && mean0 === null) throw argError(WHERE, 'running_mean must be defined in evaluation mode');
  if (!training && var0 === null) throw argError(WHERE, 'running_var must be defined in evaluation mode');

  const mean = new Float64Array(channels);
  const invstd = new Float64Array(channels);
  if (training) {
    if (count > 0) {
      const variance = new Float64Array(channels);
      backend().channelMoments(geom, input.data, mean, variance);
      for (let c = 0; c < channels; c++) {
        invstd[c] = invStd(variance[c], eps);
        // torch updates the running statistics in place, the variance unbiased
        if (mean0 !== null) mean0.data[c] = (1 - momentum) * mean0.data[c] + momentum * mean[c];
        if (var0 !== null) var0.data[c] = (1 - momentum) * var0.data[c] + momentum * variance[c] * (count / (count - 1));
      }
      mean0?.markChanged();
      var0?.markChanged();
    }
  } else {
    for (let c = 0; c < channels; c++) {
      mean[c] = (mean0 as Tensor).data[c];
      invstd[c] = 1 / Math.sqrt((var0 as Tensor).data[c] + eps);
    }
  }
  // y = (x - mean) * scale + bias, scale = weight * invstd
  const scale = Float64Array.from({ length: channels }, (_, c) => (weight === null ? 1 : weight.data[c]) * invstd[c]);
  const shift = Float64Array.from({ length: channels }, (_, c) => (bias === null ? 0 : bias.data[c]));
  const output = outputArray(input.numel);
  if (output.length > 0) backend().channelAffine(geom, input.data, mean, scale, shift, output);
  const y = new Tensor(output, input.shape);
  return record('NativeBatchNormBackward0', [input, weight, bias], y, (grad, needs) =>
    batchNormBackward(geom, training, grad, input, weight, mean, invstd, needs));
}

/**
 * dL/dinput, dL/dweight, dL/dbias from dL/dy. With xhat = (x - mean) * invstd: dweight = sum(dy * xhat),
 * dbias = sum(dy); in evaluation mode dx = dy * weight * invstd; in training mode the mean and variance
 * depend on x too, which gives (torch's batch_norm_backward)
 * dx = weight * invstd * (dy - sum(dy) / n - xhat * sum(dy * xhat) / n).
 */
function batchNormBackward(
  geom: ChannelGeometry, training: boolean, grad: Tensor, input: Tensor, weight: Tensor | null,
  mean: Float64Array, invstd: Float64Array, needs: readonly boolean[],
): Array<Tensor | null> {
  const { channels } = geom;
  const count = geom.outer * geom.inner;
  const sumGrad = new Float64Array(channels);
  const sumGradCentred = new Float64Array(channels);
  if (count > 0 && (needs[1] || needs[2] || (training && needs[0]))) {
    backend().channelGradSums(geom, grad.data, input.data, mean, sumGrad, sumGradCentred);
  }
  const perChannelGrad = (values: (c: number) => number) => new Tensor(Float32Array.from({ length: channels }, (_, c) => values(c)), [channels]);
  let gradInput: Tensor | null = null;
  if (needs[0]) {
    const gradScale = Float64Array.from({ length: channels }, (_, c) => (weight === null ? 1 : weight.data[c]) * invstd[c]);
    const out = outputArray(input.numel);
    if (out.length > 0 && training) {
      const centredScale = new Float64Array(channels);
      const shift = new Float64Array(channels);
      for (let c = 0; c < channels; c++) {
        centredScale[c] = -gradScale[c] * invstd[c] * invstd[c] * (sumGradCentred[c] / count);
        shift[c] = -gradScale[c] * (sumGrad[c] / count);
      }
      backend().batchNormInputGrad(geom, grad.data, input.data, mean, gradScale, centredScale, shift, out);
    } else if (out.length > 0) {
      backend().channelAffine(geom, grad.data, new Float64Array(channels), gradScale, new Float64Array(channels), out);
    }
    gradInput = new Tensor(out, input.shape);
  }
  return [
    gradInput,
    needs[1] ? perChannelGrad((c) => sumGradCentred[c] * invstd[c]) : null,
    needs[2] ? perChannelGrad((c) => sumGrad[c]) : null,
  ];
}
