/**
 * How the weight gradient's kernels are laid out for a geometry: the task kernels to run in order, the
 * parameter fields they read, and the memory they need.
 */
import type { ConvGeometry } from '../backend.js';
import { Param } from './params.js';
import type { TaskKernel } from './pool.js';

/** Positions a GEMM block aims for (whole output rows): its dY rows and Col rows are dot products of this length. */
const BLOCK_POSITIONS = 512;
/** Tap planes are built for this many bytes of input channels at a time, which stay in L2 while every channel's dY passes them. */
const PLANES_BYTES = 96 * 1024;
/** A slice holds at least this many positions: fewer make each task's dot products too short. */
const MIN_SLICE = 256;
/**
 * Tasks (slices x groups) the GEMM's slices aim for: enough to balance threads; no more, since each
 * slice builds its own tap planes, with the rows its blocks overlap, and adds a partial dW.
 */
const SLICE_TASKS = 16;
/** The partials' memory at most. */
const MAX_PARTIAL_BYTES = 64 * 2 ** 20;
/** Tasks a GEMM aims for, splitting a group's output channels when there are few slices. */
const TARGET_TASKS = 8;
/** Floats of dW each task of the partials' sum adds up. */
const SUM_CHUNK = 16384;
/** Bytes of lane vectors before a Winograd transform's padded plane in its workspace (kernels' SCRATCH). */
const WINOGRAD_SCRATCH = 72 * 16;

/** How one weight gradient runs: its task kernels, memory and parameter fields beyond the geometry's. */
export interface WeightGradPlan {
  /** Task kernels and their task counts, run in order. */
  runs: [TaskKernel, number][];
  /** Bytes of each worker's workspace. */
  workspaceBytes: number;
  /** Buffers to allocate: the field that holds each one's offset, and its bytes. */
  buffers: Partial<Record<Param, number>>;
  /** Tables to copy in: the field that holds each one's offset, and its values. */
  tables: Partial<Record<Param, Int32Array>>;
  /** Parameter fields and their values. */
  fields: Partial<Record<Param, number>>;
}

/** Workspace bytes for `floats`, in whole cache lines so that workers' workspaces start on one. */
function lines(floats: number): number {
  return Math.ceil(floats / 16) * 64;
}

/** A group's output channels in blocks of whole panels of 4, enough that blocks x `others` make about TARGET_TASKS tasks. */
function channelBlocks(m: number, others: number): { mPanels: number; mBlocks: number; blockRows: number } {
  const mPanels = Math.ceil(m / 4);
  const mBlocks = Math.max(1, Math.min(mPanels, Math.ceil(TARGET_TASKS / others)));
  return { mPanels, mBlocks, blockRows: Math.ceil(mPanels / mBlocks) * 4 };
}

/**
 * Depthwise: the channel's plane padded and split into column phases (HP rows of SW phases of WP
 * floats), WP covering the whole vectors of output columns at the farthest tap.
 */
export function depthwisePlan(g: ConvGeometry): WeightGradPlan {
  const hp = (g.outH - 1) * g.strideH + (g.kH - 1) * g.dilationH + 1;
  const phaseW = Math.ceil(g.outW / 4) * 4 + Math.floor(((g.kW - 1) * g.dilationW) / g.strideW);
  const slots = Math.ceil((g.kH * g.kW) / 4) * 4;
  // padPlane zeroes padTop rows and padLeft columns even past a plane that keeps fewer
  const planeFloats = (hp + g.padTop + 1) * g.strideW * phaseW + g.padLeft;
  return {
    runs: [['depthwiseWeightGradTask', g.cIn]], workspaceBytes: lines((g.cOut / g.cIn) * slots * 4 + planeFloats), buffers: {}, tables: {},
    fields: { [Param.HP]: hp, [Param.WP]: phaseW },
  };
}

