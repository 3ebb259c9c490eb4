/** 2-D padding: each output pixel reads the input pixel that `mode` maps its coordinate to. */
import type { PadGeometry, PadMode } from '../backend.js';

/** The input index that out-of-range index `i` of a dimension of `size` reads, or -1 for the constant. */
function sourceIndex(i: number, size: number, mode: PadMode): number {
  if (i >= 0 && i < size) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'reflect': // mirror about the edge pixel, which is not repeated
      return i < 0 ? -i : 2 * (size - 1) - i;
    case 'replicate':
      return i < 0 ? 0 : size - 1;
    case 'circular':
      return ((i % size) + size) % size;
  }
}

/** For each output row and column, the input row and column it reads (-1: the constant). */
function sources(g: PadGeometry): { rows: Int32Array; cols: Int32Array } {
  return {
    rows: Int32Array.from({ length: g.outH }, (_, y) => sourceIndex(y - g.padTop, g.h, g.mode)),
    cols: Int32Array.from({ length: g.outW }, (_, x) => sourceIndex(x - g.padLeft, g.w, g.mode)),
  };
}

export function pad(g: PadGeometry, input: Float32Array, output: Float32Array): void {
  const { rows, cols } = sources(g);
  for (let p = 0; p < g.planes; p++) {
    for (let y = 0; y < g.outH; y++) {
      const sy = rows[y];
      for (let x = 0; x < g.outW; x++) {
        const sx = cols[x];
        output[(p * g.outH + y) * g.outW + x] = sy < 0 || sx < 0 ? g.value : input[(p * g.h + sy) * g.w + sx];
      }
    }
  }
}

/** Each output's gradient added to the input element it read, in float64 per plane. */
export function padGrad(g: PadGeometry, gradOutput: Float32Array, gradInput: Float32Array): void {
  const { rows, cols } = sources(g);
  const plane = new Float64Array(g.h * g.w);
  for (let p = 0; p < g.planes; p++) {
    plane.fill(0);
    for (let y = 0; y < g.outH; y++) {
      const sy = rows[y];
      if (sy < 0) continue;
      for (let x = 0; x < g.outW; x++) {
        const sx = cols[x];
        if (sx >= 0) plane[sy * g.w + sx] += gradOutput[(p * g.outH + y) * g.outW + x];
      }
    }
    gradInput.set(plane, p * g.h * g.w);
  }
}
