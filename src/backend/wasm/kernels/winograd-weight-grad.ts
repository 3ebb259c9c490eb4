// The weight gradient of a 3x3 stride-1 convolution by Winograd's F(m x m, 3x3), m = 4 or 6 (Lavin and
// Gray, 2016), transposed: the forward computes each m x m output tile as Y = A^T [ (G w G^T) (.) (B^T d B) ] A, so
//   dL/dw = G^T [ sum over tiles of (A dY A^T) (.) (B^T d B) ] G
// per (output channel, input channel): (m + 2)^2 products per tile instead of the direct sum's 9 m^2
// (36 for 144, or 64 for 324). The sums over tiles, for each transform position xi, are GEMMs over the
// tiles:
//   U[xi][o][i] = sum over tiles t of M[xi][o][t] V[xi][t][i],
// with V = B^T d B (the input tiles) and M = A dY A^T (the gradient's tiles). A, B and G are the
// forward's (kernels/winograd.ts, winograd.ts). A dilated layer is d x d interleaved undilated ones
// (its sub-images), whose tiles all enter the sums. TILE holds m.
//
// The tiles are few where the channels are many (7x7 images have 4 of 4x4), so the GEMMs run on the
// forward's 4x8 micro-kernel (gemm.ts), which sums over the tiles one at a time: M is packed as its A
// (panels of 4 output channels, [tile][4]) and V as its B (a row of input channels per tile, at the
// offsets in OFFSETS). The transforms take four channels at a time, one per lane, from zero-padded
// copies of their planes (so no tile reads out of bounds), and store a vector per tile and position.
// Tiles are numbered image by image, sub-image by sub-image, row by row, column by column; STRIDE
// holds their count over the batch.

import * as P from './params';
import { panels } from './gemm';
import { padPlane } from './plane';
import { inputTransformOf } from './winograd';

// @ts-ignore: decorator
@inline function tilesHigh(params: usize): i32 {
  return P.param(params, P.TILES_S) / P.param(params, P.TILES_W);
}

// Byte offset from the plane's start of tile t's first element: tile (sub-image (a, b), ty, tx) starts
// at padded row a + dH m ty and column b + dW m tx.
// @ts-ignore: decorator
@inline function tileCorner(params: usize, tile: i32, rowBytes: usize, m: i32): usize {
  const dH = P.param(params, P.DH);
  const dW = P.param(params, P.DW);
  const perSub = P.param(params, P.TILES_S);
  const tilesW = P.param(params, P.TILES_W);
  const sub = tile / perSub;
  const ty = (tile % perSub) / tilesW;
  const tx = tile % tilesW;
  return <usize>(sub / dW + m * dH * ty) * rowBytes + (<usize>(sub % dW + m * dW * tx) << 2);
}

// Four lanes' values at byte offset o from their planes' corners c0..c3.
// @ts-ignore: decorator
@inline function gather(c0: usize, c1: usize, c2: usize, c3: usize, o: usize): v128 {
  let v = f32x4.splat(load<f32>(c0 + o));
  v = f32x4.replace_lane(v, 1, load<f32>(c1 + o));
  v = f32x4.replace_lane(v, 2, load<f32>(c2 + o));
  return f32x4.replace_lane(v, 3, load<f32>(c3 + o));
}

