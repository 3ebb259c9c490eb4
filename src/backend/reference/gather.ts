/** One element picked from each line along an axis (a loss's target class), and its gradient. */
import type { AxisGeometry } from '../backend.js';

export function gather(g: AxisGeometry, input: Float32Array, index: Int32Array, output: Float32Array): void {
  for (let o = 0; o < g.outer; o++) {
    for (let i = 0; i < g.inner; i++) {
      const at = o * g.inner + i;
      const k = index[at];
      output[at] = k === -1 ? 0 : input[(o * g.size + k) * g.inner + i];
    }
  }
}

export function gatherGrad(g: AxisGeometry, index: Int32Array, gradOutput: Float32Array, gradInput: Float32Array): void {
  gradInput.fill(0);
  for (let o = 0; o < g.outer; o++) {
    for (let i = 0; i < g.inner; i++) {
      const at = o * g.inner + i;
      const k = index[at];
      if (k !== -1) gradInput[(o * g.size + k) * g.inner + i] = gradOutput[at];
    }
  }
}
