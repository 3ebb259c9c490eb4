// The weight gradient of a 3x3 stride-1 convolution by Winograd's F(4x4, 3x3) (Lavin and Gray, 2016),
// transposed: the forward computes each 4x4 output tile as Y = A^T [ (G w G^T) (.) (B^T d B) ] A, so
//   dL/dw = G^T [ sum over tiles of (A dY A^T) (.) (B^T d B) ] G
// per (output channel, input channel): 36 products per tile instead of the direct sum's 144. The sums
// over tiles, for each of the 36 transform positions xi, are GEMMs over the tiles, as the direct
// weight gradient's are over positions, on the same gemm_nt_4x2_f32x4 micro-kernel:
//   U[xi][o][i] = sum over tiles t of M[xi][o][t] V[xi][i][t],
// with V = B^T d B (the input tiles) and M = A dY A^T (the gradient's tiles). A dilated layer is
// d x d interleaved undilated ones (its sub-images), whose tiles all enter the sums.
//
// Tiles are numbered per image sub-image by sub-image, row by row, column by column; each image's
// columns start at a multiple of 4 (STRIDE floats a row in all), and the transforms take four tiles
// at a time, one per lane, gathered from a zero-padded copy of the plane (so no tile reads out of
// bounds). Lanes past an image's last tile repeat it in V and are zero in M, so they add nothing.

import * as P from './params';
import { gemmBlock } from './weight-grad';
import { padPlane } from './plane';

// @ts-ignore: decorator
@inline function tilesHigh(params: usize): i32 {
  return P.param(params, P.TILES_S) / P.param(params, P.TILES_W);
}

// Columns of V and M an image takes: its tiles, rounded up to whole vectors.
// @ts-ignore: decorator
@inline function imageColumns(params: usize): i32 {
  return (P.param(params, P.TILES_N) + 3) & ~3;
}

// Byte offsets from the plane's start of the first element of four consecutive tiles t .. t + 3 (the
// last tile where they pass it): tile (sub-image (a, b), ty, tx) starts at padded row a + dH m ty and
// column b + dW m tx, m = 4 outputs a tile.
// @ts-ignore: decorator
@inline function laneCorner(params: usize, t: i32, rowBytes: usize): usize {
  const tile = min(t, P.param(params, P.TILES_N) - 1);
  const dH = P.param(params, P.DH);
  const dW = P.param(params, P.DW);
  const perSub = P.param(params, P.TILES_S);
  const tilesW = P.param(params, P.TILES_W);
  const sub = tile / perSub;
  const ty = (tile % perSub) / tilesW;
  const tx = tile % tilesW;
  return <usize>(sub / dW + 4 * dH * ty) * rowBytes + (<usize>(sub % dW + 4 * dW * tx) << 2);
}

// Four lanes' values at byte offset o from their corners c0..c3.
// @ts-ignore: decorator
@inline function gather(c0: usize, c1: usize, c2: usize, c3: usize, o: usize): v128 {
  let v = f32x4.splat(load<f32>(c0 + o));
  v = f32x4.replace_lane(v, 1, load<f32>(c1 + o));
  v = f32x4.replace_lane(v, 2, load<f32>(c2 + o));
  return f32x4.replace_lane(v, 3, load<f32>(c3 + o));
}

