/** Pooling layers in the analysis: receptive fields (checked against the input gradient's support), key arguments. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spatialLayers } from '../../src/analysis/receptive-field.js';
import { formatSummary, summary } from '../../src/analysis/summary.js';
import { AdaptiveAvgPool2d, AvgPool2d, Conv2d, MaxPool2d, ones, Sequential, Tensor, zeros, type Module } from '../../src/index.js';

/** The rows and columns of the input that output (0, 0, 0, 0) of `model` depends on, from its gradient: [height, width]. */
function measuredField(model: Module, inputShape: number[]): [number, number] {
  const x = ones(inputShape).requiresGrad_();
  const y = model.forward(x);
  const r = zeros(y.shape);
  r.data[0] = 1;
  y.backward(r);
  const [h, w] = inputShape.slice(-2);
  const grad = (x.grad as Tensor).data;
  const rows = new Set<number>();
  const cols = new Set<number>();
  grad.forEach((g, i) => {
    if (g !== 0) {
      rows.add(Math.floor(i / w) % h);
      cols.add(i % w);
    }
  });
  return [rows.size, cols.size];
}

/** Convolutions whose every weight is positive, so that a gradient is non-zero across the whole field. */
function positive<T extends Module>(model: T): T {
  for (const p of model.parameters()) p.data.fill(0.1);
  return model;
}

test('average pools, and adaptive pools whose windows tile the input, have the field their gradient shows', () => {
  const layers = [new Conv2d(1, 1, 3), new AvgPool2d([2, 3], { stride: [2, 1] }), new Conv2d(1, 1, 3), new AdaptiveAvgPool2d(2), new AvgPool2d(1)];
  const model = positive(new Sequential(...layers));
  const input = [1, 1, 14, 14];
  const rows = summary(model, input).rows.filter((r) => r.depth === 1);
  layers.forEach((_, i) => {
    const prefix = positive(new Sequential(...layers.slice(0, i + 1)));
    assert.deepEqual(rows[i].receptiveField?.size, measuredField(prefix, input), `after layer ${i} (${rows[i].type})`);
  });
  assert.deepEqual(summary(new AdaptiveAvgPool2d(1), [2, 3, 7, 5]).rows[0].receptiveField, { size: [7, 5], jump: [7, 5], start: [0, 0] });
});

test('a max pool is the spatial layer of its kernel, stride, padding and dilation', () => {
  assert.deepEqual(spatialLayers(new MaxPool2d([3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2] })), [
    { kernel: [3, 2], stride: [2, 1], dilation: [1, 2], padding: [1, 0] },
  ]);
  assert.deepEqual(spatialLayers(new MaxPool2d(2)), spatialLayers(new AvgPool2d(2)));
});

test('an adaptive pool whose windows differ has no one field: null, "varies", and an error from spatialLayers', () => {
  const model = new Sequential(new Conv2d(1, 2, 3), new AdaptiveAvgPool2d(3), new Conv2d(2, 2, 1));
  const s = summary(model, [1, 1, 6, 6]); // 4x4 into 3x3: windows of 2 overlapping
  assert.deepEqual(s.rows.map((r) => r.receptiveField === null), [true, false, true, true]);
  assert.match(formatSummary(s).split('\n').find((l) => l.includes('AdaptiveAvgPool2d'))!, /varies\s+varies$/);
  assert.throws(() => spatialLayers(model, [1, 1, 6, 6]), /spatialLayers: AdaptiveAvgPool2d\(output_size=3\) on input \[1, 2, 4, 4\] has windows of different sizes/);
  assert.throws(() => spatialLayers(model), /AdaptiveAvgPool2d\(output_size=3\)'s windows depend on its input size: pass inputShape/);
  assert.equal(spatialLayers(model, [1, 1, 5, 5]).length, 3); // 3x3 into 3x3: kernel 1
});

test('summary lists pooling arguments', () => {
  const model = new Sequential(
    new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), new MaxPool2d(2, { dilation: [1, 2] }),
    new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }), new AvgPool2d(2, { divisorOverride: 3 }), new AdaptiveAvgPool2d([null, 2]),
  );
  assert.deepEqual(summary(model, [1, 1, 32, 32]).rows.slice(1).map((r) => r.args), [
    'k=3, s=2, p=1, ceil', 'k=2, s=2, d=1x2', 'k=3, p=1, pad not counted', 'k=2, s=2, divisor=3', 'out=Hx2',
  ]);
});
