/**
 * The Winograd paths: the input transformed tile by tile into V, one GEMM per transform-domain position
 * (M = U V, U the cached transformed weights), and M transformed back into the output.
 */
import type { ConvGeometry } from '../backend.js';
import { Param } from './params.js';
import { planeStride, type Plan } from './plan.js';
import { phases, positions, span, type TileSize } from './winograd.js';

/**
 * Winograd's GEMM columns for `tiles` tiles an image: a row of V and M holds every image's tiles, each
 * image's from a multiple of 4 (the kernels' imageColumns), so that the GEMMs span the batch.
 */
export function gemmColumns(images: number, tiles: number): number {
  return (images - 1) * Math.ceil(tiles / 4) * 4 + tiles;
}

/**
 * Tiles per transform-domain GEMM task: as many as keep the task's B, (input rows of V) x (tiles) floats,
 * within 16 KiB of L1 while the task's weights stream past it, between 16 and 64 (measured: on 256
 * channels 16 tiles ran 8-12% faster than 64, on 64 channels 64 ran 7% faster than 8).
 */
function winogradChunk(K: number): number {
  return Math.max(16, Math.min(64, 2 ** Math.floor(Math.log2(4096 / K))));
}

/** Plans F(m x m, 3x3) over a 3x3 stride-1 layer (dilated too), or F(7x7, 2x2) over a 3x3 stride-2 layer's phases (m = 7). */
export function planWinograd(g: ConvGeometry, m: TileSize): Plan {
  const cInG = g.cIn / g.groups;
  // a dilated convolution is d x d interleaved sub-images, each convolved as an undilated 3x3 (their tiles
  // in one row of V per channel); a stride-2 one is 2 x 2 phases, summed (a row of V per channel and phase)
  const ph = phases(m);
  const d = ph === 1 ? g.dilationH : 1;
  const split = ph === 1 ? d : 2;
  const tilesH = Math.ceil(Math.ceil(g.outH / d) / m);
  const tilesW = Math.ceil(Math.ceil(g.outW / d) / m);
  const perSub = tilesH * tilesW;
  const tiles = d * d * perSub;
  // the span x span input tiles, m apart, and the 8 columns F(4x4)'s transform loads from the last tile of a row
  const overlap = span(m) - m;
  const hp = m * tilesH + overlap;
  const wp = m * tilesW + (m === 4 ? 4 : overlap);
  const subPlane = planeStride(hp * wp);
  const columns = gemmColumns(g.n, tiles);
  const stride = planeStride(Math.ceil(columns / 8) * 8 + 8);
  const K = cInG * ph;
  const offsets = Int32Array.from({ length: K }, (_, k) => k * stride * 4);
  const chunk = winogradChunk(K);
  return {
    kernel: 'winogradGemmTask', tasks: positions(m) * g.groups * Math.ceil(columns / chunk), workspaceBytes: 4096, packed: false,
    paddedPlane: split * split * subPlane, split, offsets, winograd: { tile: m },
    fields: {
      [Param.K]: K, [Param.KC]: K, [Param.M_PANELS]: Math.ceil(g.cOut / g.groups / 4), [Param.HP]: hp, [Param.WP]: wp,
      [Param.PLANE]: split * split * subPlane, [Param.SUB_PLANE]: subPlane, [Param.SPLIT]: split, [Param.PHASES]: ph,
      [Param.TILES_W]: tilesW, [Param.TILES_S]: perSub, [Param.TILES_N]: tiles, [Param.STRIDE]: stride, [Param.CHUNK]: chunk,
      [Param.V_XY]: planeStride(g.cIn * ph * stride), [Param.M_XY]: planeStride(g.cOut * stride),
    },
  };
}
