/** The dense path: a 1x1 convolution of 1x1 images (a Linear layer), along K on the dense kernel. */
import type { ConvGeometry } from '../backend.js';
import type { Plan } from './plan.js';

/** Output channels per task (kernels/dense.ts ROWS). */
const ROWS = 16;

export function planDense(g: ConvGeometry): Plan {
  // a worker's scratch holds four sums
  return { kernel: 'denseTask', tasks: Math.ceil(g.cOut / ROWS), workspaceBytes: 64, packed: false, paddedPlane: null, split: 1, offsets: null, fields: {} };
}
