/**
 * 2-D max and average pooling and their gradients, as PyTorch's CPU kernels define them: each output reads
 * the window its axis tables give, so adaptive and strided pooling share every loop.
 */
import type { PoolGeometry } from '../backend.js';

/** One axis's windows: output `o` reads positions `first[o], first[o] + step, ...` below `end[o]`. */
interface Axis {
  first: Int32Array;
  end: Int32Array;
  step: number;
  /** The positions an average counts with padding: up to `size + pad`, as torch's `pool_size`. */
  padded: Int32Array;
}

function axis(size: number, out: number, kernel: number, stride: number, pad: number, dilation: number, adaptive: boolean): Axis {
  const first = new Int32Array(out);
  const end = new Int32Array(out);
  const padded = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    if (adaptive) {
      first[o] = Math.floor((o * size) / out);
      end[o] = Math.ceil(((o + 1) * size) / out);
      padded[o] = end[o] - first[o];
      continue;
    }
    const start = o * stride - pad;
    // the first tap inside the image: torch steps a dilation at a time past the padding
    first[o] = start < 0 ? start + Math.ceil(-start / dilation) * dilation : start;
    end[o] = Math.min(start + (kernel - 1) * dilation + 1, size);
    padded[o] = Math.min(start + kernel, size + pad) - start;
  }
  return { first, end, step: adaptive ? 1 : dilation, padded };
}

function axes(g: PoolGeometry): { rows: Axis; cols: Axis } {
  return {
    rows: axis(g.h, g.outH, g.kH, g.strideH, g.padTop, g.dilationH, g.adaptive),
    cols: axis(g.w, g.outW, g.kW, g.strideW, g.padLeft, g.dilationW, g.adaptive),
  };
}

/**
 * What output (oy, ox)'s average divides by. An average window always holds an input position (padding
 * is at most half the kernel, and the last window starts inside the image), so the count is never 0.
 */
function divisorOf(g: PoolGeometry, rows: Axis, cols: Axis, oy: number, ox: number): number {
  if (g.divisor !== null) return g.divisor;
  if (g.countIncludePad) return rows.padded[oy] * cols.padded[ox];
  return (rows.end[oy] - rows.first[oy]) * (cols.end[ox] - cols.first[ox]);
}

export function maxPool2d(g: PoolGeometry, input: Float32Array, output: Float32Array, indices: Int32Array): void {
  const { rows, cols } = axes(g);
  const { w, outH, outW } = g;
  const dy = rows.step;
  const dx = cols.step;
  for (let p = 0, o = 0; p < g.planes; p++) {
    const base = p * g.h * w;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = rows.first[oy];
      const y1 = rows.end[oy];
      for (let ox = 0; ox < outW; ox++, o++) {
        const x0 = cols.first[ox];
        const x1 = cols.end[ox];
        let best = -Infinity;
        let at = y0 < y1 && x0 < x1 ? y0 * w + x0 : -1;
        for (let y = y0; y < y1; y += dy) {
          for (let x = x0, i = y * w + x0; x < x1; x += dx, i += dx) {
            const v = input[base + i];
            // NaN replaces the maximum, as torch's `val > maxval || isnan(val)`: the last NaN wins
            if (v > best || v !== v) {
              best = v;
              at = i;
            }
          }
        }
        output[o] = best;
        indices[o] = at;
      }
    }
  }
}

export function maxPool2dGrad(g: PoolGeometry, gradOutput: Float32Array, indices: Int32Array, gradInput: Float32Array): void {
  const area = g.h * g.w;
  const outArea = g.outH * g.outW;
  const plane = new Float64Array(area);
  for (let p = 0; p < g.planes; p++) {
    plane.fill(0);
    for (let o = p * outArea, end = o + outArea; o < end; o++) {
      const at = indices[o];
      if (at >= 0) plane[at] += gradOutput[o];
    }
    gradInput.set(plane, p * area);
  }
}

export function avgPool2d(g: PoolGeometry, input: Float32Array, output: Float32Array): void {
  const { rows, cols } = axes(g);
  const { w, outH, outW } = g;
  for (let p = 0, o = 0; p < g.planes; p++) {
    const base = p * g.h * w;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = rows.first[oy];
      const y1 = rows.end[oy];
      for (let ox = 0; ox < outW; ox++, o++) {
        const x0 = cols.first[ox];
        const x1 = cols.end[ox];
        let sum = 0;
        for (let y = y0; y < y1; y++) {
          for (let i = base + y * w + x0, end = i + x1 - x0; i < end; i++) sum += input[i];
        }
        output[o] = sum / divisorOf(g, rows, cols, oy, ox);
      }
    }
  }
}

export function avgPool2dGrad(g: PoolGeometry, gradOutput: Float32Array, gradInput: Float32Array): void {
  const { rows, cols } = axes(g);
  const { w, outH, outW } = g;
  const area = g.h * w;
  const plane = new Float64Array(area);
  for (let p = 0, o = 0; p < g.planes; p++) {
    plane.fill(0);
    for (let oy = 0; oy < outH; oy++) {
      const y0 = rows.first[oy];
      const y1 = rows.end[oy];
      for (let ox = 0; ox < outW; ox++, o++) {
        const x0 = cols.first[ox];
        const x1 = cols.end[ox];
        const share = gradOutput[o] / divisorOf(g, rows, cols, oy, ox);
        for (let y = y0; y < y1; y++) {
          for (let i = y * w + x0, end = i + x1 - x0; i < end; i++) plane[i] += share;
        }
      }
    }
    gradInput.set(plane, p * area);
  }
}
