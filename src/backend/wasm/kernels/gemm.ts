// Convolution as a GEMM per (image, group): C[M x N] = A[M x K] * B[K x N] + bias, with
// M = output channels of the group, K = (input channels of the group) * kH * kW, N = output positions.
// C is the NCHW output itself. A is the weights, packed in panels of 4 rows ([k][4] per panel).
// B is never formed whole: its row k for 8 consecutive output positions is 8 consecutive floats at
// `base + offsets[k]`. At stride 1 (gemmDirectTask) base points into a zero-padded copy of the input
// and offsets[k] = (channel, ky, kx) shifts, so no im2col is needed; otherwise (gemmIm2colTask) base
// points into a [KC x TILE] block that im2col writes into the worker's workspace.

import * as P from './params';
import { im2colBlock } from './im2col';
import { act1, act4 } from './activation';
import { copyFloats } from './plane';

const MR: i32 = 4;
const NR: i32 = 8;

// A 4x8 tile of C over kc steps, 8 f32x4 accumulators: 8 + 2 loads of B + 1 splat of A fit the 15
// vector registers V8 gives WebAssembly; not `wide`, a 4x4 tile (for the last columns of a row: half
// the work of a 4x8 one that recomputes four). `first` starts from the bias, else from C; on the last
// block of K, the residual at `res` (laid out as C; 0: none) is added and activation `act` applied as
// the tile is stored. `wide` is a constant wherever this is inlined.
// @ts-ignore: decorator
@inline function micro(kc: i32, a: usize, b: usize, offsets: usize, c: usize, cStride: usize, first: bool, bias: usize, act: i32, res: usize, wide: bool): void {
  let c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128;
  if (first) {
    c00 = v128.load32_splat(bias, 0); c01 = c00;
    c10 = v128.load32_splat(bias, 4); c11 = c10;
    c20 = v128.load32_splat(bias, 8); c21 = c20;
    c30 = v128.load32_splat(bias, 12); c31 = c30;
  } else {
    c00 = v128.load(c, 0); c10 = v128.load(c + cStride, 0); c20 = v128.load(c + 2 * cStride, 0); c30 = v128.load(c + 3 * cStride, 0);
    c01 = wide ? v128.load(c, 16) : c00;
    c11 = wide ? v128.load(c + cStride, 16) : c10;
    c21 = wide ? v128.load(c + 2 * cStride, 16) : c20;
    c31 = wide ? v128.load(c + 3 * cStride, 16) : c30;
  }
  const end = offsets + (<usize>kc << 2);
  for (let o = offsets; o < end; o += 4) {
    const row = b + <usize>load<i32>(o);
    const b0 = v128.load(row, 0);
    const b1 = wide ? v128.load(row, 16) : b0;
    let av = v128.load32_splat(a, 0);
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    if (wide) c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 4);
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    if (wide) c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 8);
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    if (wide) c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 12);
    c30 = f32x4.add(c30, f32x4.mul(av, b0));
    if (wide) c31 = f32x4.add(c31, f32x4.mul(av, b1));
    a += 16;
  }
  if (res != 0) {
    c00 = f32x4.add(c00, v128.load(res, 0)); c10 = f32x4.add(c10, v128.load(res + cStride, 0));
    c20 = f32x4.add(c20, v128.load(res + 2 * cStride, 0)); c30 = f32x4.add(c30, v128.load(res + 3 * cStride, 0));
    if (wide) {
      c01 = f32x4.add(c01, v128.load(res, 16)); c11 = f32x4.add(c11, v128.load(res + cStride, 16));
      c21 = f32x4.add(c21, v128.load(res + 2 * cStride, 16)); c31 = f32x4.add(c31, v128.load(res + 3 * cStride, 16));
    }
  }
  if (act != 0) {
    c00 = act4(act, c00); c01 = act4(act, c01); c10 = act4(act, c10); c11 = act4(act, c11);
    c20 = act4(act, c20); c21 = act4(act, c21); c30 = act4(act, c30); c31 = act4(act, c31);
  }
  v128.store(c, c00, 0); v128.store(c + cStride, c10, 0); v128.store(c + 2 * cStride, c20, 0); v128.store(c + 3 * cStride, c30, 0);
  if (wide) {
    v128.store(c, c01, 16); v128.store(c + cStride, c11, 16); v128.store(c + 2 * cStride, c21, 16); v128.store(c + 3 * cStride, c31, 16);
  }
}

// The address of column j of a row at p, or 0 (no residual) where p is.
// @ts-ignore: decorator
@inline function shifted(p: usize, j: i32): usize {
  return p == 0 ? 0 : p + (<usize>j << 2);
}

