/**
 * A number as Python's `repr` of a float writes it (`0.1`, `1.0`, `1e-05`, `1e+16`), as torch's
 * `extra_repr` prints float arguments: the shortest digits that read back the same, in scientific
 * notation below 1e-4 and from 1e16 up, with at least two exponent digits.
 */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const [mantissa, exponent] = x.toExponential().split('e');
  const e = Number(exponent);
  if (x !== 0 && (e < -4 || e >= 16)) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return Number.isInteger(x) ? `${x.toFixed(0)}.0` : String(x);
}
