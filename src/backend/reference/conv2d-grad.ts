/**
 * The gradients of a convolution, written to be read: each follows the forward's sum term by term,
 * gathering (not scattering) so that every output element is one float64 sum, the oracle the wasm
 * backward kernels are tested against.
 */
import type { ConvGeometry } from '../backend.js';

/**
 * dL/dx[n, ic, iy, ix] = sum of w[oc, icg, ky, kx] * dL/dy[n, oc, oy, ox] over the taps that read
 * (iy, ix): oy * strideH - padTop + ky * dilationH = iy, and the same across.
 */
export function conv2dInputGrad(g: ConvGeometry, gradOutput: Float32Array, weight: Float32Array, gradInput: Float32Array): void {
  const cInPerGroup = g.cIn / g.groups;
  const cOutPerGroup = g.cOut / g.groups;
  for (let n = 0; n < g.n; n++) {
    for (let ic = 0; ic < g.cIn; ic++) {
      const group = Math.floor(ic / cInPerGroup);
      const icg = ic - group * cInPerGroup;
      for (let iy = 0; iy < g.h; iy++) {
        for (let ix = 0; ix < g.w; ix++) {
          let sum = 0;
          for (let ky = 0; ky < g.kH; ky++) {
            const y = iy + g.padTop - ky * g.dilationH;
            if (y < 0 || y % g.strideH !== 0 || y / g.strideH >= g.outH) continue; // no output reads (iy, ix) through this tap
            const oy = y / g.strideH;
            for (let kx = 0; kx < g.kW; kx++) {
              const x = ix + g.padLeft - kx * g.dilationW;
              if (x < 0 || x % g.strideW !== 0 || x / g.strideW >= g.outW) continue;
              const ox = x / g.strideW;
              for (let ocg = 0; ocg < cOutPerGroup; ocg++) {
                const oc = group * cOutPerGroup + ocg;
                sum += weight[((oc * cInPerGroup + icg) * g.kH + ky) * g.kW + kx] * gradOutput[((n * g.cOut + oc) * g.outH + oy) * g.outW + ox];
              }
            }
          }
          gradInput[((n * g.cIn + ic) * g.h + iy) * g.w + ix] = sum;
        }
      }
    }
  }
}

/** dL/dw[oc, icg, ky, kx] = sum over the batch and output positions of x at the tap times dL/dy. */
export function conv2dWeightGrad(g: ConvGeometry, input: Float32Array, gradOutput: Float32Array, gradWeight: Float32Array): void {
  const cInPerGroup = g.cIn / g.groups;
  const cOutPerGroup = g.cOut / g.groups;
  for (let oc = 0; oc < g.cOut; oc++) {
    const group = Math.floor(oc / cOutPerGroup);
    for (let icg = 0; icg < cInPerGroup; icg++) {
      const ic = group * cInPerGroup + icg;
      for (let ky = 0; ky < g.kH; ky++) {
        for (let kx = 0; kx < g.kW; kx++) {
          let sum = 0;
          for (let n = 0; n < g.n; n++) {
            for (let oy = 0; oy < g.outH; oy++) {
              const iy = oy * g.strideH - g.padTop + ky * g.dilationH;
              if (iy < 0 || iy >= g.h) continue; // the tap read padding
              for (let ox = 0; ox < g.outW; ox++) {
                const ix = ox * g.strideW - g.padLeft + kx * g.dilationW;
                if (ix < 0 || ix >= g.w) continue;
                sum += input[((n * g.cIn + ic) * g.h + iy) * g.w + ix] * gradOutput[((n * g.cOut + oc) * g.outH + oy) * g.outW + ox];
              }
            }
          }
          gradWeight[((oc * cInPerGroup + icg) * g.kH + ky) * g.kW + kx] = sum;
        }
      }
    }
  }
}

/** dL/db[oc] = the sum of dL/dy[n, oc, :, :] over the batch. */
export function conv2dBiasGrad(g: ConvGeometry, gradOutput: Float32Array, gradBias: Float32Array): void {
  const plane = g.outH * g.outW;
  for (let oc = 0; oc < g.cOut; oc++) {
    let sum = 0;
    for (let n = 0; n < g.n; n++) {
      const start = (n * g.cOut + oc) * plane;
      for (let i = start; i < start + plane; i++) sum += gradOutput[i];
    }
    gradBias[oc] = sum;
  }
}
