import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { layerCost } from '../../src/analysis/cost.js';
import { nextField } from '../../src/analysis/receptive-field.js';
import { formatSummary, summary, type SummaryRow } from '../../src/analysis/summary.js';
import { AdaptiveAvgPool2d, Conv2d, Flatten, Module, ModuleList, Sequential, type ChildInput, type Tensor } from '../../src/index.js';
import { aspp, mobilenetV2, resnextBottleneck } from '../../src/models/index.js';

// Made by `/usr/bin/python3 tools/torch/model_macs.py`: torchvision's models with forward hooks on every Conv2d and Linear.
interface TorchCase { name: string; inputShape: number[]; outputShape: number[]; parameters: number; macs: number; layerMacs: Record<string, number> }
const { cases } = JSON.parse(readFileSync(new URL('../fixtures/torch-model-macs.json', import.meta.url), 'utf8')) as { cases: TorchCase[] };

const builders: Record<string, () => Module> = {
  mobilenet_v2: () => mobilenetV2(),
  'mobilenet_v2_0.5_10': () => mobilenetV2({ numClasses: 10, widthMult: 0.5 }),
  aspp: () => aspp(64, [2, 4, 6], { outChannels: 32 }),
  resnext_bottleneck: () => resnextBottleneck(64, 32, { stride: 2 }),
  resnext_bottleneck_identity: () => resnextBottleneck(256, 64),
};

const rowsByPath = (rows: SummaryRow[]) => new Map(rows.map((r) => [r.path, r]));

for (const c of cases) {
  test(`${c.name}: summary and layerCost count torchvision's MACs, layer by layer`, () => {
    const model = builders[c.name]();
    const s = summary(model, c.inputShape);
    assert.deepEqual(s.outputShape, c.outputShape);
    assert.equal(s.totals.parameters, c.parameters);
    assert.equal(s.totals.macs, c.macs);
    const layers = s.rows.filter((r) => r.type === 'Conv2d' || r.type === 'Linear');
    assert.deepEqual(Object.fromEntries(layers.map((r) => [r.path, r.macs])), c.layerMacs);
    const cost = layerCost(model, c.inputShape);
    assert.equal(cost.macs, c.macs);
    assert.deepEqual(cost.outputShape, c.outputShape);
  });
}

test("MobileNetV2's classifier gets the pooled, flattened features, as a Sequential with the pool spelt out would", () => {
  const model = mobilenetV2({ numClasses: 10, widthMult: 0.5 });
  const spelt = new Sequential(model.features, new AdaptiveAvgPool2d(1), new Flatten(), model.classifier);
  const a = rowsByPath(summary(model, [2, 3, 64, 96]).rows);
  const b = rowsByPath(summary(spelt, [2, 3, 64, 96]).rows);
  const classifier = a.get('classifier')!;
  assert.equal(classifier.inputBytes, 4 * 2 * 1280);
  assert.deepEqual(classifier.receptiveField, b.get('3')!.receptiveField);
  const features = a.get('features')!;
  const [h, w] = features.outputShape!.slice(2);
  assert.deepEqual(classifier.receptiveField, nextField(features.receptiveField!, { kernel: [h, w], stride: [h, w], dilation: [1, 1], padding: [0, 0] }));
  assert.deepEqual(a.get('')!.receptiveField, classifier.receptiveField);
  assert.equal(a.get('')!.macs, b.get('')!.macs);
  assert.deepEqual(summary(model, [2, 3, 64, 96]).rows.map((r) => r.path), model.namedModules().map(([path]) => path));
});

test('ASPP: every branch on the block input, project on their concatenation, the largest field of the branches', () => {
  const head = aspp(8, [1, 2, 3], { outChannels: 4 });
  const s = summary(head, [1, 8, 9, 11]);
  const rows = rowsByPath(s.rows);
  assert.deepEqual(s.rows.slice(0, 3).map((r) => [r.path, r.type, r.branch]), [['', 'ASPP', ''], ['convs', 'ModuleList', '├─'], ['convs.0', 'Sequential', '│    ├─']]);
  for (const i of [0, 1, 2, 3, 4]) {
    assert.equal(rows.get(`convs.${i}`)!.inputBytes, 4 * 8 * 9 * 11);
    assert.deepEqual(rows.get(`convs.${i}`)!.outputShape, [1, 4, 9, 11]);
  }
  assert.equal(rows.get('convs')!.outputShape, null);
  assert.match(formatSummary(s).split('\n').find((l) => l.includes('ModuleList'))!, /ModuleList: convs +-- /);
  assert.equal(rows.get('project')!.inputBytes, 4 * 5 * 4 * 9 * 11);
  // by hand: a 3x3 at dilation d spans 2d + 1; the pooling branch sees the whole 9x11 input
  assert.deepEqual([1, 2, 3].map((i) => rows.get(`convs.${i}`)!.receptiveField!.size), [[3, 3], [5, 5], [7, 7]]);
  assert.deepEqual(rows.get('convs.4')!.receptiveField!.size, [9, 11]);
  assert.deepEqual(rows.get('project')!.receptiveField, rows.get('convs.4')!.receptiveField);
  assert.deepEqual(rows.get('')!.receptiveField, rows.get('convs.4')!.receptiveField);
  // on an input smaller than the widest dilated branch's field, that branch's field is the largest
  const small = rowsByPath(summary(aspp(8, [1, 2, 9], { outChannels: 4 }), [1, 8, 4, 4]).rows);
  assert.deepEqual(small.get('')!.receptiveField, { size: [19, 19], jump: [1, 1], start: [-9, -9] });
});

