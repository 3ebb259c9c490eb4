/**
 * The reference backend's backward kernels against central finite differences of a float64 forward
 * written here from the definitions, on 100+ tiny random geometries each: no PyTorch needed.
 *
 * The loss is L = sum(y * R) for a fixed random R. conv2d is linear in each of input, weight and bias
 * separately, and pad is linear in its input, so (L(p + h) - L(p - h)) / 2h is the derivative exactly
 * in real arithmetic for any h; h = 1 keeps p +- h exact in float64 (p is a float32 value). What is
 * left is float64 rounding, bounded below by FLOAT64_SLACK, and the kernels' one rounding of their
 * float64 sum to float32: at most half an ulp, 2^-24 of the value. So a kernel's gradient must be
 * within 2^-24 * |fd| + FLOAT64_SLACK of the finite difference: any wrong tap, missed or doubled term
 * is far outside that.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConvGeometry, PadGeometry, PadMode } from '../../src/backend/backend.js';
import { conv2dBiasGrad, conv2dInputGrad, conv2dWeightGrad } from '../../src/backend/reference/conv2d-grad.js';
import { padGrad } from '../../src/backend/reference/pad.js';
import { Generator } from '../../src/random.js';

const CASES = 120;
const FLOAT32_ROUNDING = 2 ** -24;
/**
 * Float64 rounding, relative to the sum of |y * R| over the whole loss: each L(p +- h) adds a few
 * thousand products, each rounded at 2^-53 ~ 1.1e-16 of that sum at most, so their error stays
 * below ~1e-12 of it; the kernels' own float64 sums are shorter still.
 */
const FLOAT64_SLACK = 1e-12;

const rng = new Generator(20261206);
const int = (lo: number, hi: number) => lo + Math.floor(rng.uniform() * (hi - lo + 1));
const randomArray = (length: number) => Float32Array.from({ length }, () => rng.normal());

// ---------------------------------------------------------------------------
// Float64 forwards, straight from the definitions (scattering each input's contributions, where the
// kernels gather): they return L = sum(y * R) and sum(|y * R|) for the tolerance.
// ---------------------------------------------------------------------------

interface Loss {
  value: number;
  magnitude: number;
}

function convLoss(g: ConvGeometry, x: Float64Array, w: Float64Array, b: Float64Array, r: Float32Array): Loss {
  const cInG = g.cIn / g.groups;
  const cOutG = g.cOut / g.groups;
  const y = new Float64Array(g.n * g.cOut * g.outH * g.outW);
  const at = (n: number, oc: number, oy: number, ox: number) => ((n * g.cOut + oc) * g.outH + oy) * g.outW + ox;
  for (let n = 0; n < g.n; n++) {
    for (let oc = 0; oc < g.cOut; oc++) {
      const group = Math.floor(oc / cOutG);
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++) {
          let sum = b[oc];
          for (let icg = 0; icg < cInG; icg++) {
            for (let ky = 0; ky < g.kH; ky++) {
              for (let kx = 0; kx < g.kW; kx++) {
                // the padded input's pixel (oy * s + ky * d, ox * s + kx * d); padding is zero
                const iy = oy * g.strideH + ky * g.dilationH - g.padTop;
                const ix = ox * g.strideW + kx * g.dilationW - g.padLeft;
                if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                const ic = group * cInG + icg;
                sum += w[((oc * cInG + icg) * g.kH + ky) * g.kW + kx] * x[((n * g.cIn + ic) * g.h + iy) * g.w + ix];
              }
            }
          }
          y[at(n, oc, oy, ox)] = sum;
        }
      }
    }
  }
  return weighted(y, r);
}

function weighted(y: Float64Array, r: Float32Array): Loss {
  let value = 0;
  let magnitude = 0;
  for (let i = 0; i < y.length; i++) {
    value += y[i] * r[i];
    magnitude += Math.abs(y[i] * r[i]);
  }
  return { value, magnitude };
}

/** Where index i of a padded dimension of `size` comes from: torch's definition of each mode. */
function padSource(i: number, size: number, mode: PadMode): number | null {
  if (i >= 0 && i < size) return i;
  if (mode === 'constant') return null;
  if (mode === 'replicate') return Math.min(Math.max(i, 0), size - 1);
  if (mode === 'circular') return i < 0 ? i + size : i - size; // pads <= size: one wrap at most
  let j = i; // reflect: mirror about the first / last element (pads < size: one mirror at most)
  if (j < 0) j = -j;
  if (j >= size) j = 2 * (size - 1) - j;
  return j;
}