/**
 * The GEMM over positions, in blocks of TILE whole output rows (each rounded up to whole vectors), Col's
 * rows read from tap planes of PLANE rows built KC input channels at a time (tap-planes.ts), OFFSETS
 * holding each of the chunk's K rows' byte offset among them, or, for a 1x1 stride-1 layer without
 * padding whose rows are whole vectors, from the input itself (PLANE 0); the rows split into slices,
 * each summed into its own partial dW, then added up.
 */
export function gemmPlan(g: ConvGeometry): WeightGradPlan {
  const cInG = g.cIn / g.groups;
  const taps = g.kH * g.kW;
  const K = cInG * taps;
  const padded = Math.ceil(g.outW / 4) * 4;
  const blockRows = Math.max(1, Math.floor(BLOCK_POSITIONS / padded));
  const planeRows = blockRows + Math.floor(((g.kH - 1) * g.dilationH) / g.strideH);
  const planeFloats = planeRows * padded;
  const channelFloats = g.kW * g.strideH * planeFloats;
  const chunk = Math.max(1, Math.min(cInG, Math.floor(PLANES_BYTES / 4 / channelFloats)));
  const inPlace = taps === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop + g.padBottom + g.padLeft + g.padRight === 0 && padded === g.outW;
  const offsets = inPlace
    ? Int32Array.from({ length: K }, (_, k) => k * g.h * g.w * 4)
    : Int32Array.from({ length: chunk * taps }, (_, k) => {
      const c = Math.floor(k / taps);
      const ky = (Math.floor(k / g.kW) % g.kH) * g.dilationH;
      const kx = k % g.kW;
      return (((c * g.kW + kx) * g.strideH + (ky % g.strideH)) * planeFloats + Math.floor(ky / g.strideH) * padded) * 4;
    });
  const dwBytes = g.cOut * K * 4;
  const slices = Math.max(1, Math.min(Math.ceil(SLICE_TASKS / g.groups), g.n * g.outH, Math.floor((g.n * g.outH * g.outW) / MIN_SLICE), Math.floor(MAX_PARTIAL_BYTES / dwBytes)));
  const { mPanels, mBlocks, blockRows: channels } = channelBlocks(g.cOut / g.groups, slices * g.groups);
  const runs: [TaskKernel, number][] = [['weightGradGemmTask', slices * g.groups * mBlocks]];
  if (slices > 1) runs.push(['weightGradSumTask', Math.ceil(dwBytes / 4 / SUM_CHUNK)]);
  return {
    runs, workspaceBytes: lines(channels * blockRows * padded + (inPlace ? 0 : chunk * channelFloats)),
    buffers: slices > 1 ? { [Param.PARTIALS]: slices * dwBytes } : {}, tables: { [Param.OFFSETS]: offsets },
    fields: {
      [Param.K]: K, [Param.KC]: chunk, [Param.M_PANELS]: mPanels, [Param.M_BLOCKS]: mBlocks, [Param.TILE]: blockRows, [Param.PLANE]: inPlace ? 0 : planeRows,
      [Param.SLICES]: slices, [Param.SUM_CHUNK]: SUM_CHUNK,
    },
  };
}

/** Winograd's output tile sizes: F(4x4, 3x3) and F(6x6, 3x3). */
export type WinogradTile = 4 | 6;

/** Tiles of m x m outputs per row and column of each of a dilated layer's sub-images (the layer itself when undilated). */
function winogradTiles(g: ConvGeometry, m: WinogradTile): { tilesH: number; tilesW: number; perImage: number } {
  const tilesH = Math.ceil(Math.ceil(g.outH / g.dilationH) / m);
  const tilesW = Math.ceil(Math.ceil(g.outW / g.dilationW) / m);
  return { tilesH, tilesW, perImage: g.dilationH * g.dilationW * tilesH * tilesW };
}

/** Computed outputs per kept one of Winograd's m x m tiles. */
export function winogradWaste(g: ConvGeometry, m: WinogradTile): number {
  return (winogradTiles(g, m).perImage * m * m) / (g.outH * g.outW);
}

