// The weight gradient of a convolution as a GEMM per group over the positions P (batch x output rows x
// output columns): dW[m][k] = sum over p of dY[m][p] * Col[k][p], with M = the group's output channels,
// K = (the group's input channels) x kH x kW, and Col the im2col of the input (what tap k reads for
// position p). C = dW is [cOut][K] row-major, as the weights are.
//
// Both operands hold P contiguously (dY as given, Col as im2col writes it), so the micro-kernel,
// gemm_nt_4x2_f32x4, takes dot products: f32x4 lanes run along P, and a tile's eight sums meet across
// lanes once per block of positions. A 4x2 tile keeps 8 accumulators, 4 rows of dY and a row of Col in
// 13 of the 16 vector registers, and does 8 multiply-adds per 6 loads, as the forward's 4x8 tile does.
//
// A task is (slice of P, group, block of output channels). Each block of at most TILE positions of one
// image is packed: dY's rows for the task's channels, and Col in KC-row blocks (a 1x1 stride-1 layer's
// Col rows are the input planes, read in place), both with zeros up to a whole vector. The slices make
// threads' work independent of how many threads there are: slice s sums into its own partial dW
// (the output itself when there is one slice), and weightGradSumTask adds the partials in slice order,
// so the result has the same bits on any number of threads.

