import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parameterCount } from '../../src/analysis/cost.js';
import { formatSummary, summary } from '../../src/analysis/summary.js';
import { Conv2d, DepthwiseSeparableConv2d, ReLU, Sequential } from '../../src/index.js';

const model = new Sequential(
  new Conv2d(3, 16, 3, { stride: 2, padding: 1 }),
  new ReLU(),
  new DepthwiseSeparableConv2d(16, 32),
  new Sequential(new Conv2d(32, 32, 3, { padding: 2, dilation: 2, groups: 4 }), new ReLU()),
);

test('one row per module, parents before children, with paths as state-dict prefixes', () => {
  const s = summary(model, [1, 3, 32, 32]);
  assert.deepEqual(s.rows.map((r) => [r.path, r.type, r.depth]), [
    ['', 'Sequential', 0], ['0', 'Conv2d', 1], ['1', 'ReLU', 1], ['2', 'DepthwiseSeparableConv2d', 1],
    ['2.depthwise', 'Conv2d', 2], ['2.pointwise', 'Conv2d', 2], ['3', 'Sequential', 1], ['3.0', 'Conv2d', 2], ['3.1', 'ReLU', 2],
  ]);
  assert.deepEqual(s.outputShape, [1, 32, 16, 16]);
  const byPath = Object.fromEntries(s.rows.map((r) => [r.path, r]));
  assert.deepEqual(byPath['2.depthwise'].outputShape, [1, 16, 16, 16]);
  assert.equal(byPath['2'].parameters, byPath['2.depthwise'].parameters + byPath['2.pointwise'].parameters);
  assert.equal(byPath['2'].macs, byPath['2.depthwise'].macs + byPath['2.pointwise'].macs);
  assert.equal(byPath['2.pointwise'].args, '16, 32, k=1');
  assert.equal(byPath['3.0'].args, '32, 32, k=3, p=2, d=2, g=4');
  // receptive fields accumulate through the stack: 3 (jump 2), +2*2 -> 7, 1x1 keeps 7, dilated 3x3: +4*2 -> 15
  assert.deepEqual(['0', '2.depthwise', '2.pointwise', '3', '3.1'].map((p) => byPath[p].receptiveField!.size[0]), [3, 7, 7, 15, 15]);
  assert.deepEqual(byPath['3'].receptiveField!.jump, [2, 2]);
  assert.equal(s.totals.parameters, parameterCount(model));
  assert.equal(s.totals.flops, 2 * s.totals.macs + s.totals.biasAdditions);
  assert.deepEqual(JSON.parse(JSON.stringify(s)).totals, s.totals);
});

test('the table aligns its columns and draws the tree', () => {
  const lines = formatSummary(summary(model, [1, 3, 32, 32])).split('\n');
  assert.match(lines[1], /^Layer \(type:path\) +Arguments +Output Shape +Param # +MACs +RF +Jump$/);
  const rows = lines.slice(3, 12);
  assert.match(rows[0], /^Sequential +\[1, 32, 16, 16\]/);
  assert.match(rows[4], /^│    ├─Conv2d: 2\.depthwise +16, 16, k=3, p=1, g=16 +\[1, 16, 16, 16\] +160 +36,864 +7x7 +2x2$/);
  assert.match(rows[8], /^     └─ReLU: 3\.1 /);
  const ends = new Set(rows.map((r) => [...r].length));
  assert.equal(ends.size, 1, 'every row ends at the same column');
  assert.ok(lines.some((l) => l.startsWith('Total MACs (multiply-accumulates): ')));
});

test('an input the model cannot take is an error', () => {
  assert.throws(() => summary({ layers: [] } as never, [1, 3, 8, 8]), /summary: expected a Module/);
  assert.throws(() => summary(model, [1, 4, 32, 32]), /conv2d: weight.shape\[1\]=3 must equal in_channels\/groups=4/);
});
