// The weight gradient of a convolution as a GEMM per group over the positions P (batch x output rows x
// output columns): dW[m][k] = sum over p of dY[m][p] * Col[k][p], with M = the group's output channels,
// K = (the group's input channels) x kH x kW, and Col the im2col of the input (what tap k reads for
// position p). C = dW is [cOut][K] row-major, as the weights are.
//
// Both operands hold P contiguously, so the micro-kernel, gemm_nt_4x2_f32x4, takes dot products: f32x4
// lanes run along P, and a tile's eight sums meet across lanes once per block of positions. A 4x2 tile
// keeps 8 accumulators, a vector of dY and two of Col in 11 of the 16 vector registers, and does 8
// multiply-adds per 6 loads, as the forward's 4x8 tile does.
//
// A task is (slice of output rows, group, block of output channels). The positions are taken in
// blocks of whole output rows of one image, each row rounded up to whole vectors with zeros: dY's
// rows for the task's channels are packed, and Col's rows are read from tap planes (tap-planes.ts)
// built for a chunk of input channels at a time (or, for a 1x1 stride-1 layer without padding, from
// the input's planes in place). The slices make the threads' work independent of
// how many threads there are: slice s sums into its own partial dW (the output itself when there is
// one slice), and weightGradSumTask adds the partials in slice order, so the result has the same bits
// on any number of threads.

import * as P from './params';
import { buildTapPlanes } from './tap-planes';
import { zeroFloats } from './plane';

const MR: i32 = 4;
const NR: i32 = 2;
// A's panels that stay in L1 (half of it) while B's rows pass them.
const CHUNK_BYTES: usize = 24 * 1024;

// [sum of a's lanes, b's, c's, d's].
// @ts-ignore: decorator
@inline function laneSums(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 1, 4, 5), v128.shuffle<f32>(a, b, 2, 3, 6, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 1, 4, 5), v128.shuffle<f32>(c, d, 2, 3, 6, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 2, 4, 6), v128.shuffle<f32>(ab, cd, 1, 3, 5, 7));
}

// Adds lanes 0 .. rows-1 of `sums` to C's column at `c`, rows `cRow` bytes apart.
// @ts-ignore: decorator
@inline function addColumn(c: usize, cRow: usize, rows: i32, sums: v128): void {
  store<f32>(c, load<f32>(c) + f32x4.extract_lane(sums, 0));
  if (rows > 1) store<f32>(c + cRow, load<f32>(c + cRow) + f32x4.extract_lane(sums, 1));
  if (rows > 2) store<f32>(c + 2 * cRow, load<f32>(c + 2 * cRow) + f32x4.extract_lane(sums, 2));
  if (rows > 3) store<f32>(c + 3 * cRow, load<f32>(c + 3 * cRow) + f32x4.extract_lane(sums, 3));
}

// gemm_nt_4x2_f32x4: C[r][j] += dot(A row r, B row j) for r < rows (at most 4) and j < cols (at most 2),
// over `count` floats (a multiple of 4). A is a panel of 4 rows interleaved by vector ([vector][row][4]:
// one pointer, constant offsets), B's rows are at b0 and b1 (b0 again where cols = 1), C's `cRow`
// bytes apart.
function gemm_nt_4x2_f32x4(a: usize, rows: i32, b0: usize, b1: usize, cols: i32, count: i32, c: usize, cRow: usize): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const end = <usize>count << 2;
  for (let pa = a, i: usize = 0; i < end; pa += 64, i += 16) {
    const x0 = v128.load(b0 + i);
    const x1 = v128.load(b1 + i);
    let y = v128.load(pa);
    c00 = f32x4.add(c00, f32x4.mul(y, x0));
    c01 = f32x4.add(c01, f32x4.mul(y, x1));
    y = v128.load(pa, 16);
    c10 = f32x4.add(c10, f32x4.mul(y, x0));
    c11 = f32x4.add(c11, f32x4.mul(y, x1));
    y = v128.load(pa, 32);
    c20 = f32x4.add(c20, f32x4.mul(y, x0));
    c21 = f32x4.add(c21, f32x4.mul(y, x1));
    y = v128.load(pa, 48);
    c30 = f32x4.add(c30, f32x4.mul(y, x0));
    c31 = f32x4.add(c31, f32x4.mul(y, x1));
  }
  addColumn(c, cRow, rows, laneSums(c00, c10, c20, c30));
  if (cols > 1) addColumn(c + 4, cRow, rows, laneSums(c01, c11, c21, c31));
}

