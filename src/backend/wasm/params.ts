import type { ConvGeometry } from '../backend.js';

/** Field indices of the i32 parameter block the kernels read (the same as kernels/params.ts). */
export const enum Param {
  N = 0, C_IN, H, W, C_OUT, KH, KW, SH, SW, PT, PL, DH, DW, GROUPS, OUT_H, OUT_W,
  INPUT, WEIGHT, BIAS, OUTPUT, K, KC, M_PANELS, TILES, TILE, OFFSETS, PADDED, PLANE, WP, HP, WORKSPACE, WORKSPACE_BYTES,
  TILES_W, TILES_N, STRIDE, V, M, U, ZERO, CHUNK, M_BLOCKS, SPLIT, SUB_PLANE, TILES_S, V_XY, M_XY, ACTIVATION, PHASES,
  GRAD_OUTPUT, SLICES, PARTIALS, SUM_CHUNK, RESIDUAL,
  COUNT,
}

/** Writes the geometry's fields (N .. OUT_W) into a parameter block. */
export function writeGeometry(block: Int32Array, g: ConvGeometry): void {
  block[Param.N] = g.n;
  block[Param.C_IN] = g.cIn;
  block[Param.H] = g.h;
  block[Param.W] = g.w;
  block[Param.C_OUT] = g.cOut;
  block[Param.KH] = g.kH;
  block[Param.KW] = g.kW;
  block[Param.SH] = g.strideH;
  block[Param.SW] = g.strideW;
  block[Param.PT] = g.padTop;
  block[Param.PL] = g.padLeft;
  block[Param.DH] = g.dilationH;
  block[Param.DW] = g.dilationW;
  block[Param.GROUPS] = g.groups;
  block[Param.OUT_H] = g.outH;
  block[Param.OUT_W] = g.outW;
}
