import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coverageMap, dilatedStack, formatCoverage, hdc, receptiveFields, spatialLayers } from '../../src/analysis/receptive-field.js';
import { Conv2d, DepthwiseSeparableConv2d, Generator, ReLU, Sequential } from '../../src/index.js';

test('size, jump and start follow r += (k_eff - 1) j, j *= s, start -= p j', () => {
  const model = new Sequential(new Conv2d(1, 1, 3, { stride: 2, padding: 1 }), new ReLU(), new Conv2d(1, 1, 3, { stride: 2, padding: 1 }), new Conv2d(1, 1, [1, 3], { dilation: 3 }));
  const fields = receptiveFields(spatialLayers(model));
  assert.deepEqual(fields, [
    { size: [3, 3], jump: [2, 2], start: [-1, -1] },
    { size: [7, 7], jump: [4, 4], start: [-3, -3] },
    { size: [7, 31], jump: [4, 4], start: [-3, -3] },
  ]);
  // 'same' padding with an even kernel starts the field one short of centred (the extra is at the bottom/right)
  const same = receptiveFields(spatialLayers(new Conv2d(1, 1, 4, { padding: 'same' })));
  assert.deepEqual(same[0].start, [-1, -1]);
  assert.equal(spatialLayers(new DepthwiseSeparableConv2d(4, 4, 5, { dilation: 2, padding: 4 })).length, 2);
});

test('hand-written layers are checked', () => {
  assert.throws(() => coverageMap([{ kernel: [0, 3], stride: [1, 1], dilation: [1, 1], padding: [0, 0] }]), /coverageMap: layer 0 must have kernel, stride and dilation as pairs of positive integers/);
  assert.throws(() => receptiveFields('3x3' as never), /receptiveFields: layers must be an array, got '3x3'/);
  assert.throws(() => dilatedStack(3, [1, 0]), /dilatedStack: rates must be a list of positive integers, got \[1, 0\]/);
  assert.throws(() => spatialLayers('conv' as never), /spatialLayers: expected a Module, got 'conv'/);
  assert.deepEqual(coverageMap([]).size, [1, 1]); // no layers: the output position is the input position
});

test("the coverage map counts paths: two 3x3 layers reach the centre 9 ways", () => {
  const map = coverageMap(dilatedStack(3, [1, 1]));
  assert.deepEqual(map.size, [5, 5]);
  assert.deepEqual(map.counts[2], [3, 6, 9, 6, 3]);
  assert.deepEqual(map.counts[0], [1, 2, 3, 2, 1]);
  assert.equal(map.holes, 0);
});

test('rates 2,2,2 grid (holes at odd offsets); 1,2,5 cover a 17x17 square', () => {
  const gridded = coverageMap(dilatedStack(3, [2, 2, 2]));
  assert.deepEqual(gridded.size, [13, 13]);
  assert.equal(gridded.holes, 13 * 13 - 7 * 7);
  assert.ok(gridded.counts.every((row, y) => row.every((c, x) => (c > 0) === (y % 2 === 0 && x % 2 === 0))));
  assert.match(formatCoverage(gridded).split('\n')[1], /^\. \. \./);
  const hybrid = coverageMap(dilatedStack(3, [1, 2, 5]));
  assert.deepEqual(hybrid.size, [17, 17]);
  assert.equal(hybrid.holes, 0);
});

test("Wang et al.'s rule: M values, goal M_2 <= K and common factors", () => {
  const good = hdc(3, [1, 2, 5]);
  assert.deepEqual(good.M, [1, 2, 5]);
  assert.equal(good.goalMet, true);
  assert.equal(good.satisfied, true);
  assert.equal(good.holes, 0);
  const bad = hdc(3, [2, 2, 2]);
  assert.equal(bad.goalMet, true); // M_2 = 2 <= 3: only the common factor exposes the gridding
  assert.equal(bad.commonFactor, 2);
  assert.equal(bad.satisfied, false);
  assert.ok(bad.holes > 0);
  const wide = hdc(3, [1, 2, 9]);
  assert.deepEqual(wide.M, [3, 5, 9]); // M_2 = max(9 - 4, 9 - 14, 2) = 5
  assert.equal(wide.goalMet, false);
  assert.ok(wide.holes > 0);
  assert.throws(() => hdc(1, [1, 2]), /hdc: kernelSize must be an integer >= 2, got 1/);
  assert.throws(() => hdc(3, []), /hdc: rates must be a non-empty list of positive integers/);
  assert.throws(() => hdc(3, [1, 0]), /rates must be a non-empty list of positive integers, got \[1, 0\]/);
});

