// Copies and zero fills of float rows, and zero-padded copies of image planes (so that convolution
// loops read without bounds checks). Rows are short (tens to hundreds of floats), and V8 runs
// memory.copy and memory.fill as calls out of the generated code, which cost more than such a row:
// these loops stay inline, four floats at a time. The tasks copy the input's channels into the
// padded (and maybe split) planes the convolution kernels read.

import * as P from './params';

// @ts-ignore: decorator
@inline export function copyFloats(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < count; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

// @ts-ignore: decorator
@inline export function zeroFloats(dst: usize, count: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(dst + (<usize>i << 2), zero);
  for (; i < count; i++) store<f32>(dst + (<usize>i << 2), 0);
}

// Copies an h x w plane into an hp x wp plane at row pT, column pL, with zeros around it; rows and
// columns that fall outside hp x wp are left out (a convolution that never reads them need not have them).
export function padPlane(src: usize, h: i32, w: i32, dst: usize, hp: i32, wp: i32, pT: i32, pL: i32): void {
  // a stride past the image can leave fewer rows read than the padding above it (h = 1, padding 2,
  // stride 5: hp = 1): the plane is then all zeros, and nothing is written past its hp rows
  const top = min(pT, hp);
  const rows = max(0, min(h, hp - pT));
  const cols = min(w, wp - pL);
  zeroFloats(dst, top * wp);
  for (let y = 0; y < rows; y++) {
    const row = dst + (<usize>((y + pT) * wp) << 2);
    zeroFloats(row, pL);
    copyFloats(row + (<usize>pL << 2), src + (<usize>(y * w) << 2), cols);
    zeroFloats(row + (<usize>(pL + cols) << 2), wp - pL - cols);
  }
  zeroFloats(dst + (<usize>((top + rows) * wp) << 2), (hp - top - rows) * wp);
}

// A padded row (`cols` input floats from `from`, at padded column pL) as its even columns at `even` and
// its odd ones at `odd`, `half` floats each, zeros where the row has no input (cols: 0 to 2 half - pL).
// @ts-ignore: decorator
@inline function splitRow(from: usize, cols: i32, pL: i32, even: usize, odd: usize, half: i32): void {
  // input column x is padded column x + pL; the input fills even columns [e0, e1) and odd ones [o0, o1)
  const e0 = min(half, (pL + 1) >> 1), e1 = (pL + cols + 1) >> 1;
  const o0 = min(half, pL >> 1), o1 = (pL + cols) >> 1;
  zeroFloats(even, e0);
  zeroFloats(even + (<usize>e1 << 2), half - e1);
  zeroFloats(odd, o0);
  zeroFloats(odd + (<usize>o1 << 2), half - o1);
  const first = pL & 1; // the half that input column 0 goes to
  const a = first == 0 ? even + (<usize>e0 << 2) : odd + (<usize>o0 << 2); // input columns 0, 2, 4, ...
  const b = first == 0 ? odd + (<usize>o0 << 2) : even + (<usize>e0 << 2); // columns 1, 3, 5, ...
  let x = 0;
  for (; x + 8 <= cols; x += 8) {
    const v0 = v128.load(from + (<usize>x << 2)), v1 = v128.load(from + (<usize>x << 2), 16);
    v128.store(a + (<usize>x << 1), v128.shuffle<f32>(v0, v1, 0, 2, 4, 6));
    v128.store(b + (<usize>x << 1), v128.shuffle<f32>(v0, v1, 1, 3, 5, 7));
  }
  for (; x < cols; x++) store<f32>(((x & 1) == 0 ? a : b) + (<usize>(x >> 1) << 2), load<f32>(from + (<usize>x << 2)));
}

// The same as padPlane, each padded row stored as its even columns, then its odd ones, `half` floats
// each: a stride-2 convolution then reads its taps as whole vectors, with no shuffles.
export function padPlaneSplit(src: usize, h: i32, w: i32, dst: usize, hp: i32, half: i32, pT: i32, pL: i32): void {
  const wp = 2 * half;
  const top = min(pT, hp);
  const rows = max(0, min(h, hp - pT));
  const cols = max(0, min(w, wp - pL));
  zeroFloats(dst, top * wp);
  for (let y = 0; y < rows; y++) {
    const even = dst + (<usize>((y + pT) * wp) << 2);
    splitRow(src + (<usize>(y * w) << 2), cols, pL, even, even + (<usize>half << 2), half);
  }
  zeroFloats(dst + (<usize>((top + rows) * wp) << 2), (hp - top - rows) * wp);
}

// Copies every channel plane of the input into a zero-padded plane of HP x WP, PLANE floats apart.
export function padTask(params: usize, task: i32, worker: i32): void {
  const h = P.param(params, P.H);
  const w = P.param(params, P.W);
  const src = <usize>P.param(params, P.INPUT) + (<usize>(task * h * w) << 2);
  const dst = <usize>P.param(params, P.PADDED) + (<usize>(task * P.param(params, P.PLANE)) << 2);
  padPlane(src, h, w, dst, P.param(params, P.HP), P.param(params, P.WP), P.param(params, P.PT), P.param(params, P.PL));
}

// Task: image n, channel c. Writes the channel's SPLIT x SPLIT sub-images of its zero-padded plane (see
// params.ts): zeros throughout, then, for each sub-image (a, b), every SPLIT-th input value of every
// SPLIT-th row (padded (py, px) is sub-image (py % SPLIT, px % SPLIT) at (py / SPLIT, px / SPLIT); input
// (y, x) is padded (y + PT, x + PL)). Walking the sub-images needs no division per value.
export function splitTask(params: usize, task: i32, worker: i32): void {
  const h = P.param(params, P.H);
  const w = P.param(params, P.W);
  const pT = P.param(params, P.PT);
  const pL = P.param(params, P.PL);
  const d = P.param(params, P.SPLIT);
  const hp = P.param(params, P.HP);
  const wp = P.param(params, P.WP);
  const subPlane = P.param(params, P.SUB_PLANE);
  const src = <usize>P.param(params, P.INPUT) + (<usize>(task * h * w) << 2);
  const dst = <usize>P.param(params, P.PADDED) + (<usize>(task * P.param(params, P.PLANE)) << 2);
  if (d == 2) {
    // a stride-2 layer's phases: each padded row's even and odd columns, as vectors
    const cols = max(0, min(w, 2 * wp - pL));
    for (let a = 0; a < 2; a++) {
      const even = dst + (<usize>(2 * a * subPlane) << 2), odd = even + (<usize>subPlane << 2);
      for (let u = 0; u < hp; u++) {
        const y = a + 2 * u - pT;
        const at = <usize>(u * wp) << 2;
        if (y < 0 || y >= h) {
          zeroFloats(even + at, wp);
          zeroFloats(odd + at, wp);
        } else {
          splitRow(src + (<usize>(y * w) << 2), cols, pL, even + at, odd + at, wp);
        }
      }
    }
    return;
  }
  zeroFloats(dst, d * d * subPlane);
  for (let a = 0; a < d; a++) {
    for (let u = 0; u < hp; u++) {
      const y = a + d * u - pT;
      if (y < 0) continue;
      if (y >= h) break;
      const from = src + (<usize>(y * w) << 2);
      for (let b = 0; b < d; b++) {
        const to = dst + (<usize>((a * d + b) * subPlane + u * wp) << 2);
        let v = 0;
        let x = b - pL;
        for (; x < 0; x += d) v++;
        for (; v < wp && x < w; v++, x += d) store<f32>(to + (<usize>v << 2), load<f32>(from + (<usize>x << 2)));
      }
    }
  }
}
