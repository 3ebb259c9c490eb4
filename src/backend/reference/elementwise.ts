/** Broadcast arithmetic and sums: the small algebra a loss needs, on any backend. */
import type { BinaryOp, BroadcastGeometry, ReduceGeometry } from '../backend.js';

/**
 * One row of `out = a op b`. Each op has its own loop: through a shared loop calling the op as a
 * function, V8 could not inline it once several ops had run (mul of 400k floats: 14 ns an element).
 */
type Row = (a: Float32Array, ai: number, as: number, b: Float32Array, bi: number, bs: number, out: Float32Array, o: number, n: number) => void;
const ROWS: Record<BinaryOp, Row> = {
  add: (a, ai, as, b, bi, bs, out, o, n) => { for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] + b[bi + i * bs]; },
  sub: (a, ai, as, b, bi, bs, out, o, n) => { for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] - b[bi + i * bs]; },
  mul: (a, ai, as, b, bi, bs, out, o, n) => { for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] * b[bi + i * bs]; },
  div: (a, ai, as, b, bi, bs, out, o, n) => { for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] / b[bi + i * bs]; },
};

/**
 * The same walk over fewer dimensions: neighbours that every operand steps through as one (both
 * contiguous together, or both broadcast) merge, so that same-shape operands become one row and a
 * broadcast bias one row per channel. Size-1 dimensions drop out.
 */
function collapse(shape: readonly number[], strides: ReadonlyArray<readonly number[]>): { shape: number[]; strides: number[][] } {
  const merged: number[] = [];
  const mergedStrides: number[][] = strides.map(() => []);
  shape.forEach((size, d) => {
    if (size === 1) return;
    const last = merged.length - 1;
    if (last >= 0 && strides.every((s, k) => mergedStrides[k][last] === s[d] * size)) {
      merged[last] *= size;
      strides.forEach((s, k) => { mergedStrides[k][last] = s[d]; });
      return;
    }
    merged.push(size);
    strides.forEach((s, k) => mergedStrides[k].push(s[d]));
  });
  return { shape: merged, strides: mergedStrides };
}

/**
 * Calls `row(offsets, count)` for each run of the innermost dimension, `offsets[k]` being operand k's
 * offset at the run's start; operands step by their innermost stride within a run.
 */
function forEachRow(shape: readonly number[], strides: readonly number[][], row: (offsets: number[], count: number) => void): void {
  const rank = shape.length;
  if (rank === 0) {
    row(strides.map(() => 0), 1);
    return;
  }
  const outer = shape.slice(0, -1);
  const offsets = strides.map(() => 0);
  const index = new Array<number>(rank - 1).fill(0);
  const rows = outer.reduce((p, s) => p * s, 1);
  for (let r = 0; r < rows; r++) {
    row(offsets, shape[rank - 1]);
    for (let d = rank - 2; d >= 0; d--) {
      strides.forEach((s, k) => { offsets[k] += s[d]; });
      if (++index[d] < shape[d]) break;
      strides.forEach((s, k) => { offsets[k] -= s[d] * shape[d]; });
      index[d] = 0;
    }
  }
}

export function binary(op: BinaryOp, g: BroadcastGeometry, a: Float32Array, b: Float32Array, out: Float32Array): void {
  const row = ROWS[op];
  const outStrides = g.shape.map((_, d) => g.shape.slice(d + 1).reduce((p, s) => p * s, 1));
  const { shape, strides } = collapse(g.shape, [g.aStrides, g.bStrides, outStrides]);
  const [as, bs] = strides.map((s) => s[s.length - 1] ?? 0);
  forEachRow(shape, strides, ([ai, bi, o], count) => row(a, ai, as, b, bi, bs, out, o, count));
}

/** Sums in float64, each output element over its reduced elements in row-major order. */
export function reduceSum(g: ReduceGeometry, input: Float32Array, output: Float32Array): void {
  const sums = new Float64Array(output.length);
  // each input dimension's step in the output: 0 where it is reduced
  const outStrides = new Array<number>(g.shape.length).fill(0);
  for (let d = g.shape.length - 1, step = 1; d >= 0; d--) {
    if (g.reduced[d]) continue;
    outStrides[d] = step;
    step *= g.shape[d];
  }
  const inStrides = g.shape.map((_, d) => g.shape.slice(d + 1).reduce((p, s) => p * s, 1));
  const { shape, strides } = collapse(g.shape, [inStrides, outStrides]);
  const os = strides[1][strides[1].length - 1] ?? 0;
  forEachRow(shape, strides, ([i0, o], count) => {
    if (os === 0) {
      let sum = 0;
      for (let i = 0; i < count; i++) sum += input[i0 + i];
      sums[o] += sum;
    } else {
      for (let i = 0; i < count; i++) sums[o + i * os] += input[i0 + i];
    }
  });
  for (let i = 0; i < output.length; i++) output[i] = sums[i] / g.divisor;
}
