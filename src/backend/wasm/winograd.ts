/**
 * The weight side of Winograd F(4x4, 3x3): U = G g G^T per (output, input channel), computed in float64
 * and packed as the transform-domain GEMMs' A operand, cached per weight array. A cached transform is
 * reused only while the weights still equal the snapshot taken with it, so a weight changed in place
 * (through `loadStateDict`, or by writing to `tensor.data`) is never used stale.
 */
import type { ConvGeometry } from '../backend.js';

const G = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
];

/** Tile positions of the 6x6 transform domain. */
export const POSITIONS = 36;

/**
 * U packed as [position][group][panel of 4 output channels][input channel][4], output channels past the
 * group's last zero: 36 GEMM A operands in the layout the micro-kernel reads.
 */
export function transformWeights(g: ConvGeometry, weight: Float32Array): Float32Array {
  const cInG = g.cIn / g.groups;
  const m = g.cOut / g.groups;
  const mPanels = Math.ceil(m / 4);
  const packed = new Float32Array(POSITIONS * g.groups * mPanels * cInG * 4);
  const gg = new Float64Array(18); // G g, 6x3
  for (let co = 0; co < g.cOut; co++) {
    const group = Math.floor(co / m);
    const row = co % m;
    for (let ci = 0; ci < cInG; ci++) {
      const k = (co * cInG + ci) * 9;
      for (let i = 0; i < 6; i++) {
        for (let j = 0; j < 3; j++) gg[i * 3 + j] = G[i][0] * weight[k + j] + G[i][1] * weight[k + 3 + j] + G[i][2] * weight[k + 6 + j];
      }
      for (let i = 0; i < 6; i++) {
        for (let j = 0; j < 6; j++) {
          const u = gg[i * 3] * G[j][0] + gg[i * 3 + 1] * G[j][1] + gg[i * 3 + 2] * G[j][2];
          const panel = ((i * 6 + j) * g.groups + group) * mPanels + Math.floor(row / 4);
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
  packed: Float32Array;
}

const cache = new WeakMap<Float32Array, Cached>();

function same(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/** `transformWeights`, reused while `weight` is unchanged since it was computed. */
export function transformedWeights(g: ConvGeometry, weight: Float32Array): Float32Array {
  const hit = cache.get(weight);
  if (hit !== undefined && hit.groups === g.groups && same(hit.snapshot, weight)) return hit.packed;
  const packed = transformWeights(g, weight);
  cache.set(weight, { snapshot: weight.slice(), groups: g.groups, packed });
  return packed;
}
