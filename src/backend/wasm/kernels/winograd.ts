// Winograd's minimal filtering F(4x4, 3x3) (Lavin and Gray, 2016) for 3x3 stride-1 convolutions
// (dilated ones too: splitTask splits the input into SPLIT x SPLIT interleaved sub-images, SPLIT = the
// dilation, each an undilated 3x3 convolution):
// Y = A^T [ (G g G^T) (.) (B^T d B) ] A per 4x4 tile of output, from a 6x6 tile of (padded) input.
// 36 multiplies per 16 outputs instead of 144; the elementwise products summed over input channels are
// 36 GEMMs, run on the same 4x8 micro-kernel as the direct convolution. The transforms work on four
// tiles at once, one per f32x4 lane: loads of four tiles' rows are transposed into lanes, and results
// transposed back before they are stored.

import * as P from './params';
import { panels } from './gemm';
import { act4 } from './activation';

// @ts-ignore: decorator
@inline function fma(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}

// 1-D F(4, 3) input transform B^T d of six values (vectors), written at q, q + qStep, ...
// @ts-ignore: decorator
@inline function inputTransform4(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, q: usize, qStep: usize): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  const a = f32x4.sub(d4, f32x4.mul(four, d2)); // d4 - 4 d2
  const b = f32x4.sub(d3, f32x4.mul(four, d1)); // d3 - 4 d1
  const c = f32x4.sub(d4, d2); // d4 - d2
  const e = f32x4.mul(two, f32x4.sub(d3, d1)); // 2 (d3 - d1)
  v128.store(q, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  v128.store(q + qStep, f32x4.add(a, b));
  v128.store(q + 2 * qStep, f32x4.sub(a, b));
  v128.store(q + 3 * qStep, f32x4.add(c, e));
  v128.store(q + 4 * qStep, f32x4.sub(c, e));
  v128.store(q + 5 * qStep, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

// 1-D F(4, 3) output transform A^T m of six values (vectors) at p, p + step, ..., four results at q, q + qStep, ...
// @ts-ignore: decorator
@inline function outputTransform4(p: usize, step: usize, q: usize, qStep: usize, bias: v128): void {
  const m0 = v128.load(p), m1 = v128.load(p + step), m2 = v128.load(p + 2 * step);
  const m3 = v128.load(p + 3 * step), m4 = v128.load(p + 4 * step), m5 = v128.load(p + 5 * step);
  const s12 = f32x4.add(m1, m2), d12 = f32x4.sub(m1, m2);
  const s34 = f32x4.add(m3, m4), d34 = f32x4.sub(m3, m4);
  v128.store(q, f32x4.add(bias, f32x4.add(f32x4.add(m0, s12), s34)));
  v128.store(q + qStep, f32x4.add(bias, fma(d12, f32x4.splat(2), d34)));
  v128.store(q + 2 * qStep, f32x4.add(bias, fma(s12, f32x4.splat(4), s34)));
  v128.store(q + 3 * qStep, f32x4.add(bias, f32x4.add(fma(d12, f32x4.splat(8), d34), m5)));
}

// A row of V or M holds every image's tiles, each image's from a multiple of 4 (a transform writes four
// tiles at a time): the GEMMs span the batch, so that small images still make wide GEMMs (the columns
// between one image's last tile and the next image's first are computed, and never read).
// @ts-ignore: decorator
@inline function imageColumns(tiles: i32): i32 {
  return (tiles + 3) & ~3;
}

// Task: (tile position xy, group g, chunk of columns): M[xy][g's channels] = U[xy][g] V[xy][g's channels].
export function winogradGemmTask(params: usize, task: i32, worker: i32): void {
  const groups = P.param(params, P.GROUPS);
  const tiles = P.param(params, P.TILES_N);
  const columns = (P.param(params, P.N) - 1) * imageColumns(tiles) + tiles;
  const chunk = P.param(params, P.CHUNK);
  const chunks = (columns + chunk - 1) / chunk;
  const t0 = (task % chunks) * chunk;
  const g = (task / chunks) % groups;
  const xy = task / (chunks * groups);
  const cOut = P.param(params, P.C_OUT);
  const m = cOut / groups;
  const mPanels = P.param(params, P.M_PANELS);
  const K = P.param(params, P.K);
  const KC = P.param(params, P.KC);
  const rowBytes = <usize>P.param(params, P.STRIDE) << 2;
  const weights = <usize>P.param(params, P.U) + (<usize>((xy * groups + g) * mPanels * K) << 4);
  // V's rows are (input channel, phase): K of them per group
  const b = <usize>P.param(params, P.V) + (<usize>(xy * P.param(params, P.V_XY)) << 2) + <usize>(g * K) * rowBytes + (<usize>t0 << 2);
  const c = <usize>P.param(params, P.M) + (<usize>(xy * P.param(params, P.M_XY)) << 2) + <usize>(g * m) * rowBytes + (<usize>t0 << 2);
  const scratch = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  const cols = min(chunk, columns - t0);
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const offsets = <usize>P.param(params, P.OFFSETS) + (<usize>k0 << 2);
    // no ReLU here: the output transform applies it after adding the bias
    panels(weights, <usize>P.param(params, P.ZERO), m, K, k0, kc, b, offsets, c, rowBytes, 1, 0, 0, cols, scratch, kc == K, 0, 0);
  }
}

// F(2x2, 3x3): 2x2 output tiles from 4x4 input tiles, 16 transform positions. Fewer multiplies saved
// (2.25x) but cheap transforms and a quarter of F(4x4)'s tile waste: the choice for small images.

// 1-D F(2, 3) input transform B^T d of four values (vectors), written at q, q + qStep, ...
// @ts-ignore: decorator
@inline function inputTransform2(d0: v128, d1: v128, d2: v128, d3: v128, q: usize, qStep: usize): void {
  v128.store(q, f32x4.sub(d0, d2));
  v128.store(q + qStep, f32x4.add(d1, d2));
  v128.store(q + 2 * qStep, f32x4.sub(d2, d1));
  v128.store(q + 3 * qStep, f32x4.sub(d1, d3));
}

// 1-D F(2, 3) output transform A^T m of four values at p, p + step, ..., two results at q, q + qStep.
// @ts-ignore: decorator
@inline function outputTransform2(p: usize, step: usize, q: usize, qStep: usize, bias: v128): void {
  const m0 = v128.load(p), m1 = v128.load(p + step), m2 = v128.load(p + 2 * step), m3 = v128.load(p + 3 * step);
  v128.store(q, f32x4.add(bias, f32x4.add(f32x4.add(m0, m1), m2)));
  v128.store(q + qStep, f32x4.add(bias, f32x4.sub(f32x4.sub(m1, m2), m3)));
}

// F(6x6, 3x3): 6x6 output tiles from 8x8 input tiles, 64 transform positions, 5.1x fewer multiplies
// than the direct sum: the choice for large images, and for dilated layers whose sub-images are 6 wide.
// F(7x7, 2x2) on a stride-2 convolution's phases (see winograd.ts): the same 8x8 input tiles and input
// transform; 7x7 outputs per tile, 1.7x fewer multiplies than the direct sum's 9 per output.

// 1-D F(6, 3) input transform B^T d of eight values (vectors), written at q, q + qStep, ...
// @ts-ignore: decorator
@inline function inputTransform6(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, d6: v128, d7: v128, q: usize, qStep: usize): void {
  const c21_4 = f32x4.splat(5.25), c17_4 = f32x4.splat(4.25), c5_4 = f32x4.splat(1.25), c5_2 = f32x4.splat(2.5);
  const half = f32x4.splat(0.5), quarter = f32x4.splat(0.25), two = f32x4.splat(2), four = f32x4.splat(4), five = f32x4.splat(5);
  v128.store(q, f32x4.add(f32x4.sub(d0, d6), f32x4.mul(c21_4, f32x4.sub(d4, d2))));
  let a = f32x4.sub(f32x4.add(d2, d6), f32x4.mul(c17_4, d4));
  let b = f32x4.sub(f32x4.add(d1, d5), f32x4.mul(c17_4, d3));
  v128.store(q + qStep, f32x4.add(a, b));
  v128.store(q + 2 * qStep, f32x4.sub(a, b));
  a = f32x4.sub(fma(d6, quarter, d2), f32x4.mul(c5_4, d4));
  b = f32x4.add(f32x4.sub(f32x4.mul(half, d1), f32x4.mul(c5_2, d3)), f32x4.mul(two, d5));
  v128.store(q + 3 * qStep, f32x4.add(a, b));
  v128.store(q + 4 * qStep, f32x4.sub(a, b));
  a = f32x4.sub(fma(d6, four, d2), f32x4.mul(five, d4));
  b = f32x4.add(f32x4.sub(f32x4.mul(two, d1), f32x4.mul(c5_2, d3)), f32x4.mul(half, d5));
  v128.store(q + 5 * qStep, f32x4.add(a, b));
  v128.store(q + 6 * qStep, f32x4.sub(a, b));
  v128.store(q + 7 * qStep, f32x4.add(f32x4.sub(d7, d1), f32x4.mul(c21_4, f32x4.sub(d3, d5))));
}

// 1-D output transform A^T m of eight values at p, p + step, ..., m results at q, q + qStep, ...: F(6, 3)'s
// (m = 6) or F(7, 2)'s (m = 7). Their points are the same, so their first five rows are; the point at
// infinity (m7) enters the last row.
// @ts-ignore: decorator
@inline function outputTransform8(m: i32, p: usize, step: usize, q: usize, qStep: usize, bias: v128): void {
  const m0 = v128.load(p), m1 = v128.load(p + step), m2 = v128.load(p + 2 * step), m3 = v128.load(p + 3 * step);
  const m4 = v128.load(p + 4 * step), m5 = v128.load(p + 5 * step), m6 = v128.load(p + 6 * step), m7 = v128.load(p + 7 * step);
  const s12 = f32x4.add(m1, m2), d12 = f32x4.sub(m1, m2);
  const s34 = f32x4.add(m3, m4), d34 = f32x4.sub(m3, m4);
  const s56 = f32x4.add(m5, m6), d56 = f32x4.sub(m5, m6);
  v128.store(q, f32x4.add(bias, f32x4.add(f32x4.add(m0, s12), f32x4.add(s34, s56))));
  v128.store(q + qStep, f32x4.add(bias, f32x4.add(fma(d12, f32x4.splat(2), d34), f32x4.mul(f32x4.splat(0.5), d56))));
  v128.store(q + 2 * qStep, f32x4.add(bias, f32x4.add(fma(s12, f32x4.splat(4), s34), f32x4.mul(f32x4.splat(0.25), s56))));
  v128.store(q + 3 * qStep, f32x4.add(bias, f32x4.add(fma(d12, f32x4.splat(8), d34), f32x4.mul(f32x4.splat(0.125), d56))));
  v128.store(q + 4 * qStep, f32x4.add(bias, f32x4.add(fma(s12, f32x4.splat(16), s34), f32x4.mul(f32x4.splat(0.0625), s56))));
  const r5 = f32x4.add(fma(d12, f32x4.splat(32), d34), f32x4.mul(f32x4.splat(0.03125), d56));
  v128.store(q + 5 * qStep, f32x4.add(bias, m == 6 ? f32x4.add(r5, m7) : r5));
  if (m == 7) v128.store(q + 6 * qStep, f32x4.add(bias, f32x4.add(f32x4.add(fma(s12, f32x4.splat(64), s34), f32x4.mul(f32x4.splat(0.015625), s56)), m7)));
}

// The 1-D input transforms of the n = m + r - 1 vectors at p, p + step, ... (one per input tile size);
// n is a constant wherever these are inlined, so the choice folds away. The weight gradient's input
// transform (winograd-weight-grad.ts) is the same.
// @ts-ignore: decorator
@inline export function inputTransformOf(n: i32, p: usize, step: usize, q: usize, qStep: usize): void {
  const d0 = v128.load(p), d1 = v128.load(p + step), d2 = v128.load(p + 2 * step), d3 = v128.load(p + 3 * step);
  if (n == 4) inputTransform2(d0, d1, d2, d3, q, qStep);
  else if (n == 6) inputTransform4(d0, d1, d2, d3, v128.load(p + 4 * step), v128.load(p + 5 * step), q, qStep);
  else {
    inputTransform6(d0, d1, d2, d3, v128.load(p + 4 * step), v128.load(p + 5 * step), v128.load(p + 6 * step), v128.load(p + 7 * step), q, qStep);
  }
}

// @ts-ignore: decorator
@inline function outputTransformOf(m: i32, p: usize, step: usize, q: usize, qStep: usize, bias: v128): void {
  if (m == 2) outputTransform2(p, step, q, qStep, bias);
  else if (m == 4) outputTransform4(p, step, q, qStep, bias);
  else outputTransform8(m, p, step, q, qStep, bias);
}

// Column k (0-3) of the 4x4 block whose rows are a..d, as one vector: a transposition, one column at a
// time, so that the columns can be passed on as values.
// @ts-ignore: decorator
@inline function column(a: v128, b: v128, c: v128, d: v128, k: i32): v128 {
  if (k < 2) {
    const ab = v128.shuffle<f32>(a, b, 0, 4, 1, 5), cd = v128.shuffle<f32>(c, d, 0, 4, 1, 5);
    return k == 0 ? v128.shuffle<f32>(ab, cd, 0, 1, 4, 5) : v128.shuffle<f32>(ab, cd, 2, 3, 6, 7);
  }
  const ab = v128.shuffle<f32>(a, b, 2, 6, 3, 7), cd = v128.shuffle<f32>(c, d, 2, 6, 3, 7);
  return k == 2 ? v128.shuffle<f32>(ab, cd, 0, 1, 4, 5) : v128.shuffle<f32>(ab, cd, 2, 3, 6, 7);
}

// Stores the transpose of the 4x4 block whose rows are r0..r3 at q (rows 16 bytes apart).
// @ts-ignore: decorator
@inline function transpose4(r0: v128, r1: v128, r2: v128, r3: v128, q: usize): void {
  v128.store(q, column(r0, r1, r2, r3, 0));
  v128.store(q, column(r0, r1, r2, r3, 1), 16);
  v128.store(q, column(r0, r1, r2, r3, 2), 32);
  v128.store(q, column(r0, r1, r2, r3, 3), 48);
}

// The 1-D input transform of row o (a byte offset) of the four lanes' input tiles (n columns from
// p0..p3, transposed into lane vectors as they are loaded), its n results at `row`, 16 bytes apart.
// @ts-ignore: decorator
@inline function tileRowTransform(n: i32, p0: usize, p1: usize, p2: usize, p3: usize, o: usize, row: usize): void {
  const a = v128.load(p0 + o), b = v128.load(p1 + o), c = v128.load(p2 + o), d = v128.load(p3 + o);
  const c0 = column(a, b, c, d, 0), c1 = column(a, b, c, d, 1), c2 = column(a, b, c, d, 2), c3 = column(a, b, c, d, 3);
  if (n == 4) {
    inputTransform2(c0, c1, c2, c3, row, 16);
    return;
  }
  const e = v128.load(p0 + o, 16), f = v128.load(p1 + o, 16), g = v128.load(p2 + o, 16), h = v128.load(p3 + o, 16);
  if (n == 6) inputTransform4(c0, c1, c2, c3, column(e, f, g, h, 0), column(e, f, g, h, 1), row, 16);
  else inputTransform6(c0, c1, c2, c3, column(e, f, g, h, 0), column(e, f, g, h, 1), column(e, f, g, h, 2), column(e, f, g, h, 3), row, 16);
}

// Tiles are numbered sub-image by sub-image (sub = a SPLIT + b), row by row (ty), column by column (tx);
// the transforms walk them in that order, four at a time (one per lane), keeping (sub, ty, tx) in locals:
// dividing each lane's tile number would cost more than its transform.

// Task: image n, input channel c, phase p (PHASES per channel: sub-images of the split plane that are
// summed, as a strided convolution's are, rather than interleaved, as a dilated one's are). V[xy][c][p][n's t]
// = (B^T d_t B)[xy] for every span x span input tile t (m apart) of the phase, four tiles at a time.
// @ts-ignore: decorator
@inline function transformInput(params: usize, task: i32, worker: i32, m: i32, span: i32): void {
  const rowVecs = <usize>(span * 16); // bytes of one row of lane vectors
  const phases = P.param(params, P.PHASES);
  const tiles = P.param(params, P.TILES_N);
  const tilesW = P.param(params, P.TILES_W);
  const tilesH = P.param(params, P.TILES_S) / tilesW;
  const wpBytes = <usize>P.param(params, P.WP) << 2;
  const subBytes = <usize>P.param(params, P.SUB_PLANE) << 2;
  const rowBytes = <usize>P.param(params, P.STRIDE) << 2;
  const plane = <usize>P.param(params, P.PADDED) + (<usize>((task / phases) * P.param(params, P.PLANE) + (task % phases) * P.param(params, P.SUB_PLANE)) << 2);
  const rows = P.param(params, P.C_IN) * phases;
  const v = <usize>P.param(params, P.V) + <usize>(task % rows) * rowBytes + (<usize>((task / rows) * imageColumns(tiles)) << 2);
  const xyBytes = <usize>P.param(params, P.V_XY) << 2;
  // scratch: the lanes' corners, then B^T d as [row][column] of lane vectors
  const corners = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  const bd = corners + 64;
  let sub = 0, ty = 0, tx = 0;
  for (let t = 0; t < tiles; t += 4) {
    // past the last tile, the lanes repeat it
    for (let l = 0; l < 4; l++) {
      store<u32>(corners + (<usize>l << 2), plane + <usize>sub * subBytes + <usize>ty * m * wpBytes + (<usize>(tx * m) << 2));
      if (t + l + 1 < tiles && ++tx == tilesW) {
        tx = 0;
        if (++ty == tilesH) {
          ty = 0;
          sub++;
        }
      }
    }
    const p0 = <usize>load<u32>(corners), p1 = <usize>load<u32>(corners, 4), p2 = <usize>load<u32>(corners, 8), p3 = <usize>load<u32>(corners, 12);
    // rows of each tile as they are loaded, then columns
    for (let r = 0; r < span; r++) tileRowTransform(span, p0, p1, p2, p3, <usize>r * wpBytes, bd + <usize>r * rowVecs);
    const out = v + (<usize>t << 2);
    for (let x = 0; x < span; x++) inputTransformOf(span, bd + <usize>(x * 16), rowVecs, out + <usize>x * xyBytes, <usize>span * xyBytes);
  }
}

// Task: image n, output channel co. Output tiles = A^T M_t A + bias, m x m each, cut at the image's edge.
// @ts-ignore: decorator
@inline function transformOutput(params: usize, task: i32, worker: i32, m: i32, span: i32): void {
  const rowVecs = <usize>(span * 16);
  const cOut = P.param(params, P.C_OUT);
  const n = task / cOut;
  const co = task % cOut;
  const outH = P.param(params, P.OUT_H);
  const outW = P.param(params, P.OUT_W);
  // dilated: the sub-images' outputs interleave, SPLIT apart; strided: the phases were summed by the GEMM
  const d = P.param(params, P.PHASES) == 1 ? P.param(params, P.SPLIT) : 1;
  const tiles = P.param(params, P.TILES_N);
  const tilesW = P.param(params, P.TILES_W);
  const tilesH = P.param(params, P.TILES_S) / tilesW;
  const rowBytes = <usize>P.param(params, P.STRIDE) << 2;
  const mRow = <usize>P.param(params, P.M) + <usize>co * rowBytes + (<usize>(n * imageColumns(tiles)) << 2);
  const xyBytes = <usize>P.param(params, P.M_XY) << 2;
  const biasAt = <usize>P.param(params, P.BIAS);
  const bias = f32x4.splat(biasAt == 0 ? <f32>0 : load<f32>(biasAt + (<usize>co << 2)));
  const act = P.param(params, P.ACTIVATION);
  const zero = f32x4.splat(0);
  const out = <usize>P.param(params, P.OUTPUT) + (<usize>((n * cOut + co) * outH * outW) << 2);
  // scratch: the lanes' output origins (row, column), A^T m as [m rows][span columns] of lane
  // vectors, Y as [m][m], the lanes' columns of a row
  const origins = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  const am = origins + 64;
  const y = am + <usize>m * rowVecs;
  const rows = y + <usize>(m * m * 16);
  // tile (sub-image (a, b), row ty, column tx) covers output rows a + d (m ty + i), columns b + d (m tx + j)
  let a = 0, b = 0, ty = 0, tx = 0;
  for (let t = 0; t < tiles; t += 4) {
    for (let l = 0; l < 4 && t + l < tiles; l++) {
      store<i32>(origins + (<usize>l << 3), a + d * m * ty);
      store<i32>(origins + (<usize>l << 3), b + d * m * tx, 4);
      if (++tx == tilesW) {
        tx = 0;
        if (++ty == tilesH) {
          ty = 0;
          if (++b == d) {
            b = 0;
            a++;
          }
        }
      }
    }
    // columns of M straight from its rows, then rows
    const mt = mRow + (<usize>t << 2);
    for (let x = 0; x < span; x++) outputTransformOf(m, mt + <usize>x * xyBytes, <usize>span * xyBytes, am + <usize>(x * 16), rowVecs, zero);
    for (let i = 0; i < m; i++) outputTransformOf(m, am + <usize>i * rowVecs, 16, y + <usize>(i * m * 16), 16, bias);
    if (act != 0) for (let k = 0; k < m * m; k++) v128.store(y + <usize>(k * 16), act4(act, v128.load(y + <usize>(k * 16))));
    for (let i = 0; i < m; i++) {
      const yi = y + <usize>(i * m * 16);
      // lanes are tiles: transposes make each tile's outputs 0-3 of row i one vector (at rows + 16 l),
      // its last two (F(2x2) and F(6x6)) a pair of floats (at rows + 64 + 8 l), its last three (F(7x7))
      // the first three lanes of a vector (at rows + 64 + 16 l)
      if (m >= 4) transpose4(v128.load(yi), v128.load(yi, 16), v128.load(yi, 32), v128.load(yi, 48), rows);
      if (m == 7) transpose4(v128.load(yi, 64), v128.load(yi, 80), v128.load(yi, 96), v128.load(yi, 96), rows + 64);
      if (m == 2 || m == 6) {
        const a = v128.load(yi + <usize>((m - 2) * 16)), b = v128.load(yi + <usize>((m - 1) * 16));
        v128.store(rows, v128.shuffle<f32>(a, b, 0, 4, 1, 5), 64);
        v128.store(rows, v128.shuffle<f32>(a, b, 2, 6, 3, 7), 80);
      }
      for (let l = 0; l < 4 && t + l < tiles; l++) {
        const oy = load<i32>(origins + (<usize>l << 3)) + d * i;
        const ox = load<i32>(origins + (<usize>l << 3), 4);
        if (oy >= outH) continue;
        const dst = out + (<usize>(oy * outW + ox) << 2);
        if (d == 1 && ox + m <= outW) {
          if (m >= 4) v128.store(dst, v128.load(rows + <usize>(l * 16)));
          if (m == 2 || m == 6) store<f64>(dst + <usize>((m - 2) * 4), load<f64>(rows + <usize>(64 + l * 8)));
          if (m == 7) {
            store<f64>(dst + 16, load<f64>(rows + <usize>(64 + l * 16)));
            store<f32>(dst + 24, load<f32>(rows + <usize>(72 + l * 16)));
          }
          continue;
        }
        // a tile that overhangs the image's right edge, or whose columns are SPLIT (the dilation) apart
        for (let j = 0; j < m && ox + d * j < outW; j++) store<f32>(dst + (<usize>(d * j) << 2), load<f32>(yi + <usize>(j * 16 + l * 4)));
      }
    }
  }
}

export function winograd2InputTask(params: usize, task: i32, worker: i32): void {
  transformInput(params, task, worker, 2, 4);
}

export function winograd4InputTask(params: usize, task: i32, worker: i32): void {
  transformInput(params, task, worker, 4, 6);
}

export function winograd6InputTask(params: usize, task: i32, worker: i32): void {
  transformInput(params, task, worker, 6, 8);
}

export function winograd2OutputTask(params: usize, task: i32, worker: i32): void {
  transformOutput(params, task, worker, 2, 4);
}

export function winograd4OutputTask(params: usize, task: i32, worker: i32): void {
  transformOutput(params, task, worker, 4, 6);
}

export function winograd6OutputTask(params: usize, task: i32, worker: i32): void {
  transformOutput(params, task, worker, 6, 8);
}

export function winograd7InputTask(params: usize, task: i32, worker: i32): void {
  transformInput(params, task, worker, 7, 8);
}

export function winograd7OutputTask(params: usize, task: i32, worker: i32): void {
  transformOutput(params, task, worker, 7, 8);
}
