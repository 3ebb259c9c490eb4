/**
 * Compiled inference: a model in evaluation mode run without recording gradients gives its modules'
 * values (BatchNorm folded, activations and residual adds fused), runs as one network, and is compiled
 * again whenever a parameter or buffer changes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wasmBackend } from '../../src/backend/wasm/index.js';
import type { Network } from '../../src/backend/backend.js';
import {
  AvgPool2d, BatchNorm2d, Conv2d, Flatten, Generator, Hardswish, Linear, MaxPool2d, Module, ReLU, ReLU6, SGD, Sequential, Tensor,
  moduleFromJSON, noGrad, randn, registerBackend, setBackend, sum,
} from '../../src/index.js';
import { getFusion, setFusion } from '../../src/infer/inference.js';
import { aspp, mobilenetV2, resnextBottleneck } from '../../src/models/index.js';
import { twinJSON, TWIN_KINDS } from '../../src/train/twins.js';
import { worst } from '../support/relative-error.js';

const g = new Generator(2024);

/** Running statistics, scales and shifts away from their initial values, as a trained model has them. */
function trained<M extends Module>(model: M): M {
  for (const [key, t] of Object.entries(model.stateDict())) {
    if (key.endsWith('running_var')) t.data.forEach((_, i, d) => (d[i] = 0.5 + g.uniform()));
    else if (key.endsWith('running_mean') || (t.ndim === 1 && !key.endsWith('num_batches_tracked'))) t.data.forEach((_, i, d) => (d[i] = g.normal() * 0.3));
    t.markChanged();
  }
  return model.eval();
}

/**
 * A backend that runs networks on the wasm backend and counts the compiled models among them: those
 * with a step that `Sequential`'s chains of convolutions never have (every model here has one).
 */
let networks = 0;
const compiledModel = (net: Network) => net.steps.some((s) => s.op !== 'conv2d' || s.residual !== null);
registerBackend({
  ...wasmBackend,
  name: 'wasm-counting',
  runNetwork: (net: Network, x: Float32Array, y: Float32Array) => {
    if (compiledModel(net)) networks++;
    return wasmBackend.runNetwork!(net, x, y);
  },
});

function run(model: Module, x: Tensor, options: { fusion: boolean; backend?: string }): { y: Float32Array; networks: number } {
  const before = networks;
  setBackend(options.backend ?? 'wasm-counting');
  setFusion(options.fusion);
  try {
    return { y: noGrad(() => model.forward(x)).data, networks: networks - before };
  } finally {
    setFusion(true);
    setBackend('wasm');
  }
}

class Unknown extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }

  override outputShape(shape: readonly number[]): number[] {
    return [...shape];
  }

  toJSON(): object {
    return {};
  }
}

const MODELS: Array<[string, () => Module, number[]]> = [
  ...TWIN_KINDS.map((kind): [string, () => Module, number[]] => [`${kind} twin`, () => moduleFromJSON(twinJSON(kind, { widths: [8, 12, 16] })), [3, 1, 28, 28]]),
  ['MobileNetV2 x0.35', () => mobilenetV2({ widthMult: 0.35, numClasses: 7, generator: g }), [2, 3, 48, 40]],
  ['ResNeXt bottleneck, downsampled', () => resnextBottleneck(32, 16, { stride: 2, groups: 8, generator: g }), [2, 32, 13, 13]],
  ['ResNeXt bottleneck, identity', () => resnextBottleneck(64, 16, { groups: 4, generator: g }), [1, 64, 9, 9]],
  ['ASPP', () => aspp(24, [2, 3, 4], { outChannels: 16, generator: g }), [2, 24, 11, 11]],
  ['BatchNorm not after a convolution, Hardswish, average pool, Linear', () => new Sequential(
    new BatchNorm2d(3), new Conv2d(3, 8, 3, { padding: 1, generator: g }), new ReLU6(), new Hardswish(), new AvgPool2d(3, { stride: 2, padding: 1 }),
    new Conv2d(8, 8, 1, { generator: g }), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2, { ceilMode: true }), new Flatten(), new Linear(8 * 3 * 3, 5, { generator: g }),
  ), [2, 3, 11, 12]],
];

