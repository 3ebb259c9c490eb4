/** Softmax and log-softmax along one axis, and their gradients: each line in float64. */
import type { AxisGeometry, SoftmaxGeometry } from '../backend.js';

/** Calls `line(start, stride)` for each `size`-long line along the middle axis: its first element and the step between elements. */
function forEachLine(g: AxisGeometry, line: (start: number, stride: number) => void): void {
  for (let o = 0; o < g.outer; o++) {
    for (let i = 0; i < g.inner; i++) line(o * g.size * g.inner + i, g.inner);
  }
}

export function softmax(g: SoftmaxGeometry, input: Float32Array, output: Float32Array): void {
  const end = g.size * g.inner;
  forEachLine(g, (start, stride) => {
    // the maximum first, as torch does: exp(x - max) <= 1 cannot overflow (a line holding +inf gives NaN, as in torch)
    let max = -Infinity;
    for (let k = start; k < start + end; k += stride) max = Math.max(max, input[k]);
    let sum = 0;
    for (let k = start; k < start + end; k += stride) sum += Math.exp(input[k] - max);
    if (g.log) {
      const logSum = Math.log(sum);
      for (let k = start; k < start + end; k += stride) output[k] = input[k] - max - logSum;
    } else {
      for (let k = start; k < start + end; k += stride) output[k] = Math.exp(input[k] - max) / sum;
    }
  });
}

export function softmaxGrad(g: SoftmaxGeometry, output: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void {
  const end = g.size * g.inner;
  forEachLine(g, (start, stride) => {
    let sum = 0;
    if (g.log) {
      for (let k = start; k < start + end; k += stride) sum += gradOutput[k];
      for (let k = start; k < start + end; k += stride) gradInput[k] = gradOutput[k] - Math.exp(output[k]) * sum;
    } else {
      for (let k = start; k < start + end; k += stride) sum += gradOutput[k] * output[k];
      for (let k = start; k < start + end; k += stride) gradInput[k] = output[k] * (gradOutput[k] - sum);
    }
  });
}