function padLoss(g: PadGeometry, x: Float64Array, r: Float32Array): Loss {
  const y = new Float64Array(g.planes * g.outH * g.outW);
  for (let p = 0; p < g.planes; p++) {
    for (let oy = 0; oy < g.outH; oy++) {
      const sy = padSource(oy - g.padTop, g.h, g.mode);
      for (let ox = 0; ox < g.outW; ox++) {
        const sx = padSource(ox - g.padLeft, g.w, g.mode);
        y[(p * g.outH + oy) * g.outW + ox] = sy === null || sx === null ? g.value : x[(p * g.h + sy) * g.w + sx];
      }
    }
  }
  return weighted(y, r);
}

// ---------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------

/** dL/dp[i] for every i by central differences, p perturbed in a float64 copy. */
function finiteDifferences(p: Float32Array, loss: (p: Float64Array) => Loss): { grad: Float64Array; magnitude: number } {
  const copy = Float64Array.from(p);
  const grad = new Float64Array(p.length);
  let magnitude = loss(copy).magnitude;
  for (let i = 0; i < p.length; i++) {
    copy[i] = p[i] + 1;
    const up = loss(copy);
    copy[i] = p[i] - 1;
    const down = loss(copy);
    copy[i] = p[i];
    grad[i] = (up.value - down.value) / 2;
    magnitude = Math.max(magnitude, up.magnitude, down.magnitude);
  }
  return { grad, magnitude };
}

/** The first element outside the tolerance, described, or null. */
function mismatch(name: string, got: Float32Array, fd: { grad: Float64Array; magnitude: number }): string | null {
  if (got.length !== fd.grad.length) return `${name}: ${got.length} values, expected ${fd.grad.length}`;
  for (let i = 0; i < got.length; i++) {
    const want = fd.grad[i];
    const tolerance = FLOAT32_ROUNDING * Math.abs(want) + FLOAT64_SLACK * fd.magnitude;
    if (!(Math.abs(got[i] - want) <= tolerance)) { // NaN (an element never written) fails too
      return `${name}[${i}]: kernel ${got[i]}, finite difference ${want} (tolerance ${tolerance.toExponential(2)})`;
    }
  }
  return null;
}

/** A kernel's output, every element first set to NaN so that one it never writes shows. */
function run(length: number, kernel: (out: Float32Array) => void): Float32Array {
  const out = new Float32Array(length).fill(NaN);
  kernel(out);
  return out;
}

// ---------------------------------------------------------------------------
// Geometries
// ---------------------------------------------------------------------------

function randomConvGeometry(): ConvGeometry {
  const groups = int(1, 3);
  const depthwise = rng.uniform() < 0.25;
  const cIn = groups * (depthwise ? 1 : int(1, 2));
  const cOut = groups * int(1, 2);
  const kH = int(1, 3);
  const kW = int(1, 3);
  const dilationH = int(1, 2);
  const dilationW = int(1, 2);
  const [padTop, padBottom, padLeft, padRight] = [int(0, 2), int(0, 2), int(0, 2), int(0, 2)];
  const strideH = int(1, 3);
  const strideW = int(1, 3);
  // at least one output row and column, a few more at random (or an empty batch now and then)
  const h = Math.max(1, dilationH * (kH - 1) + 1 - padTop - padBottom) + int(0, 4);
  const w = Math.max(1, dilationW * (kW - 1) + 1 - padLeft - padRight) + int(0, 4);
  const outH = Math.floor((h + padTop + padBottom - dilationH * (kH - 1) - 1) / strideH) + 1;
  const outW = Math.floor((w + padLeft + padRight - dilationW * (kW - 1) - 1) / strideW) + 1;
  const n = rng.uniform() < 0.05 ? 0 : int(1, 2);
  return { n, cIn, h, w, cOut, kH, kW, strideH, strideW, padTop, padBottom, padLeft, padRight, dilationH, dilationW, groups, outH, outW };
}

function randomPadGeometry(mode: PadMode): PadGeometry {
  const h = int(1, 5);
  const w = int(1, 5);
  // torch's limits: reflect pads < size, circular <= size; constant may crop (negative, not past the edge)
  const side = (size: number) => {
    if (mode === 'reflect') return int(0, size - 1);
    if (mode === 'circular') return int(0, size);
    if (mode === 'replicate') return int(0, 4);
    return int(-Math.floor(size / 2), 3);
  };
  const [top, bottom, left, right] = [side(h), side(h), side(w), side(w)];
  const value = mode === 'constant' ? rng.normal() : 0;
  return { planes: int(1, 3), h, w, padTop: top, padLeft: left, outH: h + top + bottom, outW: w + left + right, mode, value };
}

