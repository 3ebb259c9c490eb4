/**
 * The weight side of Winograd F(2x2, 3x3), F(4x4, 3x3) and F(6x6, 3x3): U = G g G^T per (output, input channel),
 * computed in float64 and packed as the transform-domain GEMMs' A operand, cached per weight array. A
 * cached transform is reused only while the weights still equal the snapshot taken with it, so a weight
 * changed in place (through `loadStateDict`, or by writing to `tensor.data`) is never used stale.
 */
import type { ConvGeometry } from '../backend.js';

/** Output tile size: F(m x m, 3x3). */
export type TileSize = 2 | 4 | 6;

/** G for each tile size (Lavin and Gray, 2016): (m + 2) x 3. */
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
};

/** Positions of the (m + 2) x (m + 2) transform domain. */
export function positions(m: TileSize): number {
  return (m + 2) * (m + 2);
}

/**
 * U packed as [position][group][panel of 4 output channels][input channel][4], output channels past the
 * group's last zero: (m + 2)^2 GEMM A operands in the layout the micro-kernel reads.
 */
export function transformWeights(g: ConvGeometry, weight: Float32Array, tile: TileSize): Float32Array {
  const cInG = g.cIn / g.groups;
  const m = g.cOut / g.groups;
  const mPanels = Math.ceil(m / 4);
  const span = tile + 2;
  const Gm = G[tile];
  const packed = new Float32Array(positions(tile) * g.groups * mPanels * cInG * 4);
  const gg = new Float64Array(span * 3); // G g, (m + 2) x 3
  for (let co = 0; co < g.cOut; co++) {
    const group = Math.floor(co / m);
    const row = co % m;
    for (let ci = 0; ci < cInG; ci++) {
      const k = (co * cInG + ci) * 9;
      for (let i = 0; i < span; i++) {
        for (let j = 0; j < 3; j++) gg[i * 3 + j] = Gm[i][0] * weight[k + j] + Gm[i][1] * weight[k + 3 + j] + Gm[i][2] * weight[k + 6 + j];
      }
      for (let i = 0; i < span; i++) {
        for (let j = 0; j < span; j++) {
          const u = gg[i * 3] * Gm[j][0] + gg[i * 3 + 1] * Gm[j][1] + gg[i * 3 + 2] * Gm[j][2];
          const panel = ((i * span + j) * g.groups + group) * mPanels + Math.floor(row / 4);
          packed[(panel * cInG + ci) * 4 + (row % 4)] = u;
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
function same(a: Float32Array, b: Float32Array): boolean {
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
