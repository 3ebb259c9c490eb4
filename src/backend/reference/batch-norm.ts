/**
 * Batch normalisation's per-channel kernels. They run on a training step's hot path (a 128 x 64 x 28 x 28
 * activation several times a step), so each is one pass of tight loops over a channel's contiguous runs
 * of `inner` elements, with float64 accumulators per channel and no allocation per element.
 */
import type { ChannelGeometry } from '../backend.js';

/**
 * One pass: sums of `x - shift` and of its square in float64, `shift` being the channel's first element.
 * Shifting by a value inside the data keeps `sumSq - sum^2 / count` from cancelling where the mean is
 * large against the spread (the shifted-data algorithm for the variance).
 */
export function channelMoments(g: ChannelGeometry, input: Float32Array, mean: Float64Array, variance: Float64Array): void {
  const { outer, channels, inner } = g;
  const count = outer * inner;
  for (let c = 0; c < channels; c++) {
    const shift = input[c * inner];
    let sum = 0;
    let sumSq = 0;
    for (let o = 0; o < outer; o++) {
      const start = (o * channels + c) * inner;
      for (let i = start, end = start + inner; i < end; i++) {
        const d = input[i] - shift;
        sum += d;
        sumSq += d * d;
      }
    }
    const m = sum / count;
    mean[c] = shift + m;
    variance[c] = Math.max(0, sumSq / count - m * m);
  }
}

export function channelAffine(g: ChannelGeometry, input: Float32Array, centre: Float64Array, scale: Float64Array, shift: Float64Array, output: Float32Array): void {
  const { outer, channels, inner } = g;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const m = centre[c];
      const a = scale[c];
      const b = shift[c];
      const start = (o * channels + c) * inner;
      for (let i = start, end = start + inner; i < end; i++) output[i] = (input[i] - m) * a + b;
    }
  }
}

export function channelGradSums(
  g: ChannelGeometry, gradOutput: Float32Array, input: Float32Array, mean: Float64Array, sumGrad: Float64Array, sumGradCentred: Float64Array,
): void {
  const { outer, channels, inner } = g;
  for (let c = 0; c < channels; c++) {
    const mu = mean[c];
    let sg = 0;
    let sgx = 0;
    for (let o = 0; o < outer; o++) {
      const start = (o * channels + c) * inner;
      for (let i = start, end = start + inner; i < end; i++) {
        const dy = gradOutput[i];
        sg += dy;
        sgx += dy * (input[i] - mu);
      }
    }
    sumGrad[c] = sg;
    sumGradCentred[c] = sgx;
  }
}

export function batchNormInputGrad(
  g: ChannelGeometry, gradOutput: Float32Array, input: Float32Array, mean: Float64Array,
  gradScale: Float64Array, centredScale: Float64Array, shift: Float64Array, gradInput: Float32Array,
): void {
  const { outer, channels, inner } = g;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const mu = mean[c];
      const a = gradScale[c];
      const b = centredScale[c];
      const d = shift[c];
      const start = (o * channels + c) * inner;
      for (let i = start, end = start + inner; i < end; i++) gradInput[i] = gradOutput[i] * a + (input[i] - mu) * b + d;
    }
  }
}
