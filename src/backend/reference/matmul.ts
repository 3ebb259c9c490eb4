/** The matrix product a linear layer runs on, forward and backward. */
import type { MatmulGeometry } from '../backend.js';

/**
 * `out = op(a) @ op(b)`, each element summed in float64 over `k` in order. Where op(B)'s columns are rows
 * of `b` (transB), each element is a dot product of two rows; otherwise a row of `out` accumulates rows of
 * `b` scaled by op(A)'s elements, so that the inner loop always reads `b` contiguously.
 */
export function matmul(g: MatmulGeometry, a: Float32Array, b: Float32Array, out: Float32Array): void {
  const { m, n, k } = g;
  // op(A)[i][p] = a[i * aRow + p * aCol]
  const aRow = g.transA ? 1 : k;
  const aCol = g.transA ? m : 1;
  if (g.transB) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0, ai = i * aRow, bi = j * k; p < k; p++, ai += aCol, bi++) sum += a[ai] * b[bi];
        out[i * n + j] = sum;
      }
    }
    return;
  }
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const aip = a[i * aRow + p * aCol];
      for (let j = 0, bi = p * n; j < n; j++, bi++) row[j] += aip * b[bi];
    }
    out.set(row, i * n);
  }
}