import * as P from './params';
import { im2colBlock } from './im2col';
import { copyFloats, zeroFloats } from './plane';

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
// one pointer, constant offsets), B's rows are `bRow` bytes apart, C's `cRow`. The column past `cols`
// repeats the last one: computed, never stored.
function gemm_nt_4x2_f32x4(a: usize, rows: i32, b: usize, bRow: usize, cols: i32, count: i32, c: usize, cRow: usize): void {
  const b1 = cols > 1 ? bRow : 0;
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const end = b + (<usize>count << 2);
  for (let pa = a, pb = b; pb < end; pa += 64, pb += 16) {
    const x0 = v128.load(pb);
    const x1 = v128.load(pb + b1);
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

// C[m][k] += dot(A row m, B row k) for m < rows, k < cols, A packed in panels of 4 rows (`panelBytes`
// apart). The panels are taken CHUNK_BYTES at a time, which stay in L1 while each pair of B's rows
// (`bRow` bytes apart) passes them, and B's pair stays in L1 while the chunk's panels pass it.
export function gemmBlock(a: usize, panelBytes: usize, rows: i32, b: usize, bRow: usize, cols: i32, count: i32, c: usize, cRow: usize): void {
  const chunk = max(MR, <i32>(CHUNK_BYTES / panelBytes) * MR);
  for (let m0 = 0; m0 < rows; m0 += chunk) {
    const m1 = min(rows, m0 + chunk);
    for (let k = 0; k < cols; k += NR) {
      const bk = b + <usize>k * bRow;
      const ck = c + (<usize>k << 2);
      for (let m = m0; m < m1; m += MR) {
        gemm_nt_4x2_f32x4(a + <usize>(m / MR) * panelBytes, min(MR, rows - m), bk, bRow, min(NR, cols - k), count, ck + <usize>m * cRow, cRow);
      }
    }
  }
}

// dY's `rows` rows (`rowBytes` apart) over `count` positions, packed at `a` in panels of 4 rows
// interleaved by vector, `padded` positions each (zeros past `count`, and in the rows past `rows`).
function packRows(a: usize, dy: usize, rowBytes: usize, rows: i32, count: i32, padded: i32): void {
  const full = count & ~3;
  const zero = f32x4.splat(0);
  for (let m = 0; m < rows; m += MR) {
    const panel = a + <usize>(m / MR) * <usize>(padded << 4);
    for (let r = 0; r < MR; r++) {
      const to = panel + (<usize>r << 4);
      if (m + r >= rows) {
        for (let j = 0; j < padded; j += 4) v128.store(to + (<usize>j << 4), zero);
        continue;
      }
      const from = dy + <usize>(m + r) * rowBytes;
      for (let j = 0; j < full; j += 4) v128.store(to + (<usize>j << 4), v128.load(from + (<usize>j << 2)));
      if (full < count) {
        v128.store(to + (<usize>full << 4), zero);
        for (let j = full; j < count; j++) store<f32>(to + (<usize>full << 4) + (<usize>(j - full) << 2), load<f32>(from + (<usize>j << 2)));
      }
    }
  }
}

// Whether Col's rows are the input planes themselves: a 1x1 stride-1 layer without padding.
// @ts-ignore: decorator
@inline function colIsInput(params: usize): bool {
  return P.param(params, P.KH) == 1 && P.param(params, P.KW) == 1 && P.param(params, P.SH) == 1 && P.param(params, P.SW) == 1 &&
    P.param(params, P.OUT_H) == P.param(params, P.H) && P.param(params, P.OUT_W) == P.param(params, P.W) &&
    P.param(params, P.PT) == 0 && P.param(params, P.PL) == 0;
}

// Task = (slice, group, block of output channels): adds the slice's positions' products into C, the
// slice's partial dW (or dW itself), for the block's channels of the group.
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
  const KC = P.param(params, P.KC);
  const tile = P.param(params, P.TILE);
  const rowFloats = P.param(params, P.WP);
  const perBlock = ((P.param(params, P.M_PANELS) + blocks - 1) / blocks) * MR;
  const m0 = mb * perBlock;
  const rows = min(perBlock, m - m0);
  if (rows <= 0) return;
  const planeIn = P.param(params, P.H) * P.param(params, P.W);
  const planeOut = P.param(params, P.OUT_H) * P.param(params, P.OUT_W);
  const total = P.param(params, P.N) * planeOut;
  // slice bounds in whole vectors of positions, so that a block ends on a vector unless its image does
  const vectors = (total + 3) / 4;
  const p0 = min(total, ((s * vectors) / slices) * 4);
  const p1 = min(total, (((s + 1) * vectors) / slices) * 4);
  const cRow = <usize>K << 2;
  const c = (slices == 1 ? <usize>P.param(params, P.OUTPUT) : <usize>P.param(params, P.PARTIALS) + <usize>s * <usize>(cOut * K) * 4) +
    <usize>(g * m + m0) * cRow;
  for (let r = 0; r < rows; r++) zeroFloats(c + <usize>r * cRow, K);
  const workspace = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  const a = workspace; // dY's rows for the block's positions, in panels of 4
  const block = workspace + (<usize>(perBlock * tile) << 2); // KC x rowFloats floats of Col
  const inPlace = colIsInput(params);
  for (let p = p0; p < p1;) {
    const n = p / planeOut;
    const pos = p % planeOut;
    const count = min(tile, min(planeOut - pos, p1 - p));
    const padded = (count + 3) & ~3;
    const panelBytes = <usize>padded << 4;
    const dy = <usize>P.param(params, P.GRAD_OUTPUT) + (<usize>((n * cOut + g * m + m0) * planeOut + pos) << 2);
    packRows(a, dy, <usize>planeOut << 2, rows, count, padded);
    const input = <usize>P.param(params, P.INPUT) + (<usize>((n * cIn + g * cInG) * planeIn) << 2);
    // in place only for whole vectors: a partial one would read the next plane's values (NaN x 0 is NaN)
    if (inPlace && count == padded) {
      gemmBlock(a, panelBytes, rows, input + (<usize>pos << 2), <usize>planeIn << 2, K, count, c, cRow);
    } else {
      for (let k0 = 0; k0 < K; k0 += KC) {
        const kc = min(KC, K - k0);
        im2colBlock(params, input, k0, kc, pos, count, block, rowFloats);
        for (let k = 0; k < kc; k++) zeroFloats(block + (<usize>(k * rowFloats + count) << 2), padded - count);
        gemmBlock(a, panelBytes, rows, block, <usize>rowFloats << 2, kc, padded, c + (<usize>k0 << 2), cRow);
      }
    }
    p += count;
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