// 1-D A y of the m vectors at p, p + step, ... (A = the forward's output transform, transposed): m + 2
// results at q, q + qStep, ... Rows of A pair up as the points +-1, +-2 (and +-1/2 for m = 6): the even
// powers' sum plus or minus the odd powers'.
// @ts-ignore: decorator
@inline function gradTransform(m: i32, p: usize, step: usize, q: usize, qStep: usize): void {
  const y0 = v128.load(p), y1 = v128.load(p + step), y2 = v128.load(p + 2 * step), y3 = v128.load(p + 3 * step);
  v128.store(q, y0);
  if (m == 4) {
    const even = f32x4.add(y0, y2), odd = f32x4.add(y1, y3);
    const even2 = f32x4.add(y0, f32x4.mul(f32x4.splat(4), y2));
    const odd2 = f32x4.add(f32x4.mul(f32x4.splat(2), y1), f32x4.mul(f32x4.splat(8), y3));
    v128.store(q + qStep, f32x4.add(even, odd));
    v128.store(q + 2 * qStep, f32x4.sub(even, odd));
    v128.store(q + 3 * qStep, f32x4.add(even2, odd2));
    v128.store(q + 4 * qStep, f32x4.sub(even2, odd2));
    v128.store(q + 5 * qStep, y3);
    return;
  }
  const y4 = v128.load(p + 4 * step), y5 = v128.load(p + 5 * step);
  const even = f32x4.add(f32x4.add(y0, y2), y4), odd = f32x4.add(f32x4.add(y1, y3), y5);
  const even2 = f32x4.add(f32x4.add(y0, f32x4.mul(f32x4.splat(4), y2)), f32x4.mul(f32x4.splat(16), y4));
  const odd2 = f32x4.add(f32x4.add(f32x4.mul(f32x4.splat(2), y1), f32x4.mul(f32x4.splat(8), y3)), f32x4.mul(f32x4.splat(32), y5));
  const evenHalf = f32x4.add(f32x4.add(y0, f32x4.mul(f32x4.splat(0.25), y2)), f32x4.mul(f32x4.splat(0.0625), y4));
  const oddHalf = f32x4.add(f32x4.add(f32x4.mul(f32x4.splat(0.5), y1), f32x4.mul(f32x4.splat(0.125), y3)), f32x4.mul(f32x4.splat(0.03125), y5));
  v128.store(q + qStep, f32x4.add(even, odd));
  v128.store(q + 2 * qStep, f32x4.sub(even, odd));
  v128.store(q + 3 * qStep, f32x4.add(even2, odd2));
  v128.store(q + 4 * qStep, f32x4.sub(even2, odd2));
  v128.store(q + 5 * qStep, f32x4.add(evenHalf, oddHalf));
  v128.store(q + 6 * qStep, f32x4.sub(evenHalf, oddHalf));
  v128.store(q + 7 * qStep, y5);
}

// The padded planes: the input's, (m tilesH + 2) dH x (m tilesW + 2) dW, its values from row PT and
// column PL; the gradient's, m tilesH dH x m tilesW dW. Four of them (one per lane) in the worker's
// workspace after SCRATCH bytes: an 8x8 of lane vectors (the first 1-D transforms' results,
// [row][column]) and a column of 8.
// @ts-ignore: decorator
@inline function planeWidth(params: usize, m: i32, extra: i32): i32 {
  return P.param(params, P.DW) * (m * P.param(params, P.TILES_W) + extra);
}

// @ts-ignore: decorator
@inline function planeHeight(params: usize, m: i32, extra: i32): i32 {
  return P.param(params, P.DH) * (m * tilesHigh(params) + extra);
}

const SCRATCH: usize = 72 * 16;

// Copies four of `count` planes of h x w floats from `src` (`first` the first of the four, past the
// last the last again) into padded planes hp x wp after the workspace's scratch; returns their stride
// in bytes (whole cache lines).
// @ts-ignore: decorator
@inline function padFour(src: usize, first: i32, count: i32, h: i32, w: i32, workspace: usize, hp: i32, wp: i32, pT: i32, pL: i32): usize {
  const planeBytes = <usize>((hp * wp + 15) & ~15) << 2;
  for (let l = 0; l < 4; l++) {
    padPlane(src + (<usize>(min(first + l, count - 1) * h * w) << 2), h, w, workspace + SCRATCH + <usize>l * planeBytes, hp, wp, pT, pL);
  }
  return planeBytes;
}