// A tile that overhangs C (fewer than 4 rows or 8 columns left) runs on a 4x8 scratch copy; the
// residual and activation are applied as it is copied out.
function edgeTile(kc: i32, a: usize, b: usize, offsets: usize, c: usize, cStride: usize, first: bool, bias: usize, act: i32, res: usize, rows: i32, cols: i32, scratch: usize): void {
  if (!first) {
    for (let r = 0; r < rows; r++) copyFloats(scratch + <usize>(r * NR * 4), c + <usize>r * cStride, cols);
  }
  micro(kc, a, b, offsets, scratch, <usize>(NR * 4), first, bias, 0, 0, true);
  for (let r = 0; r < rows; r++) {
    const from = scratch + <usize>(r * NR * 4);
    const to = c + <usize>r * cStride;
    if (act == 0 && res == 0) {
      copyFloats(to, from, cols);
      continue;
    }
    for (let j = 0; j < cols; j++) {
      const at = <usize>j << 2;
      const v = load<f32>(from + at);
      store<f32>(to + at, act1(act, res == 0 ? v : v + load<f32>(res + <usize>r * cStride + at)));
    }
  }
}

// C's columns [0, cols) of `rows` rows of output positions (B's and C's rows `bRow` and `cRow` bytes
// apart), for the `m` rows of C whose weights are packed at `weights` ([panel][K][4]) and biases at
// `biases` ([panel][4]), over k in [k0, k0 + kc). `b` is B's base for column 0 of the first row
// (column j is 4 bytes further), `c` C's column 0 of its first row. A
// panel of weights is used for all the rows before the next, so that it stays in L1. With `overlap`
// (allowed when this call covers the whole of K, so that a column computed twice gets the same value
// twice) a ragged row end is done as the row's last 8 or 4 columns. The last block of K adds the
// residual (`res`: its address where C's is `c`; 0: none) and applies activation `act` as it stores C.
export function panels(weights: usize, biases: usize, m: i32, K: i32, k0: i32, kc: i32, b: usize, offsets: usize, c: usize, cStride: usize, rows: i32, bRow: usize, cRow: usize, cols: i32, scratch: usize, overlap: bool, act: i32, res: usize): void {
  const mPanels = (m + MR - 1) / MR;
  const first = k0 == 0;
  const last = k0 + kc == K;
  const activate = last ? act : 0;
  const residual = last ? res : 0;
  for (let mp = 0; mp < mPanels; mp++) {
    const a = weights + (<usize>(mp * K + k0) << 4);
    const bias = biases + (<usize>mp << 4);
    const channels = min(MR, m - mp * MR);
    for (let r = 0; r < rows; r++) {
      const br = b + <usize>r * bRow;
      const cp = c + <usize>(mp * MR) * cStride + <usize>r * cRow;
      const rp = residual == 0 ? 0 : residual + (cp - c);
      let j = 0;
      if (channels == MR) {
        for (; j + NR <= cols; j += NR) micro(kc, a, br + (<usize>j << 2), offsets, cp + (<usize>j << 2), cStride, first, bias, activate, shifted(rp, j), true);
        // the last 1-7 columns: with `overlap`, the row's last 8 (more than 4 left) or last 4 columns;
        // exactly 4 on the 4x4 tile; else the scratch tile (a 4x4 tile and a scratch tile for 5-7
        // columns ran 1.4x slower on 5 and 7 wide rows than the scratch tile alone)
        const left = cols - j;
        if (overlap && left > 4 && cols >= NR) {
          micro(kc, a, br + (<usize>(cols - NR) << 2), offsets, cp + (<usize>(cols - NR) << 2), cStride, first, bias, activate, shifted(rp, cols - NR), true);
          j = cols;
        } else if (left == 4 || (overlap && left > 0 && left < 4 && cols >= 4)) {
          const at = cols - 4;
          micro(kc, a, br + (<usize>at << 2), offsets, cp + (<usize>at << 2), cStride, first, bias, activate, shifted(rp, at), false);
          j = cols;
        }
      }
      for (; j < cols; j += NR) {
        edgeTile(kc, a, br + (<usize>j << 2), offsets, cp + (<usize>j << 2), cStride, first, bias, activate, shifted(rp, j), channels, min(NR, cols - j), scratch);
      }
    }
  }
}

// The packed weights and biases of group g.
// @ts-ignore: decorator
@inline function groupWeights(params: usize, g: i32): usize {
  return <usize>P.param(params, P.WEIGHT) + (<usize>(g * P.param(params, P.M_PANELS) * P.param(params, P.K)) << 4);
}