/** Winograd's tiles over the batch: the GEMMs' sums run over them. */
export function winogradTileCount(g: ConvGeometry, m: WinogradTile): number {
  return g.n * winogradTiles(g, m).perImage;
}

/** The bytes of Winograd's transformed input V and gradient M. */
export function winogradBytes(g: ConvGeometry, m: WinogradTile): number {
  return (m + 2) ** 2 * winogradTileCount(g, m) * (Math.ceil(g.cIn / 4) + g.groups * Math.ceil(g.cOut / g.groups / 4)) * 16;
}

/** Tiles Winograd's GEMMs take at a time, as the forward's GEMM takes K: a panel of M, [KC][4], stays in L1. */
const WINOGRAD_KC = 256;
/**
 * Tiles a slice of Winograd's GEMMs sums one after another in float32, at most (measured, F(4x4), against
 * the float64 reference, relative to the largest value: 6272 tiles in one sum 2.5e-5, 12544 3.5e-5; in
 * slices of 1024, 1.2e-5 and 1.25e-5).
 */
const WINOGRAD_SLICE_TILES = 1024;
/** The slices' transform-domain gradients U at most: beyond, slices hold more tiles. */
const WINOGRAD_MAX_U_BYTES = 256 * 2 ** 20;

/**
 * Winograd F(m x m, 3x3), transposed (kernels/winograd-weight-grad.ts): the input's and the gradient's
 * tiles transformed into V (a row of input channels per tile, OFFSETS holding each tile's row) and M
 * (panels of 4 output channels); (m + 2)^2 GEMMs into U; U transformed back into dW.
 */
export function winogradPlan(g: ConvGeometry, m: WinogradTile): WeightGradPlan {
  const { tilesH, tilesW, perImage } = winogradTiles(g, m);
  const tiles = winogradTileCount(g, m);
  const positions = (m + 2) ** 2;
  const { mPanels, mBlocks } = channelBlocks(g.cOut / g.groups, positions * g.groups);
  const rowBytes = Math.ceil(g.cIn / 4) * 16;
  const plane = (h: number, w: number) => 4 * lines(g.dilationH * h * g.dilationW * w);
  const uBytes = positions * g.cOut * (g.cIn / g.groups) * 4;
  const slices = Math.max(1, Math.min(Math.ceil(tiles / WINOGRAD_SLICE_TILES), Math.floor(WINOGRAD_MAX_U_BYTES / uBytes)));
  return {
    runs: [
      ['winogradWeightGradInputTask', g.n * Math.ceil(g.cIn / 4)], ['winogradWeightGradOutputTask', g.n * g.groups * mPanels],
      ['winogradWeightGradGemmTask', slices * positions * g.groups * mBlocks], ['winogradWeightGradWeightTask', g.cOut],
    ],
    workspaceBytes: WINOGRAD_SCRATCH + plane(m * tilesH + 2, m * tilesW + 2),
    // V and M: winogradBytes
    buffers: {
      [Param.V]: positions * tiles * rowBytes, [Param.M]: positions * g.groups * mPanels * tiles * 16,
      [Param.U]: slices * uBytes,
    },
    // ZERO: the GEMMs' bias (the micro-kernel starts from it)
    tables: { [Param.OFFSETS]: Int32Array.from({ length: tiles }, (_, t) => t * rowBytes), [Param.ZERO]: new Int32Array(mPanels * 4) },
    fields: {
      [Param.TILE]: m, [Param.TILES_W]: tilesW, [Param.TILES_S]: tilesH * tilesW, [Param.TILES_N]: perImage, [Param.STRIDE]: tiles,
      [Param.M_PANELS]: mPanels, [Param.M_BLOCKS]: mBlocks, [Param.KC]: WINOGRAD_KC, [Param.SLICES]: slices,
    },
  };
}