// Image n, input channels 4q .. 4q + 3: V[xi][n's tiles][the channels] = B^T d B, a tile at a time.
// @ts-ignore: decorator
@inline function transformInput(params: usize, task: i32, worker: i32, m: i32): void {
  const span = <usize>(m + 2);
  const cIn = P.param(params, P.C_IN);
  const quads = (cIn + 3) >> 2;
  const n = task / quads;
  const c = (task % quads) * 4;
  const dH = <usize>P.param(params, P.DH);
  const dW = <usize>P.param(params, P.DW);
  const wp = planeWidth(params, m, 2);
  const rowBytes = <usize>wp << 2;
  const scratch = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  const column = scratch + 64 * 16;
  const h = P.param(params, P.H);
  const w = P.param(params, P.W);
  const planeBytes = padFour(<usize>P.param(params, P.INPUT) + (<usize>(n * cIn * h * w) << 2), c, cIn, h, w, scratch, planeHeight(params, m, 2), wp,
    P.param(params, P.PT), P.param(params, P.PL));
  const tiles = P.param(params, P.TILES_N);
  const tileBytes = <usize>((cIn + 3) & ~3) << 2;
  const xiBytes = <usize>P.param(params, P.STRIDE) * tileBytes;
  const v = <usize>P.param(params, P.V) + <usize>(n * tiles) * tileBytes + (<usize>c << 2);
  for (let t = 0; t < tiles; t++) {
    const c0 = scratch + SCRATCH + tileCorner(params, t, rowBytes, m);
    // B^T d, column by column, into the scratch's [row][column]; then each of its rows times B
    for (let s: usize = 0; s < span; s++) {
      for (let r: usize = 0; r < span; r++) {
        v128.store(column + r * 16, gather(c0, c0 + planeBytes, c0 + 2 * planeBytes, c0 + 3 * planeBytes, r * dH * rowBytes + ((s * dW) << 2)));
      }
      inputTransformOf(m + 2, column, 16, scratch + s * 16, span * 16);
    }
    const at = v + <usize>t * tileBytes;
    for (let r: usize = 0; r < span; r++) inputTransformOf(m + 2, scratch + r * span * 16, 16, at + r * span * xiBytes, xiBytes);
  }
}

export function winogradWeightGradInputTask(params: usize, task: i32, worker: i32): void {
  if (P.param(params, P.TILE) == 4) transformInput(params, task, worker, 4);
  else transformInput(params, task, worker, 6);
}

// Image n, panel p of 4 output channels of a group (past the group's last channel, its last again:
// computed, never stored): M[xi][p][n's tiles][4] = A dY A^T, a tile at a time.
// @ts-ignore: decorator
@inline function transformGrad(params: usize, task: i32, worker: i32, m: i32): void {
  const span = <usize>(m + 2);
  const cOut = P.param(params, P.C_OUT);
  const mPanels = P.param(params, P.M_PANELS);
  const perGroup = cOut / P.param(params, P.GROUPS);
  const panels = P.param(params, P.GROUPS) * mPanels;
  const n = task / panels;
  const panel = task % panels;
  const g = panel / mPanels;
  const dH = <usize>P.param(params, P.DH);
  const dW = <usize>P.param(params, P.DW);
  const wp = planeWidth(params, m, 0);
  const rowBytes = <usize>wp << 2;
  const scratch = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  const column = scratch + 64 * 16;
  const outH = P.param(params, P.OUT_H);
  const outW = P.param(params, P.OUT_W);
  const groupPlanes = <usize>P.param(params, P.GRAD_OUTPUT) + (<usize>((n * cOut + g * perGroup) * outH * outW) << 2);
  const planeBytes = padFour(groupPlanes, (panel % mPanels) * 4, perGroup, outH, outW, scratch, planeHeight(params, m, 0), wp, 0, 0);
  const tiles = P.param(params, P.TILES_N);
  const stride = <usize>P.param(params, P.STRIDE);
  const xiBytes = <usize>panels * stride << 4;
  const mAt = <usize>P.param(params, P.M) + <usize>panel * (stride << 4) + (<usize>(n * tiles) << 4);
  for (let t = 0; t < tiles; t++) {
    const c0 = scratch + SCRATCH + tileCorner(params, t, rowBytes, m);
    // A y, column by column, into the scratch's [row][column] (m columns); then each row times A^T
    for (let s: usize = 0; s < <usize>m; s++) {
      for (let r: usize = 0; r < <usize>m; r++) {
        v128.store(column + r * 16, gather(c0, c0 + planeBytes, c0 + 2 * planeBytes, c0 + 3 * planeBytes, r * dH * rowBytes + ((s * dW) << 2)));
      }
      gradTransform(m, column, 16, scratch + s * 16, <usize>m * 16);
    }
    const at = mAt + (<usize>t << 4);
    for (let r: usize = 0; r < span; r++) gradTransform(m, scratch + r * <usize>m * 16, 16, at + r * span * xiBytes, xiBytes);
  }
}