// B's row k: at `b` plus offsets[k] (bytes, an i32 each).
// @ts-ignore: decorator
@inline function bRowAt(b: usize, offsets: usize, k: i32): usize {
  return b + <usize>load<i32>(offsets + (<usize>k << 2));
}

// C[m][k] += dot(A row m, B row k) for m < rows, k < cols, A packed in panels of 4 rows (`panelBytes`
// apart), B's rows at `b` plus `offsets`. The panels are taken CHUNK_BYTES at a time, which stay in L1
// while each pair of B's rows passes them, and B's pair stays in L1 while the chunk's panels pass it.
function gemmBlock(a: usize, panelBytes: usize, rows: i32, b: usize, offsets: usize, cols: i32, count: i32, c: usize, cRow: usize): void {
  const chunk = max(MR, <i32>(CHUNK_BYTES / panelBytes) * MR);
  for (let m0 = 0; m0 < rows; m0 += chunk) {
    const m1 = min(rows, m0 + chunk);
    for (let k = 0; k < cols; k += NR) {
      const b0 = bRowAt(b, offsets, k);
      const b1 = k + 1 < cols ? bRowAt(b, offsets, k + 1) : b0;
      const ck = c + (<usize>k << 2);
      for (let m = m0; m < m1; m += MR) {
        gemm_nt_4x2_f32x4(a + <usize>(m / MR) * panelBytes, min(MR, rows - m), b0, b1, min(NR, cols - k), count, ck + <usize>m * cRow, cRow);
      }
    }
  }
}

// dY's `rows` channels (`channelBytes` apart), output rows oy0 .. oy0 + segments - 1 (at `dy`, outW
// floats each), packed at `a` in panels of 4 channels interleaved by vector, each output row rounded
// up to whole vectors with zeros (and zero rows past `rows`).
function packRows(a: usize, dy: usize, channelBytes: usize, rows: i32, segments: i32, outW: i32): void {
  const vectors = (outW + 3) >> 2;
  const full = outW >> 2;
  const panelBytes = <usize>(segments * vectors) << 6;
  const zero = f32x4.splat(0);
  for (let m = 0; m < rows; m += MR) {
    const panel = a + <usize>(m / MR) * panelBytes;
    for (let r = 0; r < MR; r++) {
      const to = panel + (<usize>r << 4);
      if (m + r >= rows) {
        for (let v: usize = 0; v < <usize>(segments * vectors); v++) v128.store(to + (v << 6), zero);
        continue;
      }
      for (let i = 0; i < segments; i++) {
        const from = dy + <usize>(m + r) * channelBytes + (<usize>(i * outW) << 2);
        const row = to + (<usize>(i * vectors) << 6);
        for (let v = 0; v < full; v++) v128.store(row + (<usize>v << 6), v128.load(from + (<usize>v << 4)));
        if (full < vectors) {
          const tail = row + (<usize>full << 6);
          v128.store(tail, zero);
          for (let x = full << 2; x < outW; x++) store<f32>(tail + (<usize>(x & 3) << 2), load<f32>(from + (<usize>x << 2)));
        }
      }
    }
  }
}

