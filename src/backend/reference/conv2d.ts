/**
 * Direct convolution, written to be read: it is the oracle every faster kernel is tested against,
 * so it follows the definition term by term and accumulates in float64.
 */
import type { Activation, ConvGeometry } from '../backend.js';
import { FUSED } from './activation.js';

export function conv2d(
  g: ConvGeometry, input: Float32Array, weight: Float32Array, bias: Float32Array | null, output: Float32Array, activation: Activation,
): void {
  const activate = FUSED[activation];
  const cInPerGroup = g.cIn / g.groups;
  const cOutPerGroup = g.cOut / g.groups;
  for (let n = 0; n < g.n; n++) {
    for (let oc = 0; oc < g.cOut; oc++) {
      const group = Math.floor(oc / cOutPerGroup);
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++) {
          let sum = bias === null ? 0 : bias[oc];
          for (let icg = 0; icg < cInPerGroup; icg++) {
            const ic = group * cInPerGroup + icg;
            for (let ky = 0; ky < g.kH; ky++) {
              const iy = oy * g.strideH - g.padTop + ky * g.dilationH;
              if (iy < 0 || iy >= g.h) continue; // a tap on zero padding adds nothing
              for (let kx = 0; kx < g.kW; kx++) {
                const ix = ox * g.strideW - g.padLeft + kx * g.dilationW;
                if (ix < 0 || ix >= g.w) continue;
                const x = input[((n * g.cIn + ic) * g.h + iy) * g.w + ix];
                const k = weight[((oc * cInPerGroup + icg) * g.kH + ky) * g.kW + kx];
                sum += x * k;
              }
            }
          }
          // the activation sees the float32 value, as it would after the layer
          const value = Math.fround(sum);
          output[((n * g.cOut + oc) * g.outH + oy) * g.outW + ox] = activate(value);
        }
      }
    }
  }
}
