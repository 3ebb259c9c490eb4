// im2col, one block at a time: B[kk][j] = the input value that tap k0 + kk = (channel, ky, kx) reads
// for output position n0 + j, or 0 where the tap falls on padding. Rows are `rowFloats` apart.
// Output positions run along output rows, so each row segment reads one input row: a plain copy at
// stride 1, a strided gather otherwise, with zeros where it overhangs the image.

import * as P from './params';
import { copyFloats, zeroFloats } from './plane';


export function im2colBlock(params: usize, input: usize, k0: i32, kc: i32, n0: i32, nc: i32, block: usize, rowFloats: i32): void {
  const h = P.param(params, P.H);
  const w = P.param(params, P.W);
  const kH = P.param(params, P.KH);
  const kW = P.param(params, P.KW);
  const sH = P.param(params, P.SH);
  const sW = P.param(params, P.SW);
  const pT = P.param(params, P.PT);
  const pL = P.param(params, P.PL);
  const dH = P.param(params, P.DH);
  const dW = P.param(params, P.DW);
  const outW = P.param(params, P.OUT_W);
  const taps = kH * kW;
  for (let kk = 0; kk < kc; kk++) {
    const k = k0 + kk;
    const ci = k / taps;
    const ky = (k % taps) / kW;
    const kx = k % kW;
    const plane = input + (<usize>(ci * h * w) << 2);
    let dst = block + (<usize>(kk * rowFloats) << 2);
    let oy = n0 / outW;
    let ox = n0 % outW;
    let left = nc;
    while (left > 0) {
      const len = min(outW - ox, left);
      const iy = oy * sH - pT + ky * dH;
      if (iy < 0 || iy >= h) {
        zeroFloats(dst, len);
      } else {
        const row = plane + (<usize>(iy * w) << 2);
        const c = kx * dW - pL; // input column = ox * sW + c
        // output columns [ox, ox + len) whose input column lies in [0, w)
        const lo = max(ox, c >= 0 ? 0 : (-c + sW - 1) / sW);
        const hi = min(ox + len, w - 1 - c >= 0 ? (w - 1 - c) / sW + 1 : 0);
        if (hi <= lo) {
          zeroFloats(dst, len);
        } else {
          zeroFloats(dst, lo - ox);
          const out = dst + (<usize>(lo - ox) << 2);
          if (sW == 1) {
            copyFloats(out, row + (<usize>(lo + c) << 2), hi - lo);
          } else {
            for (let x = lo; x < hi; x++) store<f32>(out + (<usize>(x - lo) << 2), load<f32>(row + (<usize>(x * sW + c) << 2)));
          }
          zeroFloats(dst + (<usize>(hi - ox) << 2), ox + len - hi);
        }
      }
      dst += <usize>len << 2;
      left -= len;
      ox = 0;
      oy++;
    }
  }
}
