/**
 * The GEMM paths: output = packed weights (A, panels of 4 output channels) x B, B's row k being tap k of
 * the input, read straight from the (padded or split) input planes ('gemm-direct') or from im2col blocks
 * ('gemm-im2col').
 */
import type { ConvGeometry } from '../backend.js';
import { Param } from './params.js';
import { planeStride, type Plan } from './plan.js';

/** K is walked in blocks of KC: a 4 x KC panel of weights (4 KiB) stays in L1, and so do the B rows a tile reads. */
const KC = 256;
/** Output positions per im2col task: its [KC x 128] block (128 KiB) stays in L2. */
const IM2COL_TILE = 128;
/** Output positions a direct task aims for (whole rows). */
const DIRECT_TILE = 256;

/** Blocks of output channels per GEMM tile: enough tasks (8) to share among threads, in panels of 4. */
function channelBlocks(g: ConvGeometry, tiles: number, mPanels: number): number {
  return Math.max(1, Math.min(mPanels, Math.ceil(8 / (g.n * g.groups * tiles))));
}

/** The GEMM's K, its blocking, and its panels of 4 output channels per group. */
function blocking(g: ConvGeometry): { [Param.K]: number; [Param.KC]: number; [Param.M_PANELS]: number } {
  return { [Param.K]: (g.cIn / g.groups) * g.kH * g.kW, [Param.KC]: KC, [Param.M_PANELS]: Math.ceil(g.cOut / g.groups / 4) };
}

/**
 * Whether an unpadded stride-1 layer may read its input planes where they lie, one after another (`h *
 * w` floats apart) rather than from a copy at `planeStride`'s spacing: where that spacing still spreads
 * the rows a tile reads over at least 16 of L1's 64 sets.
 */
export function readsInPlace(g: ConvGeometry): boolean {
  if (g.padTop + g.padBottom + g.padLeft + g.padRight !== 0 || g.strideH !== 1 || g.strideW !== 1) return false;
  const lines = (g.h * g.w) / 16;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return !Number.isInteger(lines) || gcd(lines, 64) <= 4;
}

/**
 * Plans the direct GEMM: B's rows are offsets into the padded input planes, split into stride x stride
 * sub-images; `inPlace`, into the input's own planes (see `readsInPlace`).
 */
export function planGemmDirect(g: ConvGeometry, inPlace = false): Plan {
  const block = blocking(g);
  const K = block[Param.K];
  const offsets = new Int32Array(K);
  // a stride-s convolution reads the padded plane split into s x s sub-images (s = 1: the plane itself)
  const split = g.strideH;
  const hp = Math.ceil((g.h + g.padTop + g.padBottom) / split);
  const wp = Math.ceil((g.w + g.padLeft + g.padRight) / split);
  const subPlane = inPlace ? hp * wp : planeStride(hp * wp);
  const plane = split === 1 ? subPlane : planeStride(split * split * subPlane);
  // B's row k = (channel, ky, kx) for output (y, x) starts at padded[channel][s y + ky dH][s x + kx dW],
  // which is sub-image ((ky dH) % s, (kx dW) % s) at (y + floor(ky dH / s), x + floor(kx dW / s))
  for (let k = 0; k < K; k++) {
    const c = Math.floor(k / (g.kH * g.kW));
    const ky = (Math.floor(k / g.kW) % g.kH) * g.dilationH;
    const kx = (k % g.kW) * g.dilationW;
    const sub = (ky % split) * split + (kx % split);
    offsets[k] = (c * plane + sub * subPlane + Math.floor(ky / split) * wp + Math.floor(kx / split)) * 4;
  }
  const rows = Math.max(1, Math.floor(DIRECT_TILE / g.outW));
  const tiles = Math.ceil(g.outH / rows);
  const mBlocks = channelBlocks(g, tiles, block[Param.M_PANELS]);
  return {
    kernel: 'gemmDirectTask', tasks: g.n * g.groups * tiles * mBlocks, workspaceBytes: 128, packed: true, paddedPlane: plane, split, offsets,
    fields: {
      ...block, [Param.TILES]: tiles, [Param.TILE]: rows, [Param.PLANE]: plane, [Param.WP]: wp, [Param.HP]: hp, [Param.M_BLOCKS]: mBlocks,
      [Param.SPLIT]: split, [Param.SUB_PLANE]: subPlane,
    },
  };
}

/** Plans the im2col GEMM: each task gathers B, KC rows at a time, into a block of its workspace. */
export function planGemmIm2col(g: ConvGeometry): Plan {
  const block = blocking(g);
  const offsets = new Int32Array(Math.min(block[Param.K], KC));
  // block rows 64 bytes longer than a multiple of 8 floats, so that a column of the block spreads over all L1 sets
  const rowFloats = IM2COL_TILE + 16;
  for (let k = 0; k < offsets.length; k++) offsets[k] = k * rowFloats * 4;
  const tiles = Math.ceil((g.outH * g.outW) / IM2COL_TILE);
  const mBlocks = channelBlocks(g, tiles, block[Param.M_PANELS]);
  return {
    kernel: 'gemmIm2colTask', tasks: g.n * g.groups * tiles * mBlocks, workspaceBytes: 128 + KC * rowFloats * 4, packed: true, paddedPlane: null, split: 1, offsets,
    fields: { ...block, [Param.TILES]: tiles, [Param.TILE]: IM2COL_TILE, [Param.WP]: rowFloats, [Param.M_BLOCKS]: mBlocks },
  };
}
