/**
 * BatchNorm2d against PyTorch (the `BatchNorm2d` cases of test/fixtures/torch-linear-bn.json: several
 * train and eval steps each, with outputs, gradients and the state dict after every step, for every
 * option; repr; torch's errors and the state after them) on every backend configuration; its buffers,
 * modes and JSON form.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchNorm2d, Conv2d, layerCost, moduleFromJSON, randn, Sequential, summary } from '../../src/index.js';
import { CONFIGS, withConfig } from '../support/backends.js';
import { loadLinearBnFile, runLinearBnCases } from '../support/linear-bn-cases.js';

const file = loadLinearBnFile(new URL('../fixtures/torch-linear-bn.json', import.meta.url));
const cases = { ...file, cases: file.cases.filter((c) => c.kind === 'BatchNorm2d') };

for (const config of CONFIGS) {
  test(`BatchNorm2d equals PyTorch's nn.BatchNorm2d step by step (${cases.cases.length} random cases, ${config.name})`, () => {
    const failed = withConfig(config, () => runLinearBnCases(cases)).filter((r) => !r.pass);
    assert.deepEqual(failed.map((r) => r.message), []);
  });
}

test('the fixture covers momentum None, affine and trackRunningStats off, eval steps, and torch\'s errors', () => {
  const all = cases.cases as unknown as Array<{ repr?: string; steps?: Array<{ mode: string; error?: string }> }>;
  for (const part of ['momentum=None', 'affine=False', 'track_running_stats=False']) assert.ok(all.some((c) => c.repr?.includes(part)), part);
  const steps = all.flatMap((c) => c.steps ?? []);
  assert.ok(steps.some((s) => s.mode === 'eval' && s.error === undefined));
  assert.ok(steps.some((s) => s.error?.includes('expected 4D input')));
  assert.ok(steps.some((s) => s.error?.includes('Expected more than 1 value per channel')));
});

test('parameters and buffers are torch\'s, by key and in order; num_batches_tracked is a float32 0-d tensor', () => {
  const bn = new BatchNorm2d(3);
  assert.deepEqual(Object.keys(bn.stateDict()), ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
  assert.deepEqual([...bn.weight!.data, ...bn.bias!.data, ...bn.runningMean!.data, ...bn.runningVar!.data], [1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
  assert.deepEqual(bn.numBatchesTracked!.shape, []);
  assert.ok(bn.weight!.requiresGrad && !bn.runningMean!.requiresGrad);
  assert.deepEqual(bn.parameters().length, 2);
  assert.deepEqual(Object.keys(new BatchNorm2d(3, { affine: false }).stateDict()), ['running_mean', 'running_var', 'num_batches_tracked']);
  assert.deepEqual(Object.keys(new BatchNorm2d(3, { trackRunningStats: false }).stateDict()), ['weight', 'bias']);
  const model = new Sequential(new Conv2d(1, 3, 3), new BatchNorm2d(3));
  assert.deepEqual(model.namedBuffers().map(([k]) => k), ['1.running_mean', '1.running_var', '1.num_batches_tracked']);
});

test('training counts batches and moves the running statistics; eval leaves them; without them both modes use the batch', () => {
  const bn = new BatchNorm2d(2, { momentum: null });
  const x = randn([4, 2, 3, 3]);
  bn.forward(x);
  bn.forward(x);
  assert.equal(bn.numBatchesTracked!.data[0], 2);
  const state = bn.runningMean!.data.slice();
  const y = bn.eval().forward(x);
  assert.deepEqual(bn.runningMean!.data, state);
  assert.equal(bn.numBatchesTracked!.data[0], 2);
  // the cumulative average of one batch twice is that batch's statistics (the variance unbiased)
  for (let c = 0; c < 2; c++) {
    const values = [...x.data].filter((_, i) => Math.floor(i / 9) % 2 === c);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const unbiased = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
    assert.ok(Math.abs(bn.runningMean!.data[c] - mean) < 1e-6 && Math.abs(bn.runningVar!.data[c] - unbiased) < 1e-5 * unbiased);
    assert.ok(Math.abs(y.data[c * 9] - (x.data[c * 9] - mean) / Math.sqrt(unbiased + 1e-5)) < 1e-5);
  }
  const train = new BatchNorm2d(2, { trackRunningStats: false });
  assert.deepEqual(train.eval().forward(x).data, train.train().forward(x).data);
});

test('repr, JSON, outputShape and summary follow torch\'s forms', () => {
  assert.equal(String(new BatchNorm2d(64)), 'BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)');
  assert.equal(String(new BatchNorm2d(3, { eps: 0.001, momentum: null, affine: false, trackRunningStats: false })),
    'BatchNorm2d(3, eps=0.001, momentum=None, affine=False, track_running_stats=False)');
  assert.equal(String(new BatchNorm2d(3, { momentum: 1 })), 'BatchNorm2d(3, eps=1e-05, momentum=1.0, affine=True, track_running_stats=True)');
  const model = new Sequential(new Conv2d(1, 4, 3), new BatchNorm2d(4, { momentum: null, eps: 1e-3 }));
  const json = JSON.parse(JSON.stringify(model));
  assert.deepEqual(json.layers[1], { type: 'BatchNorm2d', numFeatures: 4, eps: 1e-3, momentum: null, affine: true, trackRunningStats: true });
  assert.equal(String(moduleFromJSON(json)), String(model));
  assert.deepEqual(new BatchNorm2d(4).outputShape([2, 4, 5, 5]), [2, 4, 5, 5]);
  assert.throws(() => new BatchNorm2d(4).outputShape([4, 5, 5]), /expected 4D input \(got 3D input\)/);
  assert.throws(() => new BatchNorm2d(4).outputShape([1, 3, 5, 5]), /running_mean should contain 3 elements not 4/);
  assert.equal(layerCost(new BatchNorm2d(4), [2, 4, 5, 5]).parameters, 8);
  assert.equal(summary(model, [2, 1, 7, 7]).rows[2].args, '4');
});

test('bad input and arguments are errors naming the rule', () => {
  const bn = new BatchNorm2d(3);
  assert.throws(() => bn.forward(randn([3, 4, 4])), /^ConvkitArgumentError: BatchNorm2d: expected 4D input \(got 3D input\)/);
  assert.throws(() => bn.forward(randn([1, 3, 1, 1])), /Expected more than 1 value per channel when training/);
  assert.throws(() => new BatchNorm2d(-1), /numFeatures must be a non-negative integer, got -1/);
  assert.throws(() => new BatchNorm2d(3, { momentum: '0.1' as unknown as number }), /momentum must be a number or null/);
  assert.throws(() => new BatchNorm2d(3, { affine: 0 as unknown as boolean }), /affine must be true or false/);
  assert.throws(() => new BatchNorm2d(3, { track_running_stats: false } as never), /unknown option 'track_running_stats'/);
});
