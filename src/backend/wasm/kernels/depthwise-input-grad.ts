// The input gradient of a strided depthwise convolution (groups = input channels, any depth multiplier
// m), direct: dX[n][c][iy][ix] = the sum over the channel's m output channels and the taps that read
// (iy, ix) of w times dY. Input row iy = p + sH j (phase p) is reached by the taps ky with
// (p + PT - ky DH) % SH = 0, every SH / gcd(SH, DH)-th from the first, through output rows j + cy - t
// (DH / gcd(SH, DH)) for t = 0, 1, ...: each phase is a small stride-1 convolution of dY, with no
// multiplies on zeros. Four consecutive columns of a phase read four consecutive dY columns (one
// vector) and are stored SW floats apart.
//
// A task is one input channel of one image. Its m dY planes are first copied into the worker's
// workspace, HP x WP floats each, padded by T = ceil((KH - 1) DH / SH) rows above and
// L = ceil((KW - 1) DW / SW) columns left (the farthest a phase's first row reaches back), with zeros
// after for the last rows' reach and the last vector's columns (HP >= OUT_H + 2T + 2, WP >= OUT_W + 2L + 4).
//
// Measured, one thread, 96 channels of 112x112 at stride 2 (MobileNet's): 1.2 ms in this kernel, 0.5 ms
// more copying dY in and dX out, against the forward's 0.9 ms in all. Loading each tap's weight in the
// inner loop took 6.5 ms: rows of up to 2 x 2 taps keep them in registers. Both column phases of a row
// at once, shuffled into whole vectors instead of stored lane by lane, measured no faster.

import * as P from './params';
import { padPlane, zeroFloats } from './plane';