test("a Bottleneck's downsample gets the block's input, and the block's field is its body's", () => {
  const model = new Sequential(resnextBottleneck(64, 32, { stride: 2 }), resnextBottleneck(128, 64, { stride: 2 }), resnextBottleneck(256, 64));
  const s = summary(model, [1, 64, 16, 16]);
  const rows = rowsByPath(s.rows);
  assert.deepEqual(s.rows.filter((r) => r.depth === 2 && r.path.startsWith('1.')).map((r) => r.path.slice(2)), ['conv1', 'bn1', 'conv2', 'bn2', 'conv3', 'bn3', 'relu', 'downsample']);
  assert.equal(rows.get('1.downsample')!.inputBytes, 4 * 128 * 8 * 8);
  assert.deepEqual(rows.get('1.downsample')!.outputShape, [1, 256, 4, 4]);
  assert.equal(rows.get('1.downsample.0')!.macs, 256 * 4 * 4 * 128);
  // by hand: block 0 is a 3x3 of stride 2 between 1x1s: 3, jump 2, from -1; its downsample, a 1x1 of stride 2: 1, jump 2
  assert.deepEqual(rows.get('0')!.receptiveField, { size: [3, 3], jump: [2, 2], start: [-1, -1] });
  assert.deepEqual(rows.get('0.downsample')!.receptiveField, { size: [1, 1], jump: [2, 2], start: [0, 0] });
  // block 1's downsample sees block 0's output: 3 + 0, jump 4; its body 3 + 2 * 2 = 7, from -1 - 2
  assert.deepEqual(rows.get('1.downsample')!.receptiveField, { size: [3, 3], jump: [4, 4], start: [-1, -1] });
  assert.deepEqual(rows.get('1')!.receptiveField, { size: [7, 7], jump: [4, 4], start: [-3, -3] });
  // block 2 adds its input back unchanged: 7 + 2 * 4
  assert.deepEqual(rows.get('2')!.receptiveField, { size: [15, 15], jump: [4, 4], start: [-7, -7] });
  assert.deepEqual(s.outputShape, [1, 256, 4, 4]);
  assert.match(formatSummary(s), /\n│    └─Sequential: 1\.downsample +\[1, 256, 4, 4\]/);
});

test("MobileNetV2's inverted residuals add their input back: the block's field is its conv's", () => {
  const rows = rowsByPath(summary(mobilenetV2({ widthMult: 0.35 }), [1, 3, 32, 32]).rows);
  for (const path of ['features.3', 'features.5']) assert.deepEqual(rows.get(path)!.receptiveField, rows.get(`${path}.conv`)!.receptiveField);
});

class Feeds extends Module {
  constructor(readonly a: Conv2d, readonly b: Conv2d, readonly inputs: (shape: readonly number[]) => ChildInput[]) {
    super();
  }
  override namedChildren(): Array<[string, Module]> {
    return [['a', this.a], ['b', this.b]];
  }
  override childInputs(inputShape: readonly number[]): ChildInput[] {
    return this.inputs(inputShape);
  }
  override outputShape(inputShape: readonly number[]): number[] {
    return this.b.outputShape(inputShape);
  }
  forward(input: Tensor): Tensor {
    return this.b.forward(input);
  }
  toJSON(): object {
    return {};
  }
}

test('childInputs that do not describe the children, or name a later one, are errors; a ModuleList has no cost of its own', () => {
  const conv = () => new Conv2d(2, 2, 1);
  const later = new Feeds(conv(), conv(), (shape) => [{ shape: [...shape], from: ['b'] }, { shape: [...shape], from: [''] }]);
  assert.throws(() => summary(later, [1, 2, 3, 3]), /summary: Feeds.childInputs feeds a from b, which is not a submodule listed before it/);
  const short = new Feeds(conv(), conv(), (shape) => [{ shape: [...shape], from: [''] }]);
  assert.throws(() => layerCost(short, [1, 2, 3, 3]), /layerCost: Feeds.childInputs must describe its 2 children/);
  assert.throws(() => summary(short, [1, 2, 3, 3]), /Feeds.childInputs must describe its 2 children/);
  const list = new ModuleList(conv(), conv());
  assert.throws(() => layerCost(list, [1, 2, 3, 3]), /layerCost: a ModuleList has no forward/);
  assert.throws(() => summary(list, [1, 2, 3, 3]), /summary: a ModuleList has no forward/);
  assert.deepEqual(list.childInputs([1, 2, 3, 3]), [{ shape: [1, 2, 3, 3], from: [''] }, { shape: [1, 2, 3, 3], from: [''] }]);
});

test('by default children form a chain', () => {
  const model = new Sequential(new Conv2d(3, 4, 3, { stride: 2 }), new Conv2d(4, 5, 1));
  assert.deepEqual(model.childInputs([1, 3, 9, 9]), [{ shape: [1, 3, 9, 9], from: [''] }, { shape: [1, 4, 4, 4], from: ['0'] }]);
  assert.deepEqual(new Conv2d(1, 1, 1).childInputs([1, 1, 2, 2]), []);
});