// 1-D B^T d of the six vectors at p, p + step, ...: six results at q, q + qStep, ...
// @ts-ignore: decorator
@inline function inputTransform(p: usize, step: usize, q: usize, qStep: usize): void {
  const d0 = v128.load(p), d1 = v128.load(p + step), d2 = v128.load(p + 2 * step);
  const d3 = v128.load(p + 3 * step), d4 = v128.load(p + 4 * step), d5 = v128.load(p + 5 * step);
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  const a = f32x4.sub(d4, f32x4.mul(four, d2));
  const b = f32x4.sub(d3, f32x4.mul(four, d1));
  const c = f32x4.sub(d4, d2);
  const e = f32x4.mul(two, f32x4.sub(d3, d1));
  v128.store(q, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  v128.store(q + qStep, f32x4.add(a, b));
  v128.store(q + 2 * qStep, f32x4.sub(a, b));
  v128.store(q + 3 * qStep, f32x4.add(c, e));
  v128.store(q + 4 * qStep, f32x4.sub(c, e));
  v128.store(q + 5 * qStep, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

// 1-D A y of the four vectors at p, p + step, ... (A = the forward's output transform, transposed): six
// results at q, q + qStep, ...
// @ts-ignore: decorator
@inline function gradTransform(p: usize, step: usize, q: usize, qStep: usize): void {
  const y0 = v128.load(p), y1 = v128.load(p + step), y2 = v128.load(p + 2 * step), y3 = v128.load(p + 3 * step);
  const even = f32x4.add(y0, y2), odd = f32x4.add(y1, y3);
  const even4 = f32x4.add(y0, f32x4.mul(f32x4.splat(4), y2));
  const odd8 = f32x4.add(f32x4.mul(f32x4.splat(2), y1), f32x4.mul(f32x4.splat(8), y3));
  v128.store(q, y0);
  v128.store(q + qStep, f32x4.add(even, odd));
  v128.store(q + 2 * qStep, f32x4.sub(even, odd));
  v128.store(q + 3 * qStep, f32x4.add(even4, odd8));
  v128.store(q + 4 * qStep, f32x4.sub(even4, odd8));
  v128.store(q + 5 * qStep, y3);
}

// The padded planes: the input's, (4 tilesH + 2) dH x (4 tilesW + 2) dW, its values from row PT and
// column PL; the gradient's, 4 tilesH dH x 4 tilesW dW. Each in the worker's workspace after SCRATCH
// bytes: a 6x6 of lane vectors (the first 1-D transforms' results, [row][column]) and a column of 6.
// @ts-ignore: decorator
@inline function planeWidth(params: usize, extra: i32): i32 {
  return P.param(params, P.DW) * (4 * P.param(params, P.TILES_W) + extra);
}

// @ts-ignore: decorator
@inline function planeHeight(params: usize, extra: i32): i32 {
  return P.param(params, P.DH) * (4 * tilesHigh(params) + extra);
}

const SCRATCH: usize = 42 * 16;

// Task: image n, input channel c. V[xi][c][n's tiles] = B^T d B, four tiles at a time.
export function winogradWeightGradInputTask(params: usize, task: i32, worker: i32): void {
  const cIn = P.param(params, P.C_IN);
  const h = P.param(params, P.H);
  const w = P.param(params, P.W);
  const n = task / cIn;
  const c = task % cIn;
  const dH = <usize>P.param(params, P.DH);
  const dW = <usize>P.param(params, P.DW);
  const wp = planeWidth(params, 2);
  const rowBytes = <usize>wp << 2;
  const scratch = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  const column = scratch + 36 * 16;
  const plane = scratch + SCRATCH;
  padPlane(<usize>P.param(params, P.INPUT) + (<usize>(task * h * w) << 2), h, w, plane, planeHeight(params, 2), wp, P.param(params, P.PT), P.param(params, P.PL));
  const tiles = P.param(params, P.TILES_N);
  const xiBytes = <usize>cIn * (<usize>P.param(params, P.STRIDE) << 2);
  const v = <usize>P.param(params, P.V) + <usize>c * (<usize>P.param(params, P.STRIDE) << 2) + (<usize>(n * imageColumns(params)) << 2);
  for (let t = 0; t < tiles; t += 4) {
    const c0 = plane + laneCorner(params, t, rowBytes), c1 = plane + laneCorner(params, t + 1, rowBytes);
    const c2 = plane + laneCorner(params, t + 2, rowBytes), c3 = plane + laneCorner(params, t + 3, rowBytes);
    // B^T d, column by column, into the scratch's [row][column]; then each of its rows times B
    for (let s: usize = 0; s < 6; s++) {
      for (let r: usize = 0; r < 6; r++) v128.store(column + r * 16, gather(c0, c1, c2, c3, r * dH * rowBytes + ((s * dW) << 2)));
      inputTransform(column, 16, scratch + s * 16, 96);
    }
    const at = v + (<usize>t << 2);
    for (let r: usize = 0; r < 6; r++) inputTransform(scratch + r * 96, 16, at + r * 6 * xiBytes, xiBytes);
  }
}

// Lanes 0-3 that come before `count`.
// @ts-ignore: decorator
@inline function lanesBefore(count: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(count));
}

// Task: image n, output channel o. M[xi][o][n's tiles] = A dY A^T, four tiles at a time, in the
// layout gemm_nt_4x2_f32x4 reads: per xi, panels of 4 channels interleaved by vector of tiles.
export function winogradWeightGradOutputTask(params: usize, task: i32, worker: i32): void {
  const cOut = P.param(params, P.C_OUT);
  const outH = P.param(params, P.OUT_H);
  const outW = P.param(params, P.OUT_W);
  const n = task / cOut;
  const o = task % cOut;
  const groups = P.param(params, P.GROUPS);
  const m = cOut / groups;
  const dH = <usize>P.param(params, P.DH);
  const dW = <usize>P.param(params, P.DW);
  const wp = planeWidth(params, 0);
  const rowBytes = <usize>wp << 2;
  const scratch = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  const column = scratch + 36 * 16;
  const plane = scratch + SCRATCH;
  padPlane(<usize>P.param(params, P.GRAD_OUTPUT) + (<usize>(task * outH * outW) << 2), outH, outW, plane, planeHeight(params, 0), wp, 0, 0);
  const tiles = P.param(params, P.TILES_N);
  const stride = <usize>P.param(params, P.STRIDE);
  const panels = groups * P.param(params, P.M_PANELS);
  const panel = (o / m) * P.param(params, P.M_PANELS) + (o % m) / 4;
  const xiBytes = <usize>panels * stride << 4;
  const mAt = <usize>P.param(params, P.M) + <usize>panel * (stride << 4) + (<usize>((o % m) % 4) << 4) + (<usize>(n * imageColumns(params)) << 4);
  for (let t = 0; t < tiles; t += 4) {
    const c0 = plane + laneCorner(params, t, rowBytes), c1 = plane + laneCorner(params, t + 1, rowBytes);
    const c2 = plane + laneCorner(params, t + 2, rowBytes), c3 = plane + laneCorner(params, t + 3, rowBytes);
    // A y, column by column, into the scratch's [row][column] (4 columns); then each row times A^T,
    // lanes past the image's last tile zeroed
    for (let s: usize = 0; s < 4; s++) {
      for (let r: usize = 0; r < 4; r++) v128.store(column + r * 16, gather(c0, c1, c2, c3, r * dH * rowBytes + ((s * dW) << 2)));
      gradTransform(column, 16, scratch + s * 16, 64);
    }
    const valid = lanesBefore(tiles - t);
    const at = mAt + (<usize>t << 4);
    for (let r: usize = 0; r < 6; r++) {
      gradTransform(scratch + r * 64, 16, column, 16);
      for (let x: usize = 0; x < 6; x++) v128.store(at + (r * 6 + x) * xiBytes, v128.and(v128.load(column + x * 16), valid));
    }
  }
}

// Task: (xi, group, block of output channels). U[xi][the block's channels][the group's input
// channels] = M[xi] V[xi]^T over every image's tiles.
export function winogradWeightGradGemmTask(params: usize, task: i32, worker: i32): void {
  const groups = P.param(params, P.GROUPS);
  const blocks = P.param(params, P.M_BLOCKS);
  const mb = task % blocks;
  const g = (task / blocks) % groups;
  const xi = task / (blocks * groups);
  const cIn = P.param(params, P.C_IN);
  const cOut = P.param(params, P.C_OUT);
  const cInG = cIn / groups;
  const m = cOut / groups;
  const mPanels = P.param(params, P.M_PANELS);
  const perBlock = ((mPanels + blocks - 1) / blocks) * 4;
  const m0 = mb * perBlock;
  const rows = min(perBlock, m - m0);
  if (rows <= 0) return;
  const stride = P.param(params, P.STRIDE);
  const cRow = <usize>cInG << 2;
  const c = <usize>P.param(params, P.U) + (<usize>(xi * cOut + g * m + m0) * cRow);
  for (let r = 0; r < rows; r++) memory.fill(c + <usize>r * cRow, 0, cRow);
  const panelBytes = <usize>stride << 4;
  const a = <usize>P.param(params, P.M) + (<usize>(xi * groups * mPanels + g * mPanels + m0 / 4)) * panelBytes;
  const b = <usize>P.param(params, P.V) + (<usize>(xi * cIn + g * cInG) * <usize>stride << 2);
  gemmBlock(a, panelBytes, rows, b, <usize>stride << 2, 0, cInG, stride, c, cRow);
}

// 1-D G^T x of six values (F(4, 3)'s G, 6 x 3), in float64: three results.
// @ts-ignore: decorator
@inline function weightTransform(x0: f64, x1: f64, x2: f64, x3: f64, x4: f64, x5: f64, k: i32): f64 {
  const s12 = x1 + x2, s34 = x3 + x4;
  if (k == 0) return x0 / 4 - s12 / 6 + s34 / 24;
  if (k == 1) return (x2 - x1) / 6 + (x3 - x4) / 12;
  return s34 / 6 - s12 / 6 + x5;
}

// Task: output channel o. dW[o][i] = G^T U[.][o][i] G for each input channel i of its group.
export function winogradWeightGradWeightTask(params: usize, task: i32, worker: i32): void {
  const cInG = P.param(params, P.C_IN) / P.param(params, P.GROUPS);
  const xiBytes = <usize>(P.param(params, P.C_OUT) * cInG) << 2;
  const scratch = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  for (let i = 0; i < cInG; i++) {
    const u = <usize>P.param(params, P.U) + (<usize>(task * cInG + i) << 2);
    // G^T U, column by column, as [k][column] in float64 scratch; then each row times G
    for (let x: usize = 0; x < 6; x++) {
      const p = u + x * xiBytes;
      const x0 = <f64>load<f32>(p), x1 = <f64>load<f32>(p + 6 * xiBytes), x2 = <f64>load<f32>(p + 12 * xiBytes);
      const x3 = <f64>load<f32>(p + 18 * xiBytes), x4 = <f64>load<f32>(p + 24 * xiBytes), x5 = <f64>load<f32>(p + 30 * xiBytes);
      for (let k = 0; k < 3; k++) store<f64>(scratch + (<usize>(k * 6) + x) * 8, weightTransform(x0, x1, x2, x3, x4, x5, k));
    }
    const out = <usize>P.param(params, P.OUTPUT) + (<usize>((task * cInG + i) * 9) << 2);
    for (let k = 0; k < 3; k++) {
      const row = scratch + <usize>(k * 48);
      const x0 = load<f64>(row), x1 = load<f64>(row, 8), x2 = load<f64>(row, 16), x3 = load<f64>(row, 24), x4 = load<f64>(row, 32), x5 = load<f64>(row, 40);
      for (let l = 0; l < 3; l++) store<f32>(out + (<usize>(k * 3 + l) << 2), <f32>weightTransform(x0, x1, x2, x3, x4, x5, l));
    }
  }
}
