/** The largest difference between `actual` and `expected`, relative to the largest |expected| (at least 1): test/browser/report.js's, for Node's tests. */
export function worst(actual: Float32Array, expected: Float32Array): number {
  let err = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    err = Math.max(err, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return err / scale;
}