export function winogradWeightGradOutputTask(params: usize, task: i32, worker: i32): void {
  if (P.param(params, P.TILE) == 4) transformGrad(params, task, worker, 4);
  else transformGrad(params, task, worker, 6);
}

// Task: (slice of the tiles, xi, group, block of output channels). U[slice][xi][the block's channels][the
// group's input channels] = M[xi] V[xi] over the slice's tiles, KC tiles at a time. The micro-kernel
// sums a slice's tiles one after another in float32, so a slice holds a bounded number of them; the
// slices' sums meet in float64 (transformWeights).
export function winogradWeightGradGemmTask(params: usize, task: i32, worker: i32): void {
  const groups = P.param(params, P.GROUPS);
  const blocks = P.param(params, P.M_BLOCKS);
  const slices = P.param(params, P.SLICES);
  const mb = task % blocks;
  const g = (task / blocks) % groups;
  const positions = (P.param(params, P.TILE) + 2) * (P.param(params, P.TILE) + 2);
  const xi = (task / (blocks * groups)) % positions;
  const s = task / (blocks * groups * positions);
  const cIn = P.param(params, P.C_IN);
  const cOut = P.param(params, P.C_OUT);
  const cInG = cIn / groups;
  const perGroup = cOut / groups;
  const mPanels = P.param(params, P.M_PANELS);
  const perBlock = (mPanels + blocks - 1) / blocks;
  const mp0 = mb * perBlock;
  const rows = min(perBlock * 4, perGroup - mp0 * 4);
  if (rows <= 0) return;
  const tiles = P.param(params, P.STRIDE);
  const t0 = (s * tiles) / slices;
  const t1 = ((s + 1) * tiles) / slices;
  const KC = P.param(params, P.KC);
  // the slice's first tile of the block's first panel: the micro-kernel's A, its tiles from t0
  const a = <usize>P.param(params, P.M) + <usize>(xi * groups * mPanels + g * mPanels + mp0) * (<usize>tiles << 4) + (<usize>t0 << 4);
  const b = <usize>P.param(params, P.V) + <usize>xi * <usize>tiles * (<usize>((cIn + 3) & ~3) << 2) + (<usize>(g * cInG) << 2);
  const cRow = <usize>cInG << 2;
  const c = <usize>P.param(params, P.U) + <usize>((s * positions + xi) * cOut + g * perGroup + mp0 * 4) * cRow;
  const scratch = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  for (let k0 = t0; k0 < t1; k0 += KC) {
    const kc = min(KC, t1 - k0);
    panels(a, <usize>P.param(params, P.ZERO), rows, tiles, k0 - t0, kc, b, <usize>P.param(params, P.OFFSETS) + (<usize>k0 << 2), c, cRow, 1, 0, 0, cInG,
      scratch, kc == t1 - t0, 0, 0);
  }
}

// Two float64 lanes: from U, the sums over the slices (`slices` of them, `sliceBytes` apart) of two
// float32s at p; else the float64 pair at p.
// @ts-ignore: decorator
@inline function pairAt(p: usize, fromU: bool, slices: i32, sliceBytes: usize): v128 {
  if (!fromU) return v128.load(p);
  let sum = f64x2.promote_low_f32x4(v128.load64_zero(p));
  for (let s = 1; s < slices; s++) sum = f64x2.add(sum, f64x2.promote_low_f32x4(v128.load64_zero(p + <usize>s * sliceBytes)));
  return sum;
}

