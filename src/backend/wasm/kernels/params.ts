// The parameter block TypeScript writes before a run (src/backend/wasm/params.ts holds the same
// indices): one i32 per field, so that a task needs only (params, task, worker) to find its work.

export const N: i32 = 0;
export const C_IN: i32 = 1;
export const H: i32 = 2;
export const W: i32 = 3;
export const C_OUT: i32 = 4;
export const KH: i32 = 5;
export const KW: i32 = 6;
export const SH: i32 = 7;
export const SW: i32 = 8;
export const PT: i32 = 9;
export const PL: i32 = 10;
export const DH: i32 = 11;
export const DW: i32 = 12;
export const GROUPS: i32 = 13;
export const OUT_H: i32 = 14;
export const OUT_W: i32 = 15;
export const INPUT: i32 = 16;
export const WEIGHT: i32 = 17; // packed by packWeights for the GEMM kernels, as given for depthwise
export const BIAS: i32 = 18;
export const OUTPUT: i32 = 19;
export const K: i32 = 20; // per group: (C_IN / GROUPS) * KH * KW
export const KC: i32 = 21; // K is walked in blocks of KC (weight gradient: input channels per chunk of tap planes; Winograd's: tiles per GEMM step)
export const M_PANELS: i32 = 22; // per group: ceil((C_OUT / GROUPS) / 4)
export const TILES: i32 = 23; // tasks per (image, group)
export const TILE: i32 = 24; // output positions (im2col) or output rows (direct) per task (weight gradient: output rows per block; Winograd's: m)
export const OFFSETS: i32 = 25; // byte offset of each k's B row from a base: K entries (direct) or KC (im2col)
export const PADDED: i32 = 26; // the zero-padded copy of the input (direct)
export const PLANE: i32 = 27; // floats from one padded channel plane to the next (weight gradient: rows of each tap plane, 0 where it reads the input's planes)
export const WP: i32 = 28; // padded width (direct), or the im2col block's row stride in floats (depthwise weight gradient: floats of each column phase; depthwise input gradient: dY's padded width)
export const HP: i32 = 29; // padded height (of dY's plane in the depthwise input gradient)
export const WORKSPACE: i32 = 30;
export const WORKSPACE_BYTES: i32 = 31;
// Winograd: tiles of m x m outputs, TILES_W to a row, TILES_N per image; the transformed input V and
// the transform-domain products M, one row (STRIDE floats apart) per (position of the input tile,
// channel) holding every image's tiles, each image's from a multiple of 4; U, the transformed weights
// packed as the GEMM's A; ZERO, zeros (the GEMM's bias: the real one is added by the output transform);
// CHUNK, columns (tiles) per GEMM task.
export const TILES_W: i32 = 32;
export const TILES_N: i32 = 33;
export const STRIDE: i32 = 34; // floats from one row of V or M to the next (the weight gradient's Winograd: its tiles over the batch, by which its V and M are laid out)
export const V: i32 = 35;
export const M: i32 = 36;
export const U: i32 = 37;
export const ZERO: i32 = 38;
export const CHUNK: i32 = 39;
// Split planes: a channel's padded plane as SPLIT x SPLIT interleaved sub-images (sub-image (a, b) holds
// padded[a + SPLIT u][b + SPLIT v]), each an HP x WP plane, SUB_PLANE floats apart. A dilated 3x3
// convolution is an ordinary one on each sub-image of SPLIT = its dilation (Winograd); a strided one,
// with SPLIT = its stride, reads each tap's outputs from consecutive floats of one sub-image (the
// direct GEMM). TILES_S: Winograd's tiles per sub-image.
export const SPLIT: i32 = 41;
export const SUB_PLANE: i32 = 42;
export const TILES_S: i32 = 43;
export const M_BLOCKS: i32 = 40; // GEMM tasks per (image, group, tile): each takes a block of output channels
// Floats from one tile position's rows to the next, in V and in M: an odd number of cache lines, so that
// the (m + 2)^2 rows a transform writes or reads at once fall into different L1 sets.
export const V_XY: i32 = 44;
export const M_XY: i32 = 45;
export const ACTIVATION: i32 = 46; // applied to every output as it is written: 0 none, 1 ReLU, 2 ReLU6 (kernels/activation.ts)
// Winograd's input rows per channel: 1, or 4 for a 3x3 stride-2 convolution, whose SPLIT = 2 sub-images
// are the phases of four stride-1 convolutions summed over (channel, phase) by the GEMM.
export const PHASES: i32 = 47;
// The weight gradient: GRAD_OUTPUT, dL/dy; the positions (batch x output positions) split into SLICES
// slices, each summed into its own partial dW at PARTIALS (SLICES > 1), then added up SUM_CHUNK floats a task.
export const GRAD_OUTPUT: i32 = 48;
export const SLICES: i32 = 49;
export const PARTIALS: i32 = 50;
export const SUM_CHUNK: i32 = 51;
// The GEMM kernels: an array laid out as OUTPUT, added to every output before the activation (0: none).
export const RESIDUAL: i32 = 52;

// @ts-ignore: decorator
@inline export function param(params: usize, index: i32): i32 {
  return load<i32>(params + (<usize>index << 2));
}
