/**
 * Linear against PyTorch (the `Linear` cases of test/fixtures/torch-linear-bn.json: torch's parameters
 * loaded, forward and backward, repr, constructor and forward errors) on every backend configuration;
 * its initialisation, JSON form and cost.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Generator, layerCost, Linear, moduleFromJSON, ReLU, Sequential, summary } from '../../src/index.js';
import { CONFIGS, withConfig } from '../support/backends.js';
import { loadLinearBnFile, runLinearBnCases } from '../support/linear-bn-cases.js';

const file = loadLinearBnFile(new URL('../fixtures/torch-linear-bn.json', import.meta.url));
const cases = { ...file, cases: file.cases.filter((c) => c.kind === 'Linear') };

for (const config of CONFIGS) {
  test(`Linear equals PyTorch's nn.Linear (${cases.cases.length} random cases, ${config.name})`, () => {
    const failed = withConfig(config, () => runLinearBnCases(cases)).filter((r) => !r.pass);
    assert.deepEqual(failed.map((r) => r.message), []);
  });
}

test('weight and bias start uniform in ±1/sqrt(inFeatures), weight drawn first, from the generator given', () => {
  const fc = new Linear(64, 300, { generator: new Generator(5) });
  const bound = 1 / 8;
  for (const p of [fc.weight, fc.bias!]) {
    assert.ok(p.requiresGrad);
    const values = [...p.data];
    assert.ok(values.every((v) => v >= -bound && v < bound));
    // spread over the whole interval: the extremes near the bounds, the mean near 0
    assert.ok(Math.max(...values) > 0.95 * bound && Math.min(...values) < -0.95 * bound);
    assert.ok(Math.abs(values.reduce((s, v) => s + v, 0) / values.length) < 0.1 * bound);
  }
  const again = new Linear(64, 300, { generator: new Generator(5) });
  assert.deepEqual(again.weight.data, fc.weight.data);
  const noBias = new Linear(64, 300, { bias: false, generator: new Generator(5) });
  assert.deepEqual(noBias.weight.data, fc.weight.data);
  assert.equal(noBias.bias, null);
  assert.deepEqual(Object.keys(fc.stateDict()), ['weight', 'bias']);
  assert.deepEqual(Object.keys(noBias.stateDict()), ['weight']);
  // no input features: torch's bias bound is 0
  assert.deepEqual([...new Linear(0, 3).bias!.data], [0, 0, 0]);
});

test('repr, JSON and outputShape follow torch\'s forms', () => {
  assert.equal(String(new Linear(64, 10)), 'Linear(in_features=64, out_features=10, bias=True)');
  assert.equal(String(new Linear(3, 2, { bias: false })), 'Linear(in_features=3, out_features=2, bias=False)');
  const model = new Sequential(new Linear(8, 4, { bias: false }), new ReLU(), new Linear(4, 2));
  const json = JSON.parse(JSON.stringify(model));
  assert.deepEqual(json.layers[0], { type: 'Linear', inFeatures: 8, outFeatures: 4, bias: false });
  const rebuilt = moduleFromJSON(json);
  assert.equal(String(rebuilt), String(model));
  assert.deepEqual(Object.keys(rebuilt.stateDict()), ['0.weight', '2.weight', '2.bias']);
  assert.deepEqual(new Linear(8, 4).outputShape([2, 3, 8]), [2, 3, 4]);
  assert.deepEqual(new Linear(8, 4).outputShape([8]), [4]);
  assert.throws(() => new Linear(8, 4).outputShape([2, 7]), /mat1 and mat2 shapes cannot be multiplied/);
});

test('layerCost counts inFeatures x outFeatures MACs a row and a bias addition an output; summary shows the features', () => {
  const cost = layerCost(new Linear(64, 10), [128, 64]);
  assert.equal(cost.macs, 128 * 64 * 10);
  assert.equal(cost.biasAdditions, 128 * 10);
  assert.equal(cost.flops, 2 * 128 * 64 * 10 + 128 * 10);
  assert.equal(cost.parameters, 64 * 10 + 10);
  assert.deepEqual(cost.outputShape, [128, 10]);
  assert.equal(layerCost(new Linear(64, 10, { bias: false }), [2, 3, 64]).biasAdditions, 0);
  const rows = summary(new Sequential(new Linear(64, 10), new Linear(10, 2, { bias: false })), [128, 64]).rows;
  assert.deepEqual(rows.slice(1).map((r) => r.args), ['64, 10', '10, 2, no bias']);
  assert.equal(rows[0].macs, 128 * (64 * 10 + 10 * 2));
});

test('bad constructor arguments are errors naming them', () => {
  assert.throws(() => new Linear(-1, 3), /^ConvkitArgumentError: Linear: inFeatures must be a non-negative integer, got -1/);
  assert.throws(() => new Linear(3, 2.5), /outFeatures must be a non-negative integer, got 2.5/);
  assert.throws(() => new Linear(3, 2, { bias: 1 as unknown as boolean }), /bias must be true or false/);
  assert.throws(() => new Linear(3, 2, { biased: true } as never), /unknown option 'biased'/);
  assert.throws(() => moduleFromJSON({ type: 'Linear', inFeatures: 3 }), /moduleFromJSON: Linear: outFeatures must be a non-negative integer, got undefined/);
});
