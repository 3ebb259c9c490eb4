/**
 * A convolution's kernel without its outer rows and columns of taps that read only zero padding, for
 * every output: DeepLab's rate-36 3x3 on a 33x33 map is a 1x1 convolution, and its rate-24 one reads
 * padding with a third of its taps. Such a tap adds `x * w` with x = 0, so dropping it leaves every
 * output as it was (for finite weights); the padding shrinks with it, so the output keeps its size.
 */
import type { ConvGeometry } from '../backend/backend.js';

/** The first and last taps along one axis that read the input for some output, or null where none does. */
function liveTaps(size: number, out: number, kernel: number, stride: number, pad: number, dilation: number): [number, number] | null {
  const live = (k: number) => {
    const first = k * dilation - pad; // input index of output 0
    const o = Math.max(0, Math.ceil(-first / stride)); // the first output that reads at or after index 0
    return o < out && first + o * stride < size;
  };
  let lo = 0;
  while (lo < kernel && !live(lo)) lo++;
  if (lo === kernel) return null;
  let hi = kernel - 1;
  while (!live(hi)) hi--;
  return [lo, hi];
}

/** The taps kept along one axis, with the padding and dilation that go with them; null: keep them all. */
function trimmed(size: number, out: number, kernel: number, stride: number, pad: number, padEnd: number, dilation: number) {
  const taps = liveTaps(size, out, kernel, stride, pad, dilation);
  if (taps === null || (taps[0] === 0 && taps[1] === kernel - 1)) return null;
  const [lo, hi] = taps;
  const start = pad - lo * dilation;
  const end = padEnd - (kernel - 1 - hi) * dilation;
  if (start < 0 || end < 0) return null;
  return { lo, kernel: hi - lo + 1, pad: start, padEnd: end, dilation: hi === lo ? 1 : dilation };
}

/** `geom` and `weight` with the dead outer taps dropped (the same arrays where there are none). */
export function trimTaps(geom: ConvGeometry, weight: Float32Array): { geom: ConvGeometry; weight: Float32Array } {
  const g = geom;
  const rows = trimmed(g.h, g.outH, g.kH, g.strideH, g.padTop, g.padBottom, g.dilationH) ?? { lo: 0, kernel: g.kH, pad: g.padTop, padEnd: g.padBottom, dilation: g.dilationH };
  const cols = trimmed(g.w, g.outW, g.kW, g.strideW, g.padLeft, g.padRight, g.dilationW) ?? { lo: 0, kernel: g.kW, pad: g.padLeft, padEnd: g.padRight, dilation: g.dilationW };
  if (rows.kernel === g.kH && cols.kernel === g.kW) return { geom, weight };
  const filters = weight.length / (g.kH * g.kW);
  const kept = new Float32Array(filters * rows.kernel * cols.kernel);
  for (let f = 0; f < filters; f++) {
    for (let y = 0; y < rows.kernel; y++) {
      const from = (f * g.kH + rows.lo + y) * g.kW + cols.lo;
      kept.set(weight.subarray(from, from + cols.kernel), (f * rows.kernel + y) * cols.kernel);
    }
  }
  return {
    geom: {
      ...g, kH: rows.kernel, kW: cols.kernel, padTop: rows.pad, padBottom: rows.padEnd, padLeft: cols.pad, padRight: cols.padEnd,
      dilationH: rows.dilation, dilationW: cols.dilation,
    },
    weight: kept,
  };
}
