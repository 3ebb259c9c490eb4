// A 1x1 convolution of 1x1 images (a Linear layer's matrix-vector products): y[n][m] = bias[m] +
// sum over k of W[m][k] x[n][k], with W as given ([cOut][K], K contiguous) and x the n-th image's K
// channels. The GEMM's tiles span output positions, of which there is one per image here, so 7 of
// their 8 columns would be wasted; this runs along K instead, four rows of W against one image at a
// time, each row's four lanes summed at the end. The residual and activation are applied as in the GEMM.

import * as P from './params';
import { act1 } from './activation';

// Output rows per task: its rows of W (64 KiB at K = 1024) are read from L2 by every image.
const ROWS: i32 = 16;

// @ts-ignore: decorator
@inline function sum4(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// The dot products of K floats at x with rows w, w + row, w + 2 row, w + 3 row (`rows` of them, 1 to 4),
// four lanes at a time with an accumulator a row (independent adds), the last K % 4 one by one.
// @ts-ignore: decorator
@inline function dots(w: usize, row: usize, x: usize, K: i32, rows: i32, out: usize): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const at = <usize>k << 2;
    const xv = v128.load(x + at);
    a0 = f32x4.add(a0, f32x4.mul(v128.load(w + at), xv));
    if (rows > 1) a1 = f32x4.add(a1, f32x4.mul(v128.load(w + row + at), xv));
    if (rows > 2) a2 = f32x4.add(a2, f32x4.mul(v128.load(w + 2 * row + at), xv));
    if (rows > 3) a3 = f32x4.add(a3, f32x4.mul(v128.load(w + 3 * row + at), xv));
  }
  store<f32>(out, sum4(a0));
  store<f32>(out, sum4(a1), 4);
  store<f32>(out, sum4(a2), 8);
  store<f32>(out, sum4(a3), 12);
  for (let r = 0; r < rows; r++) {
    let v = load<f32>(out + (<usize>r << 2));
    for (let j = k; j < K; j++) v += load<f32>(w + <usize>r * row + (<usize>j << 2)) * load<f32>(x + (<usize>j << 2));
    store<f32>(out + (<usize>r << 2), v);
  }
}

// Task t: output channels [16 t, 16 t + 16) of every image.
export function denseTask(params: usize, task: i32, worker: i32): void {
  const n = P.param(params, P.N);
  const K = P.param(params, P.C_IN);
  const cOut = P.param(params, P.C_OUT);
  const weight = <usize>P.param(params, P.WEIGHT);
  const bias = <usize>P.param(params, P.BIAS);
  const input = <usize>P.param(params, P.INPUT);
  const output = <usize>P.param(params, P.OUTPUT);
  const residual = <usize>P.param(params, P.RESIDUAL);
  const act = P.param(params, P.ACTIVATION);
  const sums = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  const row = <usize>K << 2;
  const m1 = min(cOut, (task + 1) * ROWS);
  for (let i = 0; i < n; i++) {
    const x = input + <usize>i * row;
    for (let m0 = task * ROWS; m0 < m1; m0 += 4) {
      const rows = min(4, m1 - m0);
      dots(weight + <usize>m0 * row, row, x, K, rows, sums);
      for (let r = 0; r < rows; r++) {
        const m = m0 + r;
        let v = load<f32>(sums + (<usize>r << 2)) + (bias == 0 ? <f32>0 : load<f32>(bias + (<usize>m << 2)));
        const at = <usize>(i * cOut + m) << 2;
        if (residual != 0) v += load<f32>(residual + at);
        store<f32>(output + at, act1(act, v));
      }
    }
  }
}
