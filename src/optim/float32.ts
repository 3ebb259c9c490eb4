/**
 * float32 arithmetic as PyTorch's CPU kernels do it, for the optimisers' update rules.
 *
 * torch 1.13's `add(other, alpha)` and `addcmul(t1, t2, value)` kernels are compiled for AVX2 with FMA
 * (GCC contracts `self + alpha * other` into one fused multiply-add, on the vector body and the scalar
 * tail alike): measured on torch 1.13 here, every element of `a.add_(b, alpha=s)` equals
 * `fma(s, b, a)` and every element of `a.addcmul_(b, c, value=s)` equals `fma(s * b, c, a)`, rounded
 * once, while plain `a + s * b` differs in about a fifth of them.
 */

/**
 * `a * b + c` rounded once to float32, as an FMA instruction gives it, for float32 `a`, `b`, `c`.
 * The product is exact in float64 (two 24-bit significands); the sum is rounded to float64 and then
 * to float32, which differs from one rounding only where the float64 sum lands exactly halfway
 * between two float32 values: there the sum's own rounding error says which way the exact value lies.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = Math.fround(s);
  if (s === r) return r;
  // The float32 neighbour on s's side of r, where s is a tie (NaN where r overflowed)
  const other = r + 2 * (s - r);
  if (Math.fround(other) !== other) return r;
  const t = s - p;
  const error = (p - (s - t)) + (c - t);
  if (error === 0) return r;
  return (error > 0) === (other > r) ? other : r;
}
