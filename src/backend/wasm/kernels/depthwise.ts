// Depthwise convolution (groups = input channels, any depth multiplier), direct: each task copies one
// input channel into a zero-padded plane in the worker's workspace, so that the inner loops need no
// bounds checks, then computes that channel's output planes. Output columns are vectorised by four:
// contiguous loads at stride 1, even lanes of two loads at stride 2, lane by lane otherwise.

import * as P from './params';

// @ts-ignore: decorator
@inline function tapsAt(row: usize, x: i32, sW: i32): v128 {
  // four input values for output columns x..x+3 (input column = x * sW)
  if (sW == 1) return v128.load(row + (<usize>x << 2));
  if (sW == 2) {
    const p = row + (<usize>(x * 2) << 2);
    return v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
  }
  let v = f32x4.splat(load<f32>(row + (<usize>(x * sW) << 2)));
  v = f32x4.replace_lane(v, 1, load<f32>(row + (<usize>((x + 1) * sW) << 2)));
  v = f32x4.replace_lane(v, 2, load<f32>(row + (<usize>((x + 2) * sW) << 2)));
  return f32x4.replace_lane(v, 3, load<f32>(row + (<usize>((x + 3) * sW) << 2)));
}

export function depthwiseTask(params: usize, task: i32, worker: i32): void {
  const cIn = P.param(params, P.C_IN);
  const h = P.param(params, P.H);
  const w = P.param(params, P.W);
  const cOut = P.param(params, P.C_OUT);
  const kH = P.param(params, P.KH);
  const kW = P.param(params, P.KW);
  const sH = P.param(params, P.SH);
  const sW = P.param(params, P.SW);
  const pT = P.param(params, P.PT);
  const pL = P.param(params, P.PL);
  const dH = P.param(params, P.DH);
  const dW = P.param(params, P.DW);
  const outH = P.param(params, P.OUT_H);
  const outW = P.param(params, P.OUT_W);
  const n = task / cIn;
  const c = task % cIn;
  const multiplier = cOut / cIn;

  // the padded plane: wide enough for the last vector of every output row to read in bounds
  const hp = (outH - 1) * sH + (kH - 1) * dH + 1;
  const wp = ((outW + 3) & ~3) * sW + (kW - 1) * dW + 4;
  const plane = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  memory.fill(plane, 0, <usize>(hp * wp) << 2);
  const src = <usize>P.param(params, P.INPUT) + (<usize>((n * cIn + c) * h * w) << 2);
  for (let y = 0; y < h; y++) {
    const py = y + pT;
    if (py >= hp) break;
    const x0 = max(0, -pL); // a padding of zero or more; crop never happens here
    const x1 = min(w, wp - pL);
    memory.copy(plane + (<usize>(py * wp + pL + x0) << 2), src + (<usize>(y * w + x0) << 2), <usize>(x1 - x0) << 2);
  }

  const taps = kH * kW;
  for (let m = 0; m < multiplier; m++) {
    const oc = c * multiplier + m;
    const weights = <usize>P.param(params, P.WEIGHT) + (<usize>(oc * taps) << 2);
    const biasPtr = <usize>P.param(params, P.BIAS);
    const bias = biasPtr == 0 ? <f32>0 : load<f32>(biasPtr + (<usize>oc << 2));
    const out = <usize>P.param(params, P.OUTPUT) + (<usize>((n * cOut + oc) * outH * outW) << 2);
    for (let oy = 0; oy < outH; oy++) {
      const dst = out + (<usize>(oy * outW) << 2);
      const rows = plane + (<usize>(oy * sH * wp) << 2);
      let ox = 0;
      for (; ox + 4 <= outW; ox += 4) {
        let acc = f32x4.splat(bias);
        for (let ky = 0; ky < kH; ky++) {
          const row = rows + (<usize>(ky * dH * wp) << 2);
          for (let kx = 0; kx < kW; kx++) {
            const wv = v128.load32_splat(weights + (<usize>(ky * kW + kx) << 2));
            acc = f32x4.add(acc, f32x4.mul(wv, tapsAt(row + (<usize>(kx * dW) << 2), ox, sW)));
          }
        }
        v128.store(dst + (<usize>ox << 2), acc);
      }
      for (; ox < outW; ox++) {
        let acc = bias;
        for (let ky = 0; ky < kH; ky++) {
          const row = rows + (<usize>(ky * dH * wp) << 2);
          for (let kx = 0; kx < kW; kx++) {
            acc += load<f32>(weights + (<usize>(ky * kW + kx) << 2)) * load<f32>(row + (<usize>(ox * sW + kx * dW) << 2));
          }
        }
        store<f32>(dst + (<usize>ox << 2), acc);
      }
    }
  }
}
