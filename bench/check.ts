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

/** Several named arrays: a training step's output and gradients, keyed as PyTorch names them ('x.grad', '0.weight.grad', ...). */
export type NamedArrays = Readonly<Record<string, Float32Array>>;

/** What a contender's call returns: one array (inference), or named ones (a training step). */
export type Output = Float32Array | NamedArrays;

/**
 * Each named array against the reference's array of that name, each with its own tolerance: a weight
 * gradient sums over every output position and dwarfs the input gradient, so one tolerance for the lot
 * would hide a wrong input gradient. The result is the worst part (by error over tolerance), named in `note`.
 */
export function checkNamed(output: NamedArrays, reference: NamedArrays): Check {
  let worst: Check | undefined;
  let worstName = '';
  for (const [name, ref] of Object.entries(reference)) {
    const part = output[name];
    if (part === undefined) return { maxAbsErr: Infinity, tolerance: 0, ok: false, note: `no ${name} in the output` };
    const check = checkOutput(part, ref);
    if (worst === undefined || !(check.maxAbsErr / check.tolerance <= worst.maxAbsErr / worst.tolerance)) {
      worst = check;
      worstName = name;
    }
  }
  if (worst === undefined) return { maxAbsErr: Infinity, tolerance: 0, ok: false, note: 'the reference has no outputs' };
  return worst.ok ? worst : { ...worst, note: `${worstName}${worst.note === undefined ? '' : `: ${worst.note}`}` };
}

/** Either kind of output against the reference's output of the same kind. */
export function checkAny(output: Output, reference: Output): Check {
  if (output instanceof Float32Array && reference instanceof Float32Array) return checkOutput(output, reference);
  if (!(output instanceof Float32Array) && !(reference instanceof Float32Array)) return checkNamed(output, reference);
  return { maxAbsErr: Infinity, tolerance: 0, ok: false, note: 'one output is a single array, the other named arrays' };
}
