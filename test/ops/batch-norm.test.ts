/**
 * batchNorm against PyTorch (the `batch_norm` cases of test/fixtures/torch-linear-bn.json: outputs, the
 * running statistics after, every gradient, torch's errors) on every backend configuration, and what the
 * fixture cannot show: in-place updates, precision of the statistics, the rules of the arguments.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchNorm, mul, ones, randn, sum, Tensor, zeros } from '../../src/index.js';
import { CONFIGS, withConfig } from '../support/backends.js';
import { loadLinearBnFile, runLinearBnCases } from '../support/linear-bn-cases.js';

const file = loadLinearBnFile(new URL('../fixtures/torch-linear-bn.json', import.meta.url));
const cases = { ...file, cases: file.cases.filter((c) => c.kind === 'batch_norm') };

for (const config of CONFIGS) {
  test(`batchNorm, its running statistics and gradients equal PyTorch's (${cases.cases.length} random cases, ${config.name})`, () => {
    const failed = withConfig(config, () => runLinearBnCases(cases)).filter((r) => !r.pass);
    assert.deepEqual(failed.map((r) => r.message), []);
  });
}

test('the fixture covers both modes, ranks 2 to 5, missing per-channel tensors and torch\'s errors', () => {
  const all = cases.cases as unknown as Array<{ input: { shape: number[] }; options: { training: boolean }; weight: unknown; runningMean: unknown; error?: string }>;
  const ok = all.filter((c) => c.error === undefined);
  assert.ok(ok.some((c) => c.options.training) && ok.some((c) => !c.options.training));
  for (const rank of [2, 3, 4, 5]) assert.ok(ok.some((c) => c.input.shape.length === rank), `rank ${rank}`);
  assert.ok(ok.some((c) => c.weight === null) && ok.some((c) => c.runningMean === null));
  assert.ok(all.some((c) => c.error?.includes('Expected more than 1 value per channel')));
});

/** Each channel's mean and biased variance of NCHW data, in float64, two passes. */
function moments(x: Tensor): { mean: number[]; variance: number[] } {
  const [n, c] = x.shape;
  const inner = x.numel / (n * c);
  const values = (ch: number) => Array.from({ length: n * inner }, (_, i) => x.data[(Math.floor(i / inner) * c + ch) * inner + (i % inner)]);
  const mean = Array.from({ length: c }, (_, ch) => values(ch).reduce((s, v) => s + v, 0) / (n * inner));
  const variance = mean.map((m, ch) => values(ch).reduce((s, v) => s + (v - m) ** 2, 0) / (n * inner));
  return { mean, variance };
}

test('training normalises with the batch\'s statistics, precisely where a channel\'s mean dwarfs its spread', () => {
  for (const config of CONFIGS.slice(0, 2)) {
    withConfig(config, () => {
      const x = randn([4, 3, 5, 5]);
      // channel 1: a mean of 1e4, a spread of 1e-2; its first element an outlier of the channel
      for (let i = 0; i < x.numel; i++) if (Math.floor(i / 25) % 3 === 1) x.data[i] = 1e4 + x.data[i] * 1e-2;
      x.data[25] = 1e4 + 0.1;
      const rm = zeros([3]);
      const rv = ones([3]);
      const y = batchNorm(x, rm, rv, { training: true, eps: 0 });
      const { mean, variance } = moments(x);
      const count = 100;
      for (let c = 0; c < 3; c++) {
        assert.ok(Math.abs(rm.data[c] - Math.fround(0.1 * mean[c])) <= 1e-6 * Math.abs(mean[c]), `${config.name} running_mean ${c}`);
        assert.ok(Math.abs(rv.data[c] - (0.9 + 0.1 * variance[c] * count / (count - 1))) <= 1e-5 * rv.data[c], `${config.name} running_var ${c}`);
        const out = moments(new Tensor(y.data.filter((_, i) => Math.floor(i / 25) % 3 === c), [4, 1, 5, 5]));
        assert.ok(Math.abs(out.mean[0]) < 1e-4 && Math.abs(out.variance[0] - 1) < 1e-3, `${config.name} channel ${c}: mean ${out.mean[0]}, variance ${out.variance[0]}`);
      }
    });
  }
});