// Task = (slice, group, block of output channels): adds the products of the slice's output rows into C,
// the slice's partial dW (or dW itself), for the block's channels of the group. TILE: output rows per
// block; KC: input channels per chunk of tap planes, whose K rows' offsets are at OFFSETS; PLANE:
// rows of each tap plane, or 0 where Col's rows are the input's planes themselves (a 1x1 stride-1
// layer without padding whose rows are whole vectors: OFFSETS then holds each channel's plane).
export function weightGradGemmTask(params: usize, task: i32, worker: i32): void {
  const groups = P.param(params, P.GROUPS);
  const blocks = P.param(params, P.M_BLOCKS);
  const slices = P.param(params, P.SLICES);
  const mb = task % blocks;
  const g = (task / blocks) % groups;
  const s = task / (blocks * groups);
  const cIn = P.param(params, P.C_IN);
  const cOut = P.param(params, P.C_OUT);
  const cInG = cIn / groups;
  const m = cOut / groups;
  const K = P.param(params, P.K);
  const taps = P.param(params, P.KH) * P.param(params, P.KW);
  const chunkChannels = P.param(params, P.KC);
  const blockRows = P.param(params, P.TILE);
  const extraRows = P.param(params, P.PLANE) - blockRows;
  const perBlock = ((P.param(params, P.M_PANELS) + blocks - 1) / blocks) * MR;
  const m0 = mb * perBlock;
  const rows = min(perBlock, m - m0);
  if (rows <= 0) return;
  const planeIn = P.param(params, P.H) * P.param(params, P.W);
  const outH = P.param(params, P.OUT_H);
  const outW = P.param(params, P.OUT_W);
  const padded = (outW + 3) & ~3;
  const total = P.param(params, P.N) * outH;
  const r0 = (s * total) / slices;
  const r1 = ((s + 1) * total) / slices;
  const cRow = <usize>K << 2;
  const c = (slices == 1 ? <usize>P.param(params, P.OUTPUT) : <usize>P.param(params, P.PARTIALS) + <usize>s * <usize>(cOut * K) * 4) +
    <usize>(g * m + m0) * cRow;
  for (let r = 0; r < rows; r++) zeroFloats(c + <usize>r * cRow, K);
  const workspace = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  const a = workspace; // dY's rows for the block's positions, in panels of 4
  const planes = workspace + (<usize>(perBlock * blockRows * padded) << 2); // a chunk's tap planes
  const offsets = <usize>P.param(params, P.OFFSETS);
  for (let r = r0; r < r1;) {
    const n = r / outH;
    const oy0 = r % outH;
    const segments = min(blockRows, min(outH - oy0, r1 - r));
    const count = segments * padded;
    const dy = <usize>P.param(params, P.GRAD_OUTPUT) + (<usize>(((n * cOut + g * m + m0) * outH + oy0) * outW) << 2);
    packRows(a, dy, <usize>(outH * outW) << 2, rows, segments, outW);
    const input = <usize>P.param(params, P.INPUT) + (<usize>((n * cIn + g * cInG) * planeIn) << 2);
    if (extraRows < 0) {
      gemmBlock(a, <usize>count << 4, rows, input + (<usize>(oy0 * outW) << 2), offsets, K, count, c, cRow);
      r += segments;
      continue;
    }
    for (let c0 = 0; c0 < cInG; c0 += chunkChannels) {
      const channels = min(chunkChannels, cInG - c0);
      // the planes keep PLANE rows apart whatever the block's length, as the offsets assume
      buildTapPlanes(params, input + (<usize>(c0 * planeIn) << 2), channels, oy0, segments + extraRows, blockRows + extraRows, planes);
      gemmBlock(a, <usize>count << 4, rows, planes, offsets, channels * taps, count, c + (<usize>(c0 * taps) << 2), cRow);
    }
    r += segments;
  }
}

// dW = the sum of the SLICES partials, in slice order, SUM_CHUNK floats a task.
export function weightGradSumTask(params: usize, task: i32, worker: i32): void {
  const floats = P.param(params, P.C_OUT) * P.param(params, P.K);
  const chunk = P.param(params, P.SUM_CHUNK);
  const slices = P.param(params, P.SLICES);
  const i0 = task * chunk;
  const count = min(chunk, floats - i0);
  const out = <usize>P.param(params, P.OUTPUT) + (<usize>i0 << 2);
  const partials = <usize>P.param(params, P.PARTIALS) + (<usize>i0 << 2);
  const sliceBytes = <usize>floats << 2;
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const at = <usize>i << 2;
    let sum = v128.load(partials + at);
    for (let s = 1; s < slices; s++) sum = f32x4.add(sum, v128.load(partials + <usize>s * sliceBytes + at));
    v128.store(out + at, sum);
  }
  for (; i < count; i++) {
    const at = <usize>i << 2;
    let sum = load<f32>(partials + at);
    for (let s = 1; s < slices; s++) sum += load<f32>(partials + <usize>s * sliceBytes + at);
    store<f32>(out + at, sum);
  }
}
