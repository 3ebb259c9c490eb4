/**
 * The wasm backend's matrix product, on the convolution's GEMM: `C = op(A) @ op(B)` is a 1x1 convolution
 * of one image of 1 x n positions with k input channels (op(B), k x n) by m filters (op(A), m x k),
 * whose output (m x n) is C row-major. A transposed operand is transposed into that layout first, which
 * costs one pass over it against the product's k passes.
 */
import type { ConvGeometry, MatmulGeometry } from '../backend.js';
import type { WasmInstance } from './instance.js';
import type { ThreadPool } from './pool.js';
import { runConv2d } from './conv2d.js';

/** `rows x cols` row-major into `cols x rows`. */
function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0, i = r * cols; c < cols; c++, i++) t[c * rows + r] = x[i];
  return t;
}

export function runMatmul(instance: WasmInstance, pool: ThreadPool, g: MatmulGeometry, a: Float32Array, b: Float32Array, out: Float32Array): void {
  const { m, n, k } = g;
  if (m === 0 || n === 0) return;
  if (k === 0) {
    out.fill(0);
    return;
  }
  const filters = g.transA ? transpose(a, k, m) : a;
  const image = g.transB ? transpose(b, n, k) : b;
  const geom: ConvGeometry = {
    n: 1, cIn: k, h: 1, w: n, cOut: m, kH: 1, kW: 1, strideH: 1, strideW: 1,
    padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, dilationH: 1, dilationW: 1, groups: 1, outH: 1, outW: n,
  };
  runConv2d(instance, pool, geom, image, filters, null, out, 'none');
}
