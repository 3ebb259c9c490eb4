/**
 * The wasm backend's batch normalisation kernels (see `Backend.channelMoments` and the rest): one
 * thread, four floats a step, over copies of the arrays in WebAssembly memory. Sums run in f32 over
 * short blocks and in f64 across them (kernels/batch-norm.ts); per-channel coefficients go in as f32, a
 * centre rounded to f32 with what the rounding moved folded back into the f64 shift or sum, so that
 * data far from zero keeps the reference kernels' precision.
 */
import type { ChannelGeometry } from '../backend.js';
import type { WasmInstance } from './instance.js';

/** `values` (per channel) written into WebAssembly memory as f32. */
function coefficients(instance: WasmInstance, values: Float64Array): number {
  const at = instance.alloc('batchNorm', values.length * 4);
  instance.write(at, Float32Array.from(values));
  return at;
}

function array(instance: WasmInstance, data: Float32Array): number {
  const at = instance.alloc('batchNorm', data.length * 4);
  instance.write(at, data);
  return at;
}

/** The f64 pairs a sums kernel wrote for each channel. */
function pairs(instance: WasmInstance, at: number, channels: number): Float64Array {
  return new Float64Array(instance.memory.buffer, at, 2 * channels).slice();
}

export function runChannelMoments(instance: WasmInstance, g: ChannelGeometry, input: Float32Array, mean: Float64Array, variance: Float64Array): void {
  instance.reset();
  // each channel's first element: a value inside the data, so that the shifted sums hardly cancel
  const shift = Float64Array.from({ length: g.channels }, (_, c) => input[c * g.inner]);
  const x = array(instance, input);
  const s = coefficients(instance, shift);
  const sums = instance.alloc('batchNorm', g.channels * 16);
  instance.exports.channelShiftedSums(x, s, sums, g.outer, g.channels, g.inner);
  const result = pairs(instance, sums, g.channels);
  const count = g.outer * g.inner;
  for (let c = 0; c < g.channels; c++) {
    const m = result[2 * c] / count;
    mean[c] = shift[c] + m;
    variance[c] = Math.max(0, result[2 * c + 1] / count - m * m);
  }
}

export function runChannelGradSums(
  instance: WasmInstance, g: ChannelGeometry, gradOutput: Float32Array, input: Float32Array, mean: Float64Array, sumGrad: Float64Array, sumGradCentred: Float64Array,
): void {
  instance.reset();
  const dy = array(instance, gradOutput);
  const x = array(instance, input);
  const centre = Float32Array.from(mean);
  const m = array(instance, centre);
  const sums = instance.alloc('batchNorm', g.channels * 16);
  instance.exports.channelGradSumsFloats(dy, x, m, sums, g.outer, g.channels, g.inner);
  const result = pairs(instance, sums, g.channels);
  for (let c = 0; c < g.channels; c++) {
    sumGrad[c] = result[2 * c];
    // sum(dy * (x - mean)) = sum(dy * (x - centre)) + (centre - mean) * sum(dy)
    sumGradCentred[c] = result[2 * c + 1] + (centre[c] - mean[c]) * result[2 * c];
  }
}

/** `(x - centre) * scale + shift`, plus `p * pScale` where `p` is given, into `output`. */
function combine(
  instance: WasmInstance, g: ChannelGeometry, x: Float32Array, centre: Float64Array, scale: Float64Array, shift: Float64Array,
  p: Float32Array | null, pScale: Float64Array | null, output: Float32Array,
): void {
  instance.reset();
  const xAt = array(instance, x);
  const pAt = p === null ? 0 : array(instance, p);
  const centre32 = Float32Array.from(centre);
  // (x - centre) = (x - centre32) + (centre32 - centre): the difference goes into the shift
  const shifted = Float64Array.from(shift, (t, c) => t + (centre32[c] - centre[c]) * scale[c]);
  const at = (values: Float64Array) => coefficients(instance, values);
  const m = array(instance, centre32);
  instance.exports.channelCombineFloats(xAt, m, at(scale), at(shifted), pAt, pScale === null ? 0 : at(pScale), xAt, g.outer, g.channels, g.inner);
  instance.readInto(xAt, output);
}

export function runChannelAffine(instance: WasmInstance, g: ChannelGeometry, input: Float32Array, centre: Float64Array, scale: Float64Array, shift: Float64Array, output: Float32Array): void {
  combine(instance, g, input, centre, scale, shift, null, null, output);
}

export function runBatchNormInputGrad(
  instance: WasmInstance, g: ChannelGeometry, gradOutput: Float32Array, input: Float32Array, mean: Float64Array,
  gradScale: Float64Array, centredScale: Float64Array, shift: Float64Array, gradInput: Float32Array,
): void {
  combine(instance, g, input, mean, centredScale, shift, gradOutput, gradScale, gradInput);
}
