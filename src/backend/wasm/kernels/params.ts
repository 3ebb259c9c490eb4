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
export const WEIGHT: i32 = 17;
export const BIAS: i32 = 18;
export const OUTPUT: i32 = 19;
export const K: i32 = 20;
export const KC: i32 = 21;
export const NC: i32 = 22;
export const TILES: i32 = 23;
export const POINTWISE: i32 = 24;
export const WORKSPACE: i32 = 25;
export const WORKSPACE_BYTES: i32 = 26;
export const M_PANELS: i32 = 27;

// @ts-ignore: decorator
@inline export function param(params: usize, index: i32): i32 {
  return load<i32>(params + (<usize>index << 2));
}
