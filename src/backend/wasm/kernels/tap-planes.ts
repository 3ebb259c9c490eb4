// What a block of output rows reads through each tap, laid out for the weight gradient's GEMM: for
// input channel c, tap column kx and row phase f (stride sH > 1 splits the padded rows by their
// remainder), a plane of rows of OUT_W rounded up to whole vectors, row j and column ox holding
//   input[(oy0 + j) sH + f - PT][ox sW + kx dW - PL],
// zero outside the input and from OUT_W on. Tap (ky, kx) for the block's output row i then reads row
// i + floor(ky dH / sH) of plane (c, kx, ky dH mod sH), so its values for the whole block are one run of
// floats: im2col's rows without copying each input value kH times.

import * as P from './params';
import { copyFloats, zeroFloats } from './plane';

// One row of a tap plane: output columns [0, outW) read input columns ox sW + first of `row` (w floats), zeros past them up to `padded`.
// @ts-ignore: decorator
@inline function tapRow(dst: usize, row: usize, w: i32, first: i32, sW: i32, outW: i32, padded: i32): void {
  // output columns [lo, hi) read inside the row
  const lo = min(outW, first >= 0 ? 0 : (-first + sW - 1) / sW);
  const hi = max(lo, min(outW, w - 1 - first >= 0 ? (w - 1 - first) / sW + 1 : 0));
  zeroFloats(dst, lo);
  const out = dst + (<usize>lo << 2);
  if (sW == 1) {
    copyFloats(out, row + (<usize>(lo + first) << 2), hi - lo);
  } else {
    let x = lo;
    // stride 2: four outputs' inputs are the even lanes of eight consecutive floats
    if (sW == 2) {
      for (; x + 4 <= hi; x += 4) {
        const from = row + (<usize>(2 * x + first) << 2);
        v128.store(out + (<usize>(x - lo) << 2), v128.shuffle<f32>(v128.load(from), v128.load(from, 16), 0, 2, 4, 6));
      }
    }
    for (; x < hi; x++) store<f32>(out + (<usize>(x - lo) << 2), load<f32>(row + (<usize>(x * sW + first) << 2)));
  }
  zeroFloats(dst + (<usize>hi << 2), padded - hi);
}

// Whether some tap row falls on row phase f.
// @ts-ignore: decorator
@inline function phaseUsed(f: i32, kH: i32, dH: i32, sH: i32): bool {
  for (let ky = 0; ky < kH; ky++) if ((ky * dH) % sH == f) return true;
  return false;
}

// The tap planes of `channels` input channels from `input` (their first plane), for output rows from
// oy0, at `dst`: [channel][kx][phase (sH of them)][row][padded columns], `rows` rows written of each
// plane's `planeRows`.
export function buildTapPlanes(params: usize, input: usize, channels: i32, oy0: i32, rows: i32, planeRows: i32, dst: usize): void {
  const h = P.param(params, P.H);
  const w = P.param(params, P.W);
  const kH = P.param(params, P.KH);
  const kW = P.param(params, P.KW);
  const sH = P.param(params, P.SH);
  const sW = P.param(params, P.SW);
  const dH = P.param(params, P.DH);
  const dW = P.param(params, P.DW);
  const pT = P.param(params, P.PT);
  const pL = P.param(params, P.PL);
  const outW = P.param(params, P.OUT_W);
  const padded = (outW + 3) & ~3;
  const rowBytes = <usize>padded << 2;
  for (let c = 0; c < channels; c++) {
    const plane = input + (<usize>(c * h * w) << 2);
    for (let kx = 0; kx < kW; kx++) {
      for (let f = 0; f < sH; f++) {
        if (!phaseUsed(f, kH, dH, sH)) continue;
        const to = dst + <usize>(((c * kW + kx) * sH + f) * planeRows) * rowBytes;
        for (let j = 0; j < rows; j++) {
          const iy = (oy0 + j) * sH + f - pT;
          if (iy < 0 || iy >= h) zeroFloats(to + <usize>j * rowBytes, padded);
          else tapRow(to + <usize>j * rowBytes, plane + (<usize>(iy * w) << 2), w, kx * dW - pL, sW, outW, padded);
        }
      }
    }
  }
}
