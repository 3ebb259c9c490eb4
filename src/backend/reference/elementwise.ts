/** Broadcast arithmetic and sums: the small algebra a loss needs, on any backend. */
import type { BinaryOp, BroadcastGeometry, ReduceGeometry } from '../backend.js';

const OPS: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
};

export function binary(op: BinaryOp, g: BroadcastGeometry, a: Float32Array, b: Float32Array, out: Float32Array): void {
  const f = OPS[op];
  const rank = g.shape.length;
  const index = new Array<number>(rank).fill(0);
  let ai = 0;
  let bi = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = f(a[ai], b[bi]);
    // step the multi-index like an odometer, moving each operand's offset with it
    for (let d = rank - 1; d >= 0; d--) {
      ai += g.aStrides[d];
      bi += g.bStrides[d];
      if (++index[d] < g.shape[d]) break;
      ai -= g.aStrides[d] * g.shape[d];
      bi -= g.bStrides[d] * g.shape[d];
      index[d] = 0;
    }
  }
}

/** Sums in float64, each output element over its reduced elements in row-major order. */
export function reduceSum(g: ReduceGeometry, input: Float32Array, output: Float32Array): void {
  const sums = new Float64Array(output.length);
  const rank = g.shape.length;
  // each input dimension's step in the output: 0 where it is reduced
  const steps = new Array<number>(rank).fill(0);
  for (let d = rank - 1, step = 1; d >= 0; d--) {
    if (g.reduced[d]) continue;
    steps[d] = step;
    step *= g.shape[d];
  }
  const index = new Array<number>(rank).fill(0);
  let o = 0;
  for (let i = 0; i < input.length; i++) {
    sums[o] += input[i];
    for (let d = rank - 1; d >= 0; d--) {
      o += steps[d];
      if (++index[d] < g.shape[d]) break;
      o -= steps[d] * g.shape[d];
      index[d] = 0;
    }
  }
  for (let i = 0; i < output.length; i++) output[i] = sums[i] / g.divisor;
}
