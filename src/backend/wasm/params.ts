/** Field indices of the i32 parameter block the kernels read (the same as kernels/params.ts). */
export const enum Param {
  N = 0, C_IN, H, W, C_OUT, KH, KW, SH, SW, PT, PL, DH, DW, GROUPS, OUT_H, OUT_W,
  INPUT, WEIGHT, BIAS, OUTPUT, K, KC, M_PANELS, TILES, TILE, OFFSETS, PADDED, PLANE, WP, HP, WORKSPACE, WORKSPACE_BYTES,
  TILES_W, TILES_N, STRIDE, V, M, U, ZERO, CHUNK, M_BLOCKS, SPLIT, SUB_PLANE, TILES_S, V_XY, M_XY, RELU, PHASES,
  GRAD_OUTPUT, SLICES, PARTIALS, SUM_CHUNK,
  COUNT,
}
