/** torchvision's MobileNetV2 (`torchvision.models.mobilenet_v2`, 0.14): the same modules, names and state-dict keys. */
import { argError, isInt, show } from '../errors.js';
import type { OnnxExportable, OnnxGraph, OnnxValue } from '../io/onnx/graph.js';
import { BatchNorm2d } from '../nn/batch-norm.js';
import { Conv2d } from '../nn/conv2d.js';
import { Dropout } from '../nn/dropout.js';
import { Linear } from '../nn/linear.js';
import { Module, type ChildInput } from '../nn/module.js';
import { Sequential } from '../nn/sequential.js';
import { checkOptions } from '../ops/args.js';
import { add } from '../ops/arithmetic.js';
import { adaptiveAvgPool2d } from '../ops/pool.js';
import { flatten } from '../ops/shape.js';
import { defaultGenerator, type Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { Conv2dNormActivation, kaimingNormalFanOut, noJSON, normal_ } from './sequential-parts.js';
import { inferenceForward } from '../infer/inference.js';

/** torchvision's `_make_divisible`: `v` rounded to the nearest multiple of `divisor`, never below it nor below 90% of `v`. */
export function makeDivisible(v: number, divisor: number): number {
  let rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

/**
 * MobileNetV2's block, torchvision's `InvertedResidual(inp, oup, stride, expand_ratio)`: a 1x1 expansion
 * to `inp * expandRatio` channels (left out at ratio 1), a depthwise 3x3 (both Conv2dNormActivation with
 * ReLU6), a linear 1x1 projection and BatchNorm2d, all in `conv`; the input is added back where stride is 1
 * and `inp == oup`.
 */
export class InvertedResidual extends Module implements OnnxExportable {
  readonly conv: Sequential;
  /** Whether the input is added to the output (stride 1 and as many channels out as in). */
  readonly useResConnect: boolean;

  constructor(readonly inp: number, readonly oup: number, readonly stride: number, readonly expandRatio: number, generator: Generator = defaultGenerator) {
    super();
    if (stride !== 1 && stride !== 2) throw argError('InvertedResidual', `stride should be 1 or 2 instead of ${show(stride)}`);
    const hidden = Math.round(inp * expandRatio);
    this.useResConnect = stride === 1 && inp === oup;
    this.conv = new Sequential(
      ...(expandRatio === 1 ? [] : [new Conv2dNormActivation(inp, hidden, { kernelSize: 1, generator })]),
      new Conv2dNormActivation(hidden, hidden, { stride, groups: hidden, generator }),
      new Conv2d(hidden, oup, 1, { bias: false, generator }),
      new BatchNorm2d(oup),
    );
  }

  override namedChildren(): Array<[string, Module]> {
    return [['conv', this.conv]];
  }

  forward(input: Tensor): Tensor {
    const y = this.conv.forward(input);
    return this.useResConnect ? add(input, y) : y;
  }

  override outputShape(inputShape: readonly number[]): number[] {
    return this.conv.outputShape(inputShape);
  }

  /** `conv`, then an `Add` of the input where the block adds it. */
  toOnnx(graph: OnnxGraph, input: OnnxValue): OnnxValue {
    const y = graph.module(this.conv, input, 'conv');
    return this.useResConnect ? graph.node('Add', [input, y], y.shape) : y;
  }

  /** Throws: built by `mobilenetV2`, not JSON. */
  toJSON(): object {
    throw noJSON('InvertedResidual', 'new InvertedResidual(...) or mobilenetV2()');
  }
}

/** `mobilenetV2`'s options: torchvision's `mobilenet_v2(num_classes, width_mult, round_nearest)` arguments. */
export interface MobileNetV2Options {
  /** Output classes. Default 1000. */
  numClasses?: number;
  /** Scales every layer's channels (rounded by `roundNearest`); the last layer keeps at least 1280. Default 1. */
  widthMult?: number;
  /** Channel counts are rounded to a multiple of this. Default 8. */
  roundNearest?: number;
  /** Draw the initial weights from this generator instead of the default one. */
  generator?: Generator;
}

// t (expansion), c (channels), n (repeats), s (stride of the first)
const SETTINGS: ReadonlyArray<readonly [number, number, number, number]> = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

/**
 * torchvision's `MobileNetV2`: `features` (a Sequential of Conv2dNormActivation and InvertedResidual blocks),
 * global average pooling and flatten (functional, as in torchvision, so they hold no module), then
 * `classifier` (Dropout(0.2), Linear). Build it with {@link mobilenetV2}.
 */
export class MobileNetV2 extends Module implements OnnxExportable {
  constructor(readonly features: Sequential, readonly classifier: Sequential) {
    super();
  }

  override namedChildren(): Array<[string, Module]> {
    return [['features', this.features], ['classifier', this.classifier]];
  }

  /** Logits `(N, numClasses)` for images `(N, 3, H, W)`. */
  forward(input: Tensor): Tensor {
    const compiled = inferenceForward(this, input);
    if (compiled !== null) return compiled;
    const features = this.features.forward(input);
    return this.classifier.forward(flatten(adaptiveAvgPool2d(features, 1), 1));
  }

  override outputShape(inputShape: readonly number[]): number[] {
    const [n, c] = this.features.outputShape(inputShape);
    return this.classifier.outputShape([n, c]);
  }

  /** `features` on the images; `classifier` on their mean over height and width, flattened to `(N, C)`. */
  override childInputs(inputShape: readonly number[]): ChildInput[] {
    const [n, c] = this.features.outputShape(inputShape);
    return [{ shape: [...inputShape], from: [''] }, { shape: [n, c], from: ['features'], pooled: true }];
  }

  /** `features`, GlobalAveragePool, Flatten, `classifier`: torch.onnx's form. */
  toOnnx(graph: OnnxGraph, input: OnnxValue): OnnxValue {
    const features = graph.module(this.features, input, 'features');
    const [n, c] = features.shape;
    const pooled = graph.node('GlobalAveragePool', [features], [n, c, 1, 1]);
    return graph.module(this.classifier, graph.node('Flatten', [pooled], [n, c], { axis: 1 }), 'classifier');
  }

  /** Throws: built by `mobilenetV2`, not JSON. */
  toJSON(): object {
    throw noJSON('MobileNetV2', 'mobilenetV2()');
  }
}

const OPTIONS = ['numClasses', 'widthMult', 'roundNearest', 'generator'];

/**
 * MobileNetV2 as `torchvision.models.mobilenet_v2(num_classes=..., width_mult=..., round_nearest=...)`
 * builds it (no pretrained weights: load them with `loadStateDict`, e.g. from a safetensors file written
 * by `tools/torch/to_safetensors.py`): the same modules, names, state-dict keys and printed form (except
 * that convkit's ReLU6 prints no `inplace=True`), and torchvision's initialisation drawn from convkit's
 * generator: convolutions kaiming-normal (fan_out), BatchNorm ones and zeros, Linear normal(0, 0.01) with a
 * zero bias.
 * @example
 * const model = mobilenetV2({ numClasses: 10, widthMult: 0.5 }).eval();
 * model.loadStateDict(readFileSync('mobilenet_v2.safetensors'));
 * noGrad(() => model.forward(images)); // (N, 10)
 */
export function mobilenetV2(options: MobileNetV2Options = {}): MobileNetV2 {
  const where = 'mobilenetV2';
  checkOptions(where, options, OPTIONS);
  const numClasses = options.numClasses ?? 1000;
  const widthMult = options.widthMult ?? 1;
  const roundNearest = options.roundNearest ?? 8;
  const generator = options.generator ?? defaultGenerator;
  if (!isInt(numClasses) || numClasses < 1) throw argError(where, `numClasses must be a positive integer, got ${show(numClasses)}`);
  if (typeof widthMult !== 'number' || !(widthMult > 0) || !Number.isFinite(widthMult)) throw argError(where, `widthMult must be a positive number, got ${show(widthMult)}`);
  if (!isInt(roundNearest) || roundNearest < 1) throw argError(where, `roundNearest must be a positive integer, got ${show(roundNearest)}`);

  let inputChannel = makeDivisible(32 * widthMult, roundNearest);
  const lastChannel = makeDivisible(1280 * Math.max(1, widthMult), roundNearest);
  const layers: Module[] = [new Conv2dNormActivation(3, inputChannel, { stride: 2, generator })];
  for (const [t, c, n, s] of SETTINGS) {
    const outputChannel = makeDivisible(c * widthMult, roundNearest);
    for (let i = 0; i < n; i++) {
      layers.push(new InvertedResidual(inputChannel, outputChannel, i === 0 ? s : 1, t, generator));
      inputChannel = outputChannel;
    }
  }
  layers.push(new Conv2dNormActivation(inputChannel, lastChannel, { kernelSize: 1, generator }));
  const model = new MobileNetV2(new Sequential(...layers), new Sequential(new Dropout(0.2), new Linear(lastChannel, numClasses, { generator })));
  for (const [, m] of model.namedModules()) {
    if (m instanceof Conv2d) kaimingNormalFanOut(m, generator);
    else if (m instanceof Linear) {
      normal_(m.weight, 0.01, generator);
      m.bias?.data.fill(0);
      m.bias?.markChanged();
    }
  }
  return model;
}