function gcd(a: i32, b: i32): i32 {
  while (b != 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// The first tap of phase p along an axis (kernel k, stride s, padding pad, dilation d), or k if none.
// @ts-ignore: decorator
@inline function firstTap(p: i32, pad: i32, k: i32, s: i32, d: i32): i32 {
  let t = 0;
  while (t < k && (p + pad - t * d) % s != 0) t++;
  return t;
}

// Stores the first `count` lanes of v (count <= 4) at dst, `step` floats apart, or adds them there.
// @ts-ignore: decorator
@inline function storeStrided(dst: usize, v: v128, step: i32, count: i32, accumulate: bool): void {
  if (step == 1 && count == 4) {
    v128.store(dst, accumulate ? f32x4.add(v128.load(dst), v) : v);
    return;
  }
  const b = <usize>step << 2;
  storeLane(dst, f32x4.extract_lane(v, 0), accumulate);
  if (count > 1) storeLane(dst + b, f32x4.extract_lane(v, 1), accumulate);
  if (count > 2) storeLane(dst + 2 * b, f32x4.extract_lane(v, 2), accumulate);
  if (count > 3) storeLane(dst + 3 * b, f32x4.extract_lane(v, 3), accumulate);
}

// @ts-ignore: decorator
@inline function storeLane(dst: usize, x: f32, accumulate: bool): void {
  store<f32>(dst, accumulate ? load<f32>(dst) + x : x);
}

// One row of a phase with at most 2 x 2 taps (stride-2 layers with 3x3 and smaller kernels), four
// columns at a time, the weights in registers: taps (t, u) read dY at src - t rowStep - u colStep floats.
// `taps` is constant at each call site, so that the branches on it fold away.
// @ts-ignore: decorator
@inline function phaseRow2x2(src: usize, dst: usize, cols: i32, sW: i32, rowStep: i32, colStep: i32, w00: v128, w01: v128, w10: v128, w11: v128, tapsY: i32, tapsX: i32, accumulate: bool): void {
  const up = <usize>rowStep << 2, left = <usize>colStep << 2;
  for (let i = 0; i < cols; i += 4) {
    const p = src + (<usize>i << 2);
    let acc = f32x4.mul(w00, v128.load(p));
    if (tapsX == 2) acc = f32x4.add(acc, f32x4.mul(w01, v128.load(p - left)));
    if (tapsY == 2) {
      acc = f32x4.add(acc, f32x4.mul(w10, v128.load(p - up)));
      if (tapsX == 2) acc = f32x4.add(acc, f32x4.mul(w11, v128.load(p - up - left)));
    }
    storeStrided(dst + (<usize>(i * sW) << 2), acc, sW, min(4, cols - i), accumulate);
  }
}

// One row of a phase with any taps, four columns at a time: tap (t, u) reads dY at src - t rowStep -
// u colStep floats, its weight at wts + t wStepY + u wStepX.
function phaseRow(src: usize, wts: usize, dst: usize, cols: i32, sW: i32, tapsY: i32, tapsX: i32, rowStep: i32, colStep: i32, wStepY: i32, wStepX: i32, accumulate: bool): void {
  if (tapsY <= 2 && tapsX <= 2) {
    const w00 = v128.load32_splat(wts);
    const w01 = tapsX == 2 ? v128.load32_splat(wts + (<usize>wStepX << 2)) : f32x4.splat(0);
    const w10 = tapsY == 2 ? v128.load32_splat(wts + (<usize>wStepY << 2)) : f32x4.splat(0);
    const w11 = tapsY == 2 && tapsX == 2 ? v128.load32_splat(wts + (<usize>(wStepY + wStepX) << 2)) : f32x4.splat(0);
    if (tapsY == 1 && tapsX == 1) phaseRow2x2(src, dst, cols, sW, rowStep, colStep, w00, w01, w10, w11, 1, 1, accumulate);
    else if (tapsY == 1) phaseRow2x2(src, dst, cols, sW, rowStep, colStep, w00, w01, w10, w11, 1, 2, accumulate);
    else if (tapsX == 1) phaseRow2x2(src, dst, cols, sW, rowStep, colStep, w00, w01, w10, w11, 2, 1, accumulate);
    else phaseRow2x2(src, dst, cols, sW, rowStep, colStep, w00, w01, w10, w11, 2, 2, accumulate);
    return;
  }
  for (let i = 0; i < cols; i += 4) {
    let acc = f32x4.splat(0);
    for (let t = 0; t < tapsY; t++) {
      const row = src + (<usize>i << 2) - (<usize>(t * rowStep) << 2);
      const wt = wts + (<usize>(t * wStepY) << 2);
      for (let u = 0; u < tapsX; u++) {
        const wv = v128.load32_splat(wt + (<usize>(u * wStepX) << 2));
        acc = f32x4.add(acc, f32x4.mul(wv, v128.load(row - (<usize>(u * colStep) << 2))));
      }
    }
    storeStrided(dst + (<usize>(i * sW) << 2), acc, sW, min(4, cols - i), accumulate);
  }
}

export function depthwiseInputGradTask(params: usize, task: i32, worker: i32): void {
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
  const hp = P.param(params, P.HP);
  const wp = P.param(params, P.WP);
  const m = cOut / cIn;
  const n = task / cIn;
  const c = task % cIn;
  const top = ((kH - 1) * dH + sH - 1) / sH;
  const left = ((kW - 1) * dW + sW - 1) / sW;
  const planeBytes = <usize>(hp * wp) << 2;
  const planes = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  const gradOutput = <usize>P.param(params, P.INPUT) + (<usize>((n * cOut + c * m) * outH * outW) << 2);
  for (let r = 0; r < m; r++) {
    padPlane(gradOutput + <usize>(r * outH * outW) * 4, outH, outW, planes + <usize>r * planeBytes, hp, wp, top, left);
  }
  const out = <usize>P.param(params, P.OUTPUT) + (<usize>((n * cIn + c) * h * w) << 2);
  const weights = <usize>P.param(params, P.WEIGHT) + (<usize>(c * m * kH * kW) << 2);
  const stepY = sH / gcd(sH, dH), dilY = dH / gcd(sH, dH);
  const stepX = sW / gcd(sW, dW), dilX = dW / gcd(sW, dW);
  // rows and columns of phases that no tap reaches keep these zeros
  let reached = true;
  for (let p = 0; p < sH; p++) reached = reached && firstTap(p, pT, kH, sH, dH) < kH;
  for (let p = 0; p < sW; p++) reached = reached && firstTap(p, pL, kW, sW, dW) < kW;
  if (!reached) zeroFloats(out, h * w);
  for (let py = 0; py < min(sH, h); py++) {
    const ky0 = firstTap(py, pT, kH, sH, dH);
    if (ky0 == kH) continue;
    const tapsY = (kH - 1 - ky0) / stepY + 1;
    const cy = (py + pT - ky0 * dH) / sH;
    const rows = (h - py + sH - 1) / sH;
    for (let px = 0; px < min(sW, w); px++) {
      const kx0 = firstTap(px, pL, kW, sW, dW);
      if (kx0 == kW) continue;
      const tapsX = (kW - 1 - kx0) / stepX + 1;
      const cx = (px + pL - kx0 * dW) / sW;
      const cols = (w - px + sW - 1) / sW;
      for (let r = 0; r < m; r++) {
        const plane = planes + <usize>r * planeBytes;
        const wr = weights + (<usize>((r * kH + ky0) * kW + kx0) << 2);
        for (let j = 0; j < rows; j++) {
          // the padded dY row and column that tap (0, 0) reads for phase column 0
          const src = plane + (<usize>((j + cy + top) * wp + cx + left) << 2);
          const dst = out + (<usize>((py + sH * j) * w + px) << 2);
          phaseRow(src, wr, dst, cols, sW, tapsY, tapsX, dilY * wp, dilX, stepY * kW, stepX, r > 0);
        }
      }
    }
  }
}
