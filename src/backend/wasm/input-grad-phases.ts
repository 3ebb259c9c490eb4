/**
 * The input gradient of a convolution as stride-1 forward convolutions of the output gradient. Input row
 * iy = p + s j (phase p of stride s) receives from the taps ky with (p + padTop - ky d) % s = 0, an
 * arithmetic run ky0, ky0 + s / gcd(s, d), ...; run backwards (flipped) they read output-gradient rows
 * j + lo, j + lo + d / gcd(s, d), ... (lo <= 0 where the taps reach back): a stride-1 convolution with
 * that run as its kernel, dilated by d / gcd(s, d), padded by -lo before. Stride 1 is
 * the one phase with every tap (padding d (k - 1) - pad); at stride s the s x s phases are
 * interleaved, each doing its share of the forward's multiplies and none on inserted zeros.
 */
import type { ConvGeometry } from '../backend.js';

/** One axis of one phase: which taps it takes and which output-gradient rows it reads. */
export interface AxisPhase {
  /** The first input row of the phase (p) and the step between its rows (s). */
  readonly first: number;
  readonly step: number;
  /** Input rows in the phase: ceil((size - p) / s). */
  readonly length: number;
  /** The phase's taps: ky0, ky0 + tapStep, ... (taps of them), the kernel's, unflipped. */
  readonly tap0: number;
  readonly tapStep: number;
  readonly taps: number;
  /** The dilation of the phase's kernel over the output gradient. */
  readonly dilation: number;
  /** The output-gradient rows the phase reads, [lo, hi], clipped to the rows there are: [from, to]. */
  readonly from: number;
  readonly to: number;
  /** Padding before and after the clipped rows, which read as zeros. */
  readonly padBefore: number;
  readonly padAfter: number;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Phase `p` of an axis with input `size`, kernel `k`, stride `s`, padding `pad` before, dilation `d` and
 * `outSize` outputs; null where no tap reaches the phase's rows or none of them is read (their
 * gradient is 0).
 */
export function axisPhase(size: number, outSize: number, k: number, s: number, pad: number, d: number, p: number): AxisPhase | null {
  const length = Math.ceil((size - p) / s);
  let tap0 = 0;
  while (tap0 < k && (((p + pad - tap0 * d) % s) + s) % s !== 0) tap0++;
  if (tap0 === k || length <= 0) return null;
  const tapStep = s / gcd(s, d);
  const taps = Math.floor((k - 1 - tap0) / tapStep) + 1;
  const dilation = (tapStep * d) / s;
  // phase row j reads output row j + c - t dilation through its tap tap0 + t tapStep
  const c = (p + pad - tap0 * d) / s;
  const lo = c - (taps - 1) * dilation;
  const hi = length - 1 + c;
  const from = Math.max(lo, 0);
  const to = Math.min(hi, outSize - 1);
  if (from > to) return null;
  return { first: p, step: s, length, tap0, tapStep, taps, dilation, from, to, padBefore: from - lo, padAfter: hi - to };
}

/** A phase: its rows and columns, and the stride-1 convolution over the clipped output gradient that gives it. */
export interface Phase {
  readonly rows: AxisPhase;
  readonly cols: AxisPhase;
  readonly geom: ConvGeometry;
}

/**
 * The phases of `g`'s input gradient that some output reads (the rest are 0), each a grouped convolution
 * from C_out to C_in channels. A depthwise layer's phases are depthwise again where its multiplier is 1;
 * with a multiplier m, each group sums m channels into 1 on the GEMM (measured, one thread, 3x3 and 5x5
 * layers with m = 2 or 4: 1.4-1.7x faster than depthwise convolutions over the C_out channels summed m at
 * a time, and 1.05-1.15x faster than the strided depthwise kernel's generic taps).
 */
export function inputGradPhases(g: ConvGeometry): Phase[] {
  const phases: Phase[] = [];
  for (let py = 0; py < g.strideH; py++) {
    const rows = axisPhase(g.h, g.outH, g.kH, g.strideH, g.padTop, g.dilationH, py);
    if (rows === null) continue;
    for (let px = 0; px < g.strideW; px++) {
      const cols = axisPhase(g.w, g.outW, g.kW, g.strideW, g.padLeft, g.dilationW, px);
      if (cols === null) continue;
      const geom: ConvGeometry = {
        n: g.n, cIn: g.cOut, h: rows.to - rows.from + 1, w: cols.to - cols.from + 1,
        cOut: g.cIn, kH: rows.taps, kW: cols.taps, strideH: 1, strideW: 1,
        padTop: rows.padBefore, padBottom: rows.padAfter, padLeft: cols.padBefore, padRight: cols.padAfter,
        dilationH: rows.dilation, dilationW: cols.dilation, groups: g.groups, outH: rows.length, outW: cols.length,
      };
      phases.push({ rows, cols, geom });
    }
  }
  return phases;
}

/**
 * The phase's kernel: `g`'s weight (C_out, C_in / groups, kH, kW) flipped in both axes, cut to the phase's
 * taps and transposed per group to (C_in, C_out / groups, taps, taps).
 */
export function phaseWeight(g: ConvGeometry, weight: Float32Array, { rows, cols }: Phase): Float32Array {
  const cInG = g.cIn / g.groups;
  const cOutG = g.cOut / g.groups;
  const out = new Float32Array(g.cOut * cInG * rows.taps * cols.taps);
  for (let oc = 0; oc < g.cOut; oc++) {
    const group = Math.floor(oc / cOutG);
    for (let icg = 0; icg < cInG; icg++) {
      // the phase convolution's output channel is input channel group * cInG + icg; its input channel
      // within the group, oc's place in the group
      const to = (group * cInG + icg) * cOutG + oc - group * cOutG;
      for (let ty = 0; ty < rows.taps; ty++) {
        const ky = rows.tap0 + (rows.taps - 1 - ty) * rows.tapStep;
        for (let tx = 0; tx < cols.taps; tx++) {
          const kx = cols.tap0 + (cols.taps - 1 - tx) * cols.tapStep;
          out[(to * rows.taps + ty) * cols.taps + tx] = weight[((oc * cInG + icg) * g.kH + ky) * g.kW + kx];
        }
      }
    }
  }
  return out;
}
