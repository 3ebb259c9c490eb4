/**
 * The weight side of Winograd F(2x2, 3x3), F(4x4, 3x3) and F(6x6, 3x3), and of F(7x7, 2x2) for 3x3
 * stride-2 convolutions: U = G g G^T per (output, input channel), computed in float64 and packed as the
 * transform-domain GEMMs' A operand, cached per weight array. A cached transform is reused only while
 * the weights still equal the snapshot taken with it, so a weight changed in place (through
 * `loadStateDict`, or by writing to `tensor.data`) is never used stale.
 *
 * A 3x3 stride-2 convolution is the sum of four stride-1 ones, one per phase (a, b) of the padded input
 * (its rows a, a + 2, ... and columns b, b + 2, ...), each with the 2x2 kernel w[2u + a][2v + b] (taps
 * past the 3x3 are zero). F(7x7, 2x2) runs them as one convolution over 4 C_in channels. Its 8x8 input
 * tiles use F(6x6, 3x3)'s points (0, +-1, +-2, +-1/2, infinity), so its input transform B^T is F(6x6)'s.
 */
import type { ConvGeometry } from '../backend.js';

/** Output tile size: F(m x m, 3x3) for 2, 4 and 6; F(7x7, 2x2) over a stride-2 convolution's phases for 7. */
export type TileSize = 2 | 4 | 6 | 7;

/** Input tile size: m + r - 1. */
export function span(m: TileSize): number {
  return m === 7 ? 8 : m + 2;
}

/** Input phases per channel: 4 for a stride-2 convolution run as four stride-1 ones, else 1. */
export function phases(m: TileSize): number {
  return m === 7 ? 4 : 1;
}

/** G for each tile size (Lavin and Gray, 2016): span x r. */
const G: Record<TileSize, number[][]> = {
  2: [
    [1, 0, 0],
    [1 / 2, 1 / 2, 1 / 2],
    [1 / 2, -1 / 2, 1 / 2],
    [0, 0, 1],
  ],
  4: [
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
  ],
  6: [
    [1, 0, 0],
    [-2 / 9, -2 / 9, -2 / 9],
    [-2 / 9, 2 / 9, -2 / 9],
    [1 / 90, 1 / 45, 2 / 45],
    [1 / 90, -1 / 45, 2 / 45],
    [32 / 45, 16 / 45, 8 / 45],
    [32 / 45, -16 / 45, 8 / 45],
    [0, 0, 1],
  ],
  // F(6x6, 3x3)'s rows, each point p's scale times (1, p) instead of (1, p, p^2)
  7: [
    [1, 0],
    [-2 / 9, -2 / 9],
    [-2 / 9, 2 / 9],
    [1 / 90, 2 / 90],
    [1 / 90, -2 / 90],
    [32 / 45, 16 / 45],
    [32 / 45, -16 / 45],
    [0, 1],
  ],
};

/** Positions of the span x span transform domain. */
export function positions(m: TileSize): number {
  return span(m) * span(m);
}

/**
 * U packed as [position][group][panel of 4 output channels][input channel, phase][4], output channels
 * past the group's last zero: span^2 GEMM A operands in the layout the micro-kernel reads.
 */
export function transformWeights(g: ConvGeometry, weight: Float32Array, tile: TileSize): Float32Array {
  const cInG = g.cIn / g.groups;
  const m = g.cOut / g.groups;
  const mPanels = Math.ceil(m / 4);
  const n = span(tile);
  const Gm = G[tile];
  const r = Gm[0].length;
  const ph = phases(tile);
  const K = cInG * ph;
  const packed = new Float32Array(positions(tile) * g.groups * mPanels * K * 4);
  const kernel = new Float64Array(r * r); // the phase's r x r kernel
  const gg = new Float64Array(n * r); // G kernel
  for (let co = 0; co < g.cOut; co++) {
    const group = Math.floor(co / m);
    const row = co % m;
    for (let ci = 0; ci < cInG; ci++) {
      const w = (co * cInG + ci) * 9;
      for (let phase = 0; phase < ph; phase++) {
        // phase (a, b)'s tap (u, v) is 3x3 tap (2u + a, 2v + b); with one phase, (u, v) itself
        const a = ph === 1 ? 0 : phase >> 1, b = ph === 1 ? 0 : phase & 1, s = ph === 1 ? 1 : 2;
        for (let u = 0; u < r; u++) {
          for (let v = 0; v < r; v++) {
            const y = s * u + a, x = s * v + b;
            kernel[u * r + v] = y < 3 && x < 3 ? weight[w + y * 3 + x] : 0;
          }
        }
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < r; j++) {
            let sum = 0;
            for (let t = 0; t < r; t++) sum += Gm[i][t] * kernel[t * r + j];
            gg[i * r + j] = sum;
          }
        }
        const k = ci * ph + phase;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            let u = 0;
            for (let t = 0; t < r; t++) u += gg[i * r + t] * Gm[j][t];
            const panel = ((i * n + j) * g.groups + group) * mPanels + Math.floor(row / 4);
            packed[(panel * K + k) * 4 + (row % 4)] = u;
          }
        }
      }
    }
  }
  return packed;
}

interface Cached {
  snapshot: Float32Array;
  groups: number;
  tile: TileSize;
  packed: Float32Array;
}

const cache = new WeakMap<Float32Array, Cached>();

/** Bit-for-bit equality (a -0 that was +0 counts as a change; an unchanged NaN does not), four words per step. */
export function same(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Int32Array(a.buffer, a.byteOffset, a.length);
  const y = new Int32Array(b.buffer, b.byteOffset, b.length);
  const n = x.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    if (((x[i] ^ y[i]) | (x[i + 1] ^ y[i + 1]) | (x[i + 2] ^ y[i + 2]) | (x[i + 3] ^ y[i + 3])) !== 0) return false;
  }
  for (; i < n; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** `transformWeights`, reused while `weight` is unchanged since it was computed. */
export function transformedWeights(g: ConvGeometry, weight: Float32Array, tile: TileSize): Float32Array {
  const hit = cache.get(weight);
  if (hit !== undefined && hit.groups === g.groups && hit.tile === tile && same(hit.snapshot, weight)) return hit.packed;
  const packed = transformWeights(g, weight, tile);
  cache.set(weight, { snapshot: weight.slice(), groups: g.groups, tile, packed });
  return packed;
}