test('the running statistics are updated in place in training mode only, and none are needed there', () => {
  const x = randn([3, 2, 4]);
  const rm = zeros([2]);
  const rv = ones([2]);
  batchNorm(x, rm, rv);
  assert.deepEqual([...rm.data, ...rv.data], [0, 0, 1, 1]);
  batchNorm(x, rm, rv, { training: true, momentum: 0 });
  assert.deepEqual([...rm.data, ...rv.data], [0, 0, 1, 1]);
  batchNorm(x, rm, null, { training: true, momentum: 1 });
  assert.deepEqual([...rm.data], moments(x).mean.map(Math.fround));
  assert.deepEqual(batchNorm(x, null, null, { training: true }).shape, [3, 2, 4]);
});

test('bad arguments name the rule as torch does', () => {
  const x = randn([2, 3, 4]);
  const [rm, rv] = [zeros([3]), ones([3])];
  assert.throws(() => batchNorm(randn([1, 3]), rm, rv, { training: true }), /^ConvkitArgumentError: batchNorm: Expected more than 1 value per channel when training, got input size \[1, 3\]/);
  assert.throws(() => batchNorm(x, zeros([4]), rv), /running_mean should contain 3 elements not 4/);
  assert.throws(() => batchNorm(x, rm, rv, { weight: ones([2]) }), /weight should contain 3 elements not 2/);
  assert.throws(() => batchNorm(x, null, rv), /running_mean must be defined in evaluation mode/);
  assert.throws(() => batchNorm(x, rm, null), /running_var must be defined in evaluation mode/);
  assert.throws(() => batchNorm(randn([3]), rm, rv), /input must have 2 or more dimensions/);
  assert.throws(() => batchNorm(x, rm, rv, { momentum: null as unknown as number }), /momentum must be a number, got null/);
  assert.throws(() => batchNorm(x, rm, rv, { training: 1 as unknown as boolean }), /training must be true or false/);
  assert.throws(() => batchNorm(x, rm, rv, { epsilon: 1 } as never), /unknown option 'epsilon'/);
});

test('the graph is torch\'s NativeBatchNormBackward0, and a gradient flows only where asked', () => {
  const x = randn([2, 3, 4]).requiresGrad_();
  const w = ones([3]);
  const b = zeros([3]).requiresGrad_();
  const y = batchNorm(x, null, null, { training: true, weight: w, bias: b });
  assert.equal(y.gradFn?.name, 'NativeBatchNormBackward0');
  sum(mul(y, randn([2, 3, 4]))).backward();
  assert.equal(w.grad, null);
  assert.deepEqual(x.grad?.shape, [2, 3, 4]);
  assert.deepEqual(b.grad?.shape, [3]);
});

test('the wasm backend\'s kernels (f32x4 over blocks, f64 across) give the reference kernels\' results on long runs and ragged ends', () => {
  for (const [shape, offset] of [[[8, 16, 14, 14], 0], [[3, 2, 1031], 500], [[5, 3, 7], -3]] as Array<[number[], number]>) {
    const x = randn(shape);
    for (let i = 0; i < x.numel; i++) x.data[i] += offset;
    const r = randn(shape);
    const results = CONFIGS.slice(0, 2).map((config) => withConfig(config, () => {
      const input = x.detach().requiresGrad_();
      const weight = randn([shape[1]]).requiresGrad_();
      weight.data.set(new Float32Array(shape[1]).fill(1.5));
      const [rm, rv] = [zeros([shape[1]]), ones([shape[1]])];
      const y = batchNorm(input, rm, rv, { training: true, weight });
      sum(mul(y, r)).backward();
      const evalY = batchNorm(input, rm, rv);
      return [y, input.grad!, weight.grad!, rm, rv, evalY];
    }));
    results[0].forEach((want, i) => {
      const scale = Math.max(1, ...want.data.map(Math.abs));
      const worst = Math.max(...results[1][i].data.map((v, j) => Math.abs(v - want.data[j])));
      assert.ok(worst <= 1e-5 * scale, `[${shape}] + ${offset}, tensor ${i}: off by ${worst} of ${scale}`);
    });
  }
});