// @ts-ignore: decorator
@inline function groupBias(params: usize, g: i32): usize {
  return <usize>P.param(params, P.BIAS) + (<usize>(g * P.param(params, P.M_PANELS)) << 4);
}

// @ts-ignore: decorator
@inline function outputOf(params: usize, n: i32, g: i32): usize {
  const cOut = P.param(params, P.C_OUT);
  const N = P.param(params, P.OUT_H) * P.param(params, P.OUT_W);
  return <usize>P.param(params, P.OUTPUT) + (<usize>(n * cOut + g * (cOut / P.param(params, P.GROUPS))) * <usize>N << 2);
}

// A task's share of a group's output channels: block `mb` of M_BLOCKS, in whole panels of 4 channels,
// starting at panel firstPanel(...) and holding blockRows(...) channels.
// @ts-ignore: decorator
@inline function firstPanel(params: usize, mb: i32): i32 {
  const blocks = P.param(params, P.M_BLOCKS);
  return mb * ((P.param(params, P.M_PANELS) + blocks - 1) / blocks);
}

// @ts-ignore: decorator
@inline function blockRows(params: usize, mb: i32): i32 {
  const blocks = P.param(params, P.M_BLOCKS);
  const m = P.param(params, P.C_OUT) / P.param(params, P.GROUPS);
  return min(((P.param(params, P.M_PANELS) + blocks - 1) / blocks) * MR, m - firstPanel(params, mb) * MR);
}

// The residual's address where the output's is `c` (0: no residual).
// @ts-ignore: decorator
@inline function residualOf(params: usize, c: usize): usize {
  const res = <usize>P.param(params, P.RESIDUAL);
  return res == 0 ? 0 : c - <usize>P.param(params, P.OUTPUT) + res;
}

// Runs `panels` for output-channel block mb of group g (C's first row of the group at `c`).
// @ts-ignore: decorator
@inline function blockPanels(params: usize, g: i32, mb: i32, k0: i32, kc: i32, b: usize, offsets: usize, c: usize, cStride: usize, rows: i32, bRow: usize, cRow: usize, cols: i32, scratch: usize): void {
  const K = P.param(params, P.K);
  const mp0 = firstPanel(params, mb);
  panels(groupWeights(params, g) + (<usize>(mp0 * K) << 4), groupBias(params, g) + (<usize>mp0 << 4), blockRows(params, mb), K, k0, kc,
    b, offsets, c + <usize>(mp0 * MR) * cStride, cStride, rows, bRow, cRow, cols, scratch, kc == K, P.param(params, P.ACTIVATION), residualOf(params, c + <usize>(mp0 * MR) * cStride));
}

// A GEMM task's number, (image, group, tile, block of output channels) in row-major order, taken apart.
// @ts-ignore: decorator
@inline function taskBlock(params: usize, task: i32): i32 {
  return task % P.param(params, P.M_BLOCKS);
}

// @ts-ignore: decorator
@inline function taskTile(params: usize, task: i32): i32 {
  return (task / P.param(params, P.M_BLOCKS)) % P.param(params, P.TILES);
}

// @ts-ignore: decorator
@inline function taskGroup(params: usize, task: i32): i32 {
  return (task / (P.param(params, P.M_BLOCKS) * P.param(params, P.TILES))) % P.param(params, P.GROUPS);
}

// @ts-ignore: decorator
@inline function taskImage(params: usize, task: i32): i32 {
  return task / (P.param(params, P.M_BLOCKS) * P.param(params, P.TILES) * P.param(params, P.GROUPS));
}