function describe(g: object): string {
  return JSON.stringify(g);
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

interface ConvProblem {
  g: ConvGeometry;
  x: Float32Array;
  w: Float32Array;
  b: Float32Array;
  r: Float32Array;
}

function convProblem(g: ConvGeometry): ConvProblem {
  return {
    g,
    x: randomArray(g.n * g.cIn * g.h * g.w),
    w: randomArray(g.cOut * (g.cIn / g.groups) * g.kH * g.kW),
    b: randomArray(g.cOut),
    r: randomArray(g.n * g.cOut * g.outH * g.outW),
  };
}

/** Every conv2d gradient of the reference kernels, given `kernelGeometry`, against finite differences on `p.g`. */
function convMismatches({ g, x, w, b, r }: ConvProblem, kernelGeometry: ConvGeometry = g): string[] {
  const f64 = (a: Float32Array) => Float64Array.from(a);
  const checks = [
    mismatch('input', run(x.length, (out) => conv2dInputGrad(kernelGeometry, r, w, out)),
      finiteDifferences(x, (p) => convLoss(g, p, f64(w), f64(b), r))),
    mismatch('weight', run(w.length, (out) => conv2dWeightGrad(kernelGeometry, x, r, out)),
      finiteDifferences(w, (p) => convLoss(g, f64(x), p, f64(b), r))),
    mismatch('bias', run(b.length, (out) => conv2dBiasGrad(kernelGeometry, r, out)),
      finiteDifferences(b, (p) => convLoss(g, f64(x), f64(w), p, r))),
  ];
  return checks.filter((m): m is string => m !== null);
}

test(`conv2d input, weight and bias gradients match finite differences on ${CASES} random geometries`, () => {
  const seen = { strided: 0, dilated: 0, grouped: 0, depthwise: 0, asymmetric: 0, emptyBatch: 0 };
  for (let i = 0; i < CASES; i++) {
    const g = randomConvGeometry();
    const problems = convMismatches(convProblem(g));
    assert.deepEqual(problems, [], `geometry ${describe(g)}`);
    seen.strided += Number(g.strideH > 1 || g.strideW > 1);
    seen.dilated += Number(g.dilationH > 1 || g.dilationW > 1);
    seen.grouped += Number(g.groups > 1);
    seen.depthwise += Number(g.groups > 1 && g.cIn === g.groups);
    seen.asymmetric += Number(g.padTop !== g.padBottom || g.padLeft !== g.padRight);
    seen.emptyBatch += Number(g.n === 0);
  }
  // the draw must cover every feature it exists to cover
  for (const [feature, count] of Object.entries(seen)) assert.ok(count > 0, `no ${feature} geometry among ${CASES}`);
});

for (const mode of ['constant', 'reflect', 'replicate', 'circular'] as const) {
  test(`pad gradient (${mode}) matches finite differences on ${CASES} random geometries`, () => {
    for (let i = 0; i < CASES; i++) {
      const g = randomPadGeometry(mode);
      const x = randomArray(g.planes * g.h * g.w);
      const r = randomArray(g.planes * g.outH * g.outW);
      const got = run(x.length, (out) => padGrad(g, r, out));
      const problem = mismatch('input', got, finiteDifferences(x, (p) => padLoss(g, p, r)));
      assert.equal(problem, null, `geometry ${describe(g)}`);
    }
  });
}

test('the check fails a gradient computed for a slightly different geometry', () => {
  // If the comparison could not fail, the tests above would prove nothing: each off-by-one must show.
  const g: ConvGeometry = {
    n: 2, cIn: 4, h: 6, w: 5, cOut: 4, kH: 3, kW: 2, strideH: 2, strideW: 1, padTop: 1, padBottom: 1, padLeft: 1,
    padRight: 0, dilationH: 1, dilationW: 2, groups: 2, outH: 3, outW: 4,
  };
  const problem = convProblem(g);
  assert.deepEqual(convMismatches(problem), []);
  for (const change of [{ padTop: 2 }, { dilationW: 1 }, { strideH: 1 }, { groups: 1, cIn: 2 }]) {
    const wrong = convMismatches(problem, { ...g, ...change });
    assert.ok(wrong.length > 0, `a kernel given ${JSON.stringify(change)} passed`);
  }
  const padGeometry: PadGeometry = { planes: 1, h: 3, w: 4, padTop: 1, padLeft: 2, outH: 5, outW: 7, mode: 'reflect', value: 0 };
  const x = randomArray(12);
  const r = randomArray(35);
  const fd = finiteDifferences(x, (p) => padLoss(padGeometry, p, r));
  assert.equal(mismatch('input', run(12, (out) => padGrad(padGeometry, r, out)), fd), null);
  assert.notEqual(mismatch('input', run(12, (out) => padGrad({ ...padGeometry, mode: 'replicate' }, r, out)), fd), null);
});
