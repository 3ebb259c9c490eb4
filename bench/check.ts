/** Output checking: every contender's output against convkit's, so that a fast wrong answer is never reported as a win. */

export interface Check {
  readonly maxAbsErr: number;
  /** 1e-4 * max(1, max|ref|): float32 accumulation-order differences stay far below it, a wrong index does not. */
  readonly tolerance: number;
  readonly ok: boolean;
  /** Why it failed when the error is not the point (length mismatch, NaN). */
  readonly note?: string;
}

export const RELATIVE_TOLERANCE = 1e-4;

export function checkOutput(output: Float32Array, reference: Float32Array): Check {
  let refMax = 0;
  for (let i = 0; i < reference.length; i++) refMax = Math.max(refMax, Math.abs(reference[i]));
  const tolerance = RELATIVE_TOLERANCE * Math.max(1, refMax);
  if (output.length !== reference.length) {
    return { maxAbsErr: Infinity, tolerance, ok: false, note: `${output.length} elements, expected ${reference.length}` };
  }
  let maxAbsErr = 0;
  for (let i = 0; i < output.length; i++) {
    const err = Math.abs(output[i] - reference[i]);
    // `!(err <= max)` so that a NaN in either array counts as a failure instead of being skipped.
    if (!(err <= maxAbsErr)) maxAbsErr = Number.isNaN(err) ? Infinity : err;
  }
  return { maxAbsErr, tolerance, ok: maxAbsErr <= tolerance, note: maxAbsErr === Infinity ? 'NaN or Infinity in output' : undefined };
}
