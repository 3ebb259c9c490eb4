/** Dropping a kernel's outer taps that read only padding leaves every output as it was. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConvGeometry } from '../../src/backend/backend.js';
import { conv2d } from '../../src/backend/reference/conv2d.js';
import { Generator } from '../../src/index.js';
import { trimTaps } from '../../src/infer/trim.js';

function outSize(size: number, k: number, s: number, p0: number, p1: number, d: number): number {
  return Math.floor((size + p0 + p1 - d * (k - 1) - 1) / s) + 1;
}

test('trimmed kernels give the same outputs bit for bit, on random geometries', () => {
  const g = new Generator(11);
  const int = (lo: number, hi: number) => lo + Math.floor(g.uniform() * (hi - lo + 1));
  let trimmed = 0;
  let cases = 0;
  while (cases < 400) {
    const [kH, kW, dH, dW, sH, sW] = [int(1, 5), int(1, 5), int(1, 6), int(1, 6), int(1, 3), int(1, 3)];
    const [h, w] = [int(1, 12), int(1, 12)];
    const [pt, pb, pl, pr] = [int(0, (kH - 1) * dH), int(0, (kH - 1) * dH), int(0, (kW - 1) * dW), int(0, (kW - 1) * dW)];
    const outH = outSize(h, kH, sH, pt, pb, dH);
    const outW = outSize(w, kW, sW, pl, pr, dW);
    if (outH < 1 || outW < 1) continue;
    const [cIn, cOut] = [int(1, 3), int(1, 3)];
    const geom: ConvGeometry = {
      n: 1, cIn, h, w, cOut, kH, kW, strideH: sH, strideW: sW, padTop: pt, padBottom: pb, padLeft: pl, padRight: pr,
      dilationH: dH, dilationW: dW, groups: 1, outH, outW,
    };
    const weight = Float32Array.from({ length: cOut * cIn * kH * kW }, () => g.normal());
    const input = Float32Array.from({ length: cIn * h * w }, () => g.normal());
    const bias = Float32Array.from({ length: cOut }, () => g.normal());
    const expected = new Float32Array(cOut * outH * outW);
    conv2d(geom, input, weight, bias, expected, 'none');
    const t = trimTaps(geom, weight);
    const actual = new Float32Array(expected.length);
    conv2d(t.geom, input, t.weight, bias, actual, 'none');
    assert.deepEqual(actual, expected, JSON.stringify(geom));
    assert.equal(outSize(h, t.geom.kH, sH, t.geom.padTop, t.geom.padBottom, t.geom.dilationH), outH);
    if (t.geom.kH * t.geom.kW < kH * kW) trimmed++;
    cases++;
  }
  assert.ok(trimmed > 40, `${trimmed} of ${cases} trimmed`);
});

test('DeepLab\'s rate-36 3x3 on a 33x33 map is a 1x1 convolution; its rate-12 one keeps every tap', () => {
  const geom = (d: number): ConvGeometry => ({
    n: 1, cIn: 2, h: 33, w: 33, cOut: 2, kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: d, padBottom: d, padLeft: d, padRight: d,
    dilationH: d, dilationW: d, groups: 1, outH: 33, outW: 33,
  });
  const weight = Float32Array.from({ length: 36 }, (_, i) => i);
  const t = trimTaps(geom(36), weight);
  assert.deepEqual([t.geom.kH, t.geom.kW, t.geom.padTop, t.geom.padRight, t.geom.dilationH], [1, 1, 0, 0, 1]);
  assert.deepEqual([...t.weight], [4, 13, 22, 31]); // each filter's centre tap
  assert.equal(trimTaps(geom(12), weight).weight, weight);
});