test('every architecture gives its modules\' values when compiled, as one network', () => {
  for (const [name, build, shape] of MODELS) {
    const model = trained(build());
    const x = randn(shape, g);
    const reference = run(model, x, { fusion: true, backend: 'reference' }).y;
    const modules = run(model, x, { fusion: false });
    const compiled = run(model, x, { fusion: true });
    assert.equal(compiled.networks, 1, `${name}: one network`);
    const err = worst(compiled.y, reference);
    assert.ok(err < 1e-5, `${name}: compiled vs reference ${err}`);
    assert.ok(worst(modules.y, reference) < 1e-5, name);
  }
});

test('a changed parameter or buffer is seen: optimiser steps, loadStateDict, running statistics, markChanged', () => {
  const model = trained(mobilenetV2({ widthMult: 0.35, numClasses: 4, generator: g }));
  const x = randn([1, 3, 32, 32], g);
  const check = (what: string) => {
    const expected = run(model, x, { fusion: false }).y;
    const compiled = run(model, x, { fusion: true });
    assert.equal(compiled.networks, 1, what);
    assert.ok(worst(compiled.y, expected) < 1e-5, `${what}: ${worst(compiled.y, expected)}`);
  };
  check('compiled first');
  const before = run(model, x, { fusion: true }).y;

  const opt = new SGD(model.parameters(), { lr: 0.1 });
  model.train();
  sum(model.forward(randn([2, 3, 32, 32], g))).backward(); // training mode also moves the running statistics
  opt.step();
  model.eval();
  assert.ok(worst(run(model, x, { fusion: true }).y, before) > 1e-3, 'the step changed the output');
  check('after a training step');

  const other = trained(mobilenetV2({ widthMult: 0.35, numClasses: 4, generator: g }));
  model.loadStateDict(other.stateDict());
  check('after loadStateDict');
  assert.ok(worst(run(model, x, { fusion: true }).y, run(other, x, { fusion: true }).y) === 0, 'the loaded model computes as the one it came from');

  const conv = model.features.layers[0] as Sequential;
  (conv.layers[1] as BatchNorm2d).runningMean!.data[0] += 1;
  (conv.layers[1] as BatchNorm2d).runningMean!.markChanged();
  check('after markChanged');
});

test('no network where the modules must run: training mode, gradients recorded, fusion off, an unknown module', () => {
  const model = trained(moduleFromJSON(twinJSON('separable', { widths: [8, 8, 8] })));
  const x = randn([1, 1, 12, 12], g);
  assert.equal(getFusion(), true);
  assert.equal(run(model, x, { fusion: false }).networks, 0);
  model.train();
  assert.equal(run(model, x, { fusion: true }).networks, 0, 'training mode');
  model.eval();
  (model as Sequential).layers[1].train();
  assert.equal(run(model, x, { fusion: true }).networks, 0, 'one module in training mode');
  model.eval();
  setBackend('wasm-counting');
  try {
    const before = networks;
    const y = model.forward(x); // parameters require grad: the graph is recorded
    assert.notEqual(y.gradFn, null);
    assert.equal(networks, before);
  } finally {
    setBackend('wasm');
  }
  const withUnknown = trained(new Sequential(new Conv2d(1, 4, 3, { generator: g }), new BatchNorm2d(4), new Unknown(), new ReLU()));
  const expected = run(withUnknown, x, { fusion: false }).y;
  const fallback = run(withUnknown, x, { fusion: true });
  assert.equal(fallback.networks, 0);
  assert.deepEqual(fallback.y, expected);
});

test('a bad input gets the modules\' own error, and a new batch size its own network', () => {
  const model = trained(mobilenetV2({ widthMult: 0.35, numClasses: 3, generator: g }));
  const bad = randn([1, 4, 32, 32], g);
  let message = '';
  try {
    run(model, bad, { fusion: false });
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, /channels/);
  assert.throws(() => run(model, bad, { fusion: true }), (e: Error) => e.message === message);
  for (const n of [1, 3, 2]) {
    const x = randn([n, 3, 32, 32], g);
    assert.ok(worst(run(model, x, { fusion: true }).y, run(model, x, { fusion: false }).y) < 1e-5, `batch ${n}`);
  }
  assert.throws(() => setFusion('yes' as unknown as boolean), { message: "setFusion: on must be true or false, got 'yes'" });
});