// Stride 1: task = (image, group, a band of TILE output rows, a block of output channels), B read
// straight from the padded input.
export function gemmDirectTask(params: usize, task: i32, worker: i32): void {
  const groups = P.param(params, P.GROUPS);
  const mb = taskBlock(params, task);
  const n = taskImage(params, task);
  const g = taskGroup(params, task);
  const outH = P.param(params, P.OUT_H);
  const outW = P.param(params, P.OUT_W);
  const y0 = taskTile(params, task) * P.param(params, P.TILE);
  const y1 = min(outH, y0 + P.param(params, P.TILE));
  const K = P.param(params, P.K);
  const KC = P.param(params, P.KC);
  const wp = P.param(params, P.WP);
  const cInG = P.param(params, P.C_IN) / groups;
  const plane = <usize>P.param(params, P.PLANE) << 2;
  const input = <usize>P.param(params, P.PADDED) + <usize>(n * P.param(params, P.C_IN) + g * cInG) * plane;
  const output = outputOf(params, n, g);
  const cStride = <usize>(outH * outW) << 2;
  const scratch = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  // where B's rows are as wide as C's (a kernel one column wide: 1x1), the band's rows follow each other
  // in both, and run as one row: 7- and 14-wide rows otherwise end in an overlapping or scratch tile
  // every row (measured: 1x1 960->160 on 7x7 and 384->64 on 14x14, one thread, 1.5x and 1.2x faster)
  const flat = wp == outW;
  const rows = flat ? 1 : y1 - y0;
  const cols = flat ? (y1 - y0) * outW : outW;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const offsets = <usize>P.param(params, P.OFFSETS) + (<usize>k0 << 2);
    const b = input + (<usize>(y0 * wp) << 2);
    blockPanels(params, g, mb, k0, kc, b, offsets, output + (<usize>(y0 * outW) << 2), cStride, rows, <usize>wp << 2, <usize>outW << 2, cols, scratch);
  }
}

// Any stride: task = (image, group, TILE consecutive output positions, a block of output channels), B
// from im2col blocks (each block of output channels makes its own: a small image with many channels
// has too few positions to share among threads otherwise).
export function gemmIm2colTask(params: usize, task: i32, worker: i32): void {
  const groups = P.param(params, P.GROUPS);
  const mb = taskBlock(params, task);
  const n = taskImage(params, task);
  const g = taskGroup(params, task);
  const N = P.param(params, P.OUT_H) * P.param(params, P.OUT_W);
  const tile = P.param(params, P.TILE);
  const n0 = taskTile(params, task) * tile;
  const nc = min(tile, N - n0);
  const K = P.param(params, P.K);
  const KC = P.param(params, P.KC);
  const cInG = P.param(params, P.C_IN) / groups;
  const planeIn = <usize>(P.param(params, P.H) * P.param(params, P.W)) << 2;
  const input = <usize>P.param(params, P.INPUT) + <usize>(n * P.param(params, P.C_IN) + g * cInG) * planeIn;
  const output = outputOf(params, n, g) + (<usize>n0 << 2);
  const cStride = <usize>N << 2;
  const scratch = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  const block = scratch + 128;
  const offsets = <usize>P.param(params, P.OFFSETS);
  const rowFloats = P.param(params, P.WP);
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    im2colBlock(params, input, k0, kc, n0, nc, block, rowFloats);
    blockPanels(params, g, mb, k0, kc, block, offsets, output, cStride, 1, 0, 0, nc, scratch);
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
      // a whole panel four k at a time, a 4x4 transpose each (the weights are packed on every run:
      // one float at a time this took a tenth of a 1x1 160->960 layer on 7x7)
      let k0 = 0;
      if ((mp + 1) * MR <= m) {
        const src = weight + (<usize>((g * m + mp * MR) * K) << 2);
        const rowBytes = <usize>K << 2;
        for (; k0 + 4 <= K; k0 += 4) {
          const at = src + (<usize>k0 << 2);
          const r0 = v128.load(at), r1 = v128.load(at + rowBytes), r2 = v128.load(at + 2 * rowBytes), r3 = v128.load(at + 3 * rowBytes);
          const lo01 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), lo23 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
          const hi01 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), hi23 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          const dst = panel + (<usize>k0 << 4);
          v128.store(dst, v128.shuffle<f32>(lo01, lo23, 0, 1, 4, 5), 0);
          v128.store(dst, v128.shuffle<f32>(lo01, lo23, 2, 3, 6, 7), 16);
          v128.store(dst, v128.shuffle<f32>(hi01, hi23, 0, 1, 4, 5), 32);
          v128.store(dst, v128.shuffle<f32>(hi01, hi23, 2, 3, 6, 7), 48);
        }
      }
      for (let r = 0; r < MR; r++) {
        const row = mp * MR + r;
        const src = weight + (<usize>((g * m + row) * K) << 2);
        const b = packedBias + (<usize>((g * mPanels + mp) * MR + r) << 2);
        if (row < m) {
          for (let k = k0; k < K; k++) store<f32>(panel + (<usize>(k * MR + r) << 2), load<f32>(src + (<usize>k << 2)));
          store<f32>(b, bias == 0 ? 0 : load<f32>(bias + (<usize>(g * m + row) << 2)));
        } else {
          for (let k = 0; k < K; k++) store<f32>(panel + (<usize>(k * MR + r) << 2), 0);
          store<f32>(b, 0);
        }
      }
    }
  }
}