test('the rule agrees with the exact map on random rate lists of its setting, and never claims coverage wrongly', () => {
  // The rule is derived for odd kernels and stacks whose rates start at 1 and do not decrease, like 1,2,5.
  const g = new Generator(2018);
  const draw = (n: number) => Math.floor(g.uniform() * n);
  let checkedK3 = 0;
  for (let trial = 0; trial < 3000; trial++) {
    const K = [3, 5, 7][draw(3)];
    const rates = [1, ...Array.from({ length: 1 + draw(4) }, () => 1 + draw(10))].sort((a, b) => a - b);
    const r = hdc(K, rates);
    if (r.satisfied) assert.equal(r.holes, 0, `K=${K} rates=${rates}: the rule is satisfied but the map has holes`);
    if (K === 3) {
      checkedK3++;
      assert.equal(r.satisfied, r.holes === 0, `K=3 rates=${rates}: rule ${r.satisfied}, holes ${r.holes}`);
    }
  }
  assert.ok(checkedK3 > 500);
});

test('a coverage map past its limit is refused before it is built, and hdc counts holes without the 2-D map', () => {
  assert.throws(() => coverageMap(dilatedStack(3, [1000, 2000, 3000, 4000])), /^ConvkitArgumentError: coverageMap: the receptive field is 20001x20001, more than the 4194304 positions \(2048x2048\)/);
  assert.throws(() => coverageMap(dilatedStack(3, [1e9])), /coverageMap: the coverage map of these 1 layers spans more than 67108864 positions or tap additions along the height/);
  assert.throws(() => hdc(3, [1, 2 ** 40]), /^ConvkitArgumentError: hdc: the coverage map of these 2 layers spans more than/);
  assert.throws(() => coverageMap(dilatedStack(50000, [1, 1])), /spans more than 67108864 positions or tap additions/);
  // hdc's holes, counted from the rows and columns, are the 2-D map's
  const g = new Generator(7);
  for (let trial = 0; trial < 200; trial++) {
    const K = 2 + Math.floor(g.uniform() * 5);
    const rates = Array.from({ length: 1 + Math.floor(g.uniform() * 4) }, () => 1 + Math.floor(g.uniform() * 8));
    const map = coverageMap(dilatedStack(K, rates));
    assert.equal(map.holes, map.counts.flat().filter((c) => c === 0).length);
    assert.equal(hdc(K, rates).holes, map.holes, `K=${K} rates=${rates}`);
  }
  assert.equal(hdc(3, [1, 2, 3000]).holes > 0, true); // a 6007-wide field: past the map's limit, within hdc's
});

test('spatialLayers refuses a module whose children do not run one after another, and takes its chains', async () => {
  const { aspp, resnextBottleneck, mobilenetV2 } = await import('../../src/models/index.js');
  for (const model of [aspp(8, [2, 3, 4], { outChannels: 4 }), resnextBottleneck(16, 32, { stride: 2, groups: 2 }), mobilenetV2({ widthMult: 0.35 })]) {
    assert.throws(() => spatialLayers(model), {
      message: `spatialLayers: ${model.constructor.name}'s children do not run one after another (see its childInputs): no one list of layers describes it; summary(model, inputShape) gives its receptive fields`,
    });
  }
  // MobileNetV2's features are a Sequential: 1 stem + 17 blocks, each block's 3x3 among its layers
  assert.equal(spatialLayers(mobilenetV2({ widthMult: 0.35 }).features).filter((l) => l.kernel[0] === 3).length, 18);
});
