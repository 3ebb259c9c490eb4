/** The wasm backend's conv2d bias gradient: a row sum per output channel, in TypeScript. */
import type { ConvGeometry } from '../backend.js';

/**
 * dL/dbias (see `Backend.conv2dBiasGrad`): each channel's sum over the batch and positions, in float64
 * as the reference kernel's, with four partial sums so that the additions do not wait on each other.
 */
export function runConv2dBiasGrad(g: ConvGeometry, gradOutput: Float32Array, gradBias: Float32Array): void {
  const plane = g.outH * g.outW;
  const end4 = plane - (plane % 4);
  for (let oc = 0; oc < g.cOut; oc++) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let n = 0; n < g.n; n++) {
      const start = (n * g.cOut + oc) * plane;
      for (let i = start; i < start + end4; i += 4) {
        s0 += gradOutput[i];
        s1 += gradOutput[i + 1];
        s2 += gradOutput[i + 2];
        s3 += gradOutput[i + 3];
      }
      for (let i = start + end4; i < start + plane; i++) s0 += gradOutput[i];
    }
    gradBias[oc] = s0 + s1 + s2 + s3;
  }
}
