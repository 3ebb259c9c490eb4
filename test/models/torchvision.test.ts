/**
 * convkit/models against torchvision 0.14 (test/fixtures/torch-models-*, from tools/torch/models_cases.py):
 * state dicts saved by torchvision load through safetensors with exactly torchvision's keys, print as
 * torch prints them, and give torchvision's eval-mode outputs within 1e-4 on the reference and wasm
 * backends; each block exports to a valid ONNX graph.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { exportOnnx, Generator, loadSafetensors, noGrad, sum, type Module, type Tensor } from '../../src/index.js';
import { aspp, mobilenetV2, resnextBottleneck, type MobileNetV2 } from '../../src/models/index.js';
import { CONFIGS, withConfig } from '../support/backends.js';
import { maxError, torchRepr } from '../support/model-cases.js';
import { checkOnnxModel } from '../support/onnx-checker.js';
import { ModelProtoSchema } from '../support/onnx_pb.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/torch-models-${name}`, import.meta.url));

interface Case {
  name: string;
  build(g: Generator): Module;
}

const CASES: readonly Case[] = [
  { name: 'mobilenet_v2-0.5', build: (generator) => mobilenetV2({ widthMult: 0.5, numClasses: 10, generator }) },
  { name: 'resnext_bottleneck', build: (generator) => resnextBottleneck(64, 32, { stride: 2, groups: 8, baseWidth: 4, generator }) },
  { name: 'resnext_bottleneck-identity', build: (generator) => resnextBottleneck(128, 32, { groups: 8, baseWidth: 4, generator }) },
  { name: 'aspp', build: (generator) => aspp(32, [2, 4, 6], { outChannels: 16, generator }) },
];

const BACKENDS = CONFIGS.filter((c) => c.name === 'reference' || c.name === 'wasm');

for (const c of CASES) {
  const weights = loadSafetensors(fixture(`${c.name}.safetensors`));
  const { tensors: io } = loadSafetensors(fixture(`${c.name}-io.safetensors`));
  const model = c.build(new Generator(1));

  test(`${c.name}: the state-dict keys, their order and shapes are torchvision's, and it prints as torch does`, () => {
    assert.deepEqual(Object.keys(model.stateDict()), JSON.parse(weights.metadata.keys));
    for (const [key, t] of Object.entries(model.stateDict())) assert.deepEqual(t.shape, weights.tensors[key].shape, key);
    assert.equal(String(model), torchRepr(weights.metadata.repr));
  });

  for (const config of BACKENDS) {
    test(`${c.name}: torchvision's weights give its eval-mode output within 1e-4 (${config.name})`, () => {
      model.loadStateDict(fixture(`${c.name}.safetensors`));
      model.eval();
      const y = withConfig(config, () => noGrad(() => model.forward(io.input)));
      assert.deepEqual(y.shape, io.output.shape);
      assert.deepEqual(model.outputShape(io.input.shape), io.output.shape);
      const error = maxError(y, io.output);
      assert.ok(error <= 1e-4, `max error ${error} relative to max(1, |torch|)`);
      if (io.features !== undefined) {
        // the logits are small (Linear starts at N(0, 0.01)): the feature map checks the body at full scale
        const features = withConfig(config, () => noGrad(() => (model as MobileNetV2).features.forward(io.input)));
        const featureError = maxError(features, io.features);
        assert.ok(featureError <= 1e-4, `features: max error ${featureError} relative to max(1, |torch|)`);
      }
    });
  }

  test(`${c.name}: exports to an ONNX graph the checker accepts, weights named by state-dict key`, () => {
    const proto = fromBinary(ModelProtoSchema, exportOnnx(model, io.input.shape));
    checkOnnxModel(proto);
    const names = new Set(proto.graph?.initializer.map((t) => t.name));
    for (const key of Object.keys(model.stateDict())) if (!key.endsWith('num_batches_tracked')) assert.ok(names.has(key), key);
  });
}

test('mobilenetV2 at width 1.0 has the keys, shapes and printed form of torchvision\'s mobilenet_v2(num_classes=10)', () => {
  const torch = JSON.parse(fixture('mobilenet_v2-1.0-keys.json').toString()) as { keys: Array<[string, number[]]>; repr: string };
  const model = mobilenetV2({ numClasses: 10, generator: new Generator(2) });
  assert.deepEqual(Object.entries(model.stateDict()).map(([k, t]) => [k, t.shape]), torch.keys);
  assert.equal(String(model), torchRepr(torch.repr));
  assert.deepEqual(model.outputShape([3, 3, 224, 224]), [3, 10]);
});

test('mobilenetV2 starts as torchvision initialises it: kaiming-normal fan_out convolutions, N(0, 0.01) Linear, zero biases', () => {
  const model = mobilenetV2({ numClasses: 10, widthMult: 0.5, generator: new Generator(3) });
  const sd = model.stateDict();
  const std = (t: Tensor) => Math.sqrt(t.data.reduce((s, v) => s + v * v, 0) / t.numel);
  // features.18.0: 1x1, 80 -> 1280 (fan_out 1280); the classifier: 12,800 weights
  const conv = sd['features.18.0.weight'];
  assert.ok(Math.abs(std(conv) / Math.sqrt(2 / 1280) - 1) < 0.02, `conv std ${std(conv)}`);
  assert.ok(Math.abs(std(sd['classifier.1.weight']) / 0.01 - 1) < 0.05);
  assert.ok(sd['classifier.1.bias'].data.every((v) => v === 0));
  assert.ok(sd['features.1.conv.0.1.weight'].data.every((v) => v === 1));
});

test('the builders reject bad arguments with a ConvkitArgumentError naming them', () => {
  assert.throws(() => mobilenetV2({ widthMult: 0 }), /mobilenetV2: widthMult must be a positive number/);
  assert.throws(() => mobilenetV2({ numClasses: 2.5 }), /numClasses must be a positive integer/);
  assert.throws(() => mobilenetV2({ bogus: 1 } as never), /bogus/);
  assert.throws(() => aspp(8, [1, 2]), /atrousRates must be three positive integers/);
  assert.throws(() => resnextBottleneck(64, 1, { groups: 32 }), /grouped width/);
  assert.throws(() => resnextBottleneck(64, 16, { downsample: null }).outputShape([1, 128, 8, 8]), /Conv2d|channels/);
  assert.throws(() => JSON.stringify(mobilenetV2({ widthMult: 0.25 })), /has no JSON form/);
});

test('gradients reach every parameter of each block in training mode (through cat, the broadcast pooling branch and the residual adds)', () => {
  for (const c of CASES.slice(1)) {
    const model = c.build(new Generator(4)).train();
    const { tensors: io } = loadSafetensors(fixture(`${c.name}-io.safetensors`));
    sum(model.forward(io.input)).backward();
    for (const [key, p] of model.namedParameters()) assert.ok(p.grad !== null && p.grad.data.some((v) => v !== 0), `${c.name}: ${key}`);
  }
});