// 1-D G^T x of the m + 2 lane pairs at x (`step` bytes apart; from U, summed over its slices), G the
// forward's (m + 2) x 3, in float64: result k.
// @ts-ignore: decorator
@inline function weightTransform(m: i32, x: usize, step: usize, fromU: bool, slices: i32, sliceBytes: usize, k: i32): v128 {
  const x0 = pairAt(x, fromU, slices, sliceBytes), x1 = pairAt(x + step, fromU, slices, sliceBytes), x2 = pairAt(x + 2 * step, fromU, slices, sliceBytes);
  const x3 = pairAt(x + 3 * step, fromU, slices, sliceBytes), x4 = pairAt(x + 4 * step, fromU, slices, sliceBytes);
  const x5 = pairAt(x + 5 * step, fromU, slices, sliceBytes);
  const s12 = f64x2.add(x1, x2), d12 = f64x2.sub(x1, x2), s34 = f64x2.add(x3, x4), d34 = f64x2.sub(x3, x4);
  if (m == 4) {
    if (k == 0) return f64x2.add(f64x2.sub(f64x2.mul(x0, f64x2.splat(1.0 / 4)), f64x2.mul(s12, f64x2.splat(1.0 / 6))), f64x2.mul(s34, f64x2.splat(1.0 / 24)));
    if (k == 1) return f64x2.add(f64x2.mul(d12, f64x2.splat(-1.0 / 6)), f64x2.mul(d34, f64x2.splat(1.0 / 12)));
    return f64x2.add(f64x2.mul(f64x2.sub(s34, s12), f64x2.splat(1.0 / 6)), x5);
  }
  const x6 = pairAt(x + 6 * step, fromU, slices, sliceBytes), x7 = pairAt(x + 7 * step, fromU, slices, sliceBytes);
  const s56 = f64x2.add(x5, x6), d56 = f64x2.sub(x5, x6);
  if (k == 0) {
    return f64x2.add(f64x2.add(f64x2.sub(x0, f64x2.mul(s12, f64x2.splat(2.0 / 9))), f64x2.mul(s34, f64x2.splat(1.0 / 90))), f64x2.mul(s56, f64x2.splat(32.0 / 45)));
  }
  if (k == 1) {
    return f64x2.add(f64x2.add(f64x2.mul(d12, f64x2.splat(-2.0 / 9)), f64x2.mul(d34, f64x2.splat(1.0 / 45))), f64x2.mul(d56, f64x2.splat(16.0 / 45)));
  }
  const r = f64x2.add(f64x2.add(f64x2.mul(s12, f64x2.splat(-2.0 / 9)), f64x2.mul(s34, f64x2.splat(2.0 / 45))), f64x2.mul(s56, f64x2.splat(8.0 / 45)));
  return f64x2.add(r, x7);
}

// Output channel o: dW[o][i] = G^T (U's slices' sum)[.][o][i] G for each input channel i of its group, two channels a
// step (one per float64 lane; past the group's last, a lane reads the next row of U or the slack after
// it: computed, never stored).
// @ts-ignore: decorator
@inline function transformWeights(params: usize, task: i32, worker: i32, m: i32): void {
  const span = <usize>(m + 2);
  const cInG = P.param(params, P.C_IN) / P.param(params, P.GROUPS);
  const xiBytes = <usize>(P.param(params, P.C_OUT) * cInG) << 2;
  const slices = P.param(params, P.SLICES);
  const sliceBytes = span * span * xiBytes;
  // G^T U as [k][column] of lane pairs, then G^T U G as [k][l]
  const gu = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  const result = gu + 3 * span * 16;
  for (let i = 0; i < cInG; i += 2) {
    const at = <usize>P.param(params, P.U) + (<usize>(task * cInG + i) << 2);
    for (let x: usize = 0; x < span; x++) {
      for (let k = 0; k < 3; k++) v128.store(gu + (<usize>k * span + x) * 16, weightTransform(m, at + x * xiBytes, span * xiBytes, true, slices, sliceBytes, k));
    }
    for (let k = 0; k < 3; k++) {
      for (let l = 0; l < 3; l++) v128.store(result + <usize>(k * 3 + l) * 16, weightTransform(m, gu + <usize>k * span * 16, 16, false, 1, 0, l));
    }
    const out = <usize>P.param(params, P.OUTPUT) + (<usize>((task * cInG + i) * 9) << 2);
    for (let kl: usize = 0; kl < 9; kl++) {
      store<f32>(out + (kl << 2), <f32>load<f64>(result + kl * 16));
      if (i + 1 < cInG) store<f32>(out + 36 + (kl << 2), <f32>load<f64>(result + kl * 16, 8));
    }
  }
}

export function winogradWeightGradWeightTask(params: usize, task: i32, worker: i32): void {
  if (P.param(params, P.TILE) == 4) transformWeights(params, task, worker, 4);
  else transformWeights(params, task, worker, 6);
}
