// Convolution as a GEMM per (image, group): C[M x N] = A[M x K] * B[K x N] (+ bias), with
// M = output channels of the group, K = (input channels of the group) * kH * kW, N = outH * outW.
// C is the NCHW output itself. A is the weights, packed in panels of 4 rows ([k][4] per panel).
// B is the input itself for a 1x1 stride-1 unpadded convolution, else a [kc][nc] block that
// im2col writes into the worker's workspace, one block of K and of N at a time.

import * as P from './params';
import { im2colBlock } from './im2col';

const MR: i32 = 4;
const NR: i32 = 8;

// A 4x8 tile of C over kc steps, 8 f32x4 accumulators: 8 + 2 loads of B + 1 splat of A fit the 15
// vector registers V8 gives WebAssembly. `first` starts from the bias, else from C.
// @ts-ignore: decorator
@inline function micro4x8(kc: i32, a: usize, b: usize, bStride: usize, c: usize, cStride: usize, first: bool, bias: usize): void {
  let c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128;
  if (first) {
    c00 = v128.load32_splat(bias, 0); c01 = c00;
    c10 = v128.load32_splat(bias, 4); c11 = c10;
    c20 = v128.load32_splat(bias, 8); c21 = c20;
    c30 = v128.load32_splat(bias, 12); c31 = c30;
  } else {
    c00 = v128.load(c, 0); c01 = v128.load(c, 16);
    c10 = v128.load(c + cStride, 0); c11 = v128.load(c + cStride, 16);
    c20 = v128.load(c + 2 * cStride, 0); c21 = v128.load(c + 2 * cStride, 16);
    c30 = v128.load(c + 3 * cStride, 0); c31 = v128.load(c + 3 * cStride, 16);
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b, 0);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a, 0);
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 4);
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 8);
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 12);
    c30 = f32x4.add(c30, f32x4.mul(av, b0));
    c31 = f32x4.add(c31, f32x4.mul(av, b1));
    a += 16;
    b += bStride;
  }
  v128.store(c, c00, 0); v128.store(c, c01, 16);
  v128.store(c + cStride, c10, 0); v128.store(c + cStride, c11, 16);
  v128.store(c + 2 * cStride, c20, 0); v128.store(c + 2 * cStride, c21, 16);
  v128.store(c + 3 * cStride, c30, 0); v128.store(c + 3 * cStride, c31, 16);
}

// A tile that overhangs C (fewer than 4 rows or 8 columns left) runs on a 4x8 scratch copy.
function edgeTile(kc: i32, a: usize, b: usize, bStride: usize, c: usize, cStride: usize, first: bool, bias: usize, rows: i32, cols: i32, scratch: usize): void {
  if (!first) {
    for (let r = 0; r < rows; r++) memory.copy(scratch + <usize>(r * NR * 4), c + <usize>r * cStride, <usize>(cols * 4));
  }
  micro4x8(kc, a, b, bStride, scratch, <usize>(NR * 4), first, bias);
  for (let r = 0; r < rows; r++) memory.copy(c + <usize>r * cStride, scratch + <usize>(r * NR * 4), <usize>(cols * 4));
}

// One task: image n, group g, columns [n0, n0 + nc) of C, over the whole K in blocks of KC.
export function gemmConvTask(params: usize, task: i32, worker: i32): void {
  const groups = P.param(params, P.GROUPS);
  const tiles = P.param(params, P.TILES);
  const n = task / (groups * tiles);
  const g = (task / tiles) % groups;
  const tile = task % tiles;
  const cOut = P.param(params, P.C_OUT);
  const m = cOut / groups;
  const K = P.param(params, P.K);
  const KC = P.param(params, P.KC);
  const NC = P.param(params, P.NC);
  const N = P.param(params, P.OUT_H) * P.param(params, P.OUT_W);
  const n0 = tile * NC;
  const nc = min(NC, N - n0);
  const mPanels = P.param(params, P.M_PANELS);
  const pointwise = P.param(params, P.POINTWISE) != 0;
  const cInG = P.param(params, P.C_IN) / groups;
  const planeIn = <usize>(P.param(params, P.H) * P.param(params, P.W)) << 2;

  const workspace = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  const scratch = workspace; // 4x8 floats
  const block = workspace + 128;
  const input = <usize>P.param(params, P.INPUT) + (<usize>(n * P.param(params, P.C_IN) + g * cInG)) * planeIn;
  const weights = <usize>P.param(params, P.WEIGHT) + (<usize>(g * mPanels * K) << 4);
  const bias = <usize>P.param(params, P.BIAS) + (<usize>(g * mPanels) << 4);
  const output = <usize>P.param(params, P.OUTPUT) + ((<usize>(n * cOut + g * m) * <usize>N + <usize>n0) << 2);
  const cStride = <usize>N << 2;

  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    let b: usize;
    let bStride: usize;
    if (pointwise) {
      b = input + <usize>k0 * planeIn + (<usize>n0 << 2);
      bStride = planeIn;
    } else {
      const rowFloats = (nc + NR - 1) & ~(NR - 1);
      im2colBlock(params, input, k0, kc, n0, nc, block, rowFloats);
      b = block;
      bStride = <usize>rowFloats << 2;
    }
    const first = k0 == 0;
    for (let mp = 0; mp < mPanels; mp++) {
      const a = weights + (<usize>(mp * K + k0) << 4);
      const rows = min(MR, m - mp * MR);
      const c = output + <usize>(mp * MR) * cStride;
      const biasRow = bias + (<usize>mp << 4);
      let j = 0;
      if (rows == MR) {
        for (; j + NR <= nc; j += NR) micro4x8(kc, a, b + (<usize>j << 2), bStride, c + (<usize>j << 2), cStride, first, biasRow);
      }
      for (; j < nc; j += NR) {
        edgeTile(kc, a, b + (<usize>j << 2), bStride, c + (<usize>j << 2), cStride, first, biasRow, rows, min(NR, nc - j), scratch);
      }
    }
  }
}

// Packs the weights of every group, [cOut][K] row-major, into panels of 4 rows: [g][panel][k][4],
// rows past the group's last output channel zero. Bias is packed the same way, [g][panel][4].
export function packWeights(params: usize, weight: usize, bias: usize): void {
  const groups = P.param(params, P.GROUPS);
  const m = P.param(params, P.C_OUT) / groups;
  const K = P.param(params, P.K);
  const mPanels = P.param(params, P.M_PANELS);
  const packed = <usize>P.param(params, P.WEIGHT);
  const packedBias = <usize>P.param(params, P.BIAS);
  for (let g = 0; g < groups; g++) {
    for (let mp = 0; mp < mPanels; mp++) {
      const panel = packed + (<usize>((g * mPanels + mp) * K) << 4);
      for (let r = 0; r < MR; r++) {
        const row = mp * MR + r;
        const src = weight + (<usize>((g * m + row) * K) << 2);
        const b = packedBias + (<usize>((g * mPanels + mp) * MR + r) << 2);
        if (row < m) {
          for (let k = 0; k < K; k++) store<f32>(panel + (<usize>(k * MR + r) << 2), load<f32>(src + (<usize>k << 2)));
          store<f32>(b, bias == 0 ? 0 : load<f32>(bias + (<usize>(g * m + row) << 2)));
        } else {
          for (let k = 0; k < K; k++) store<f32>(panel + (<usize>(k * MR + r) << 2), 0);
          store<f32>(b, 0);
        }
      }
    }
  }
}
