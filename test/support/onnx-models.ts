/**
 * The models the ONNX export is checked on: every convkit module and every option that changes its
 * ONNX form, and a module of a user's own that declares its form (a residual block, with `Add`).
 * test/io/onnx.test.ts decodes their graphs; tools/onnx/runtime-parity.ts runs them in onnxruntime.
 */
import type { OnnxExportable, OnnxGraph, OnnxValue } from '../../src/io/onnx/graph.js';
import {
  AdaptiveAvgPool2d, add, AvgPool2d, BatchNorm2d, Conv2d, DepthwiseSeparableConv2d, Dropout, Flatten, Generator, Hardswish, Identity, Linear,
  MaxPool2d, Module, ReLU, ReLU6, Sequential, uniform, type Tensor,
} from '../../src/index.js';
import { aspp, mobilenetV2, resnextBottleneck } from '../../src/models/index.js';

/** `body(x) + x`, as MobileNetV2's inverted residual adds its input: a module convkit's exporter does not know, with its own `toOnnx`. */
export class Residual extends Module implements OnnxExportable {
  constructor(readonly body: Module) {
    super();
  }

  override namedChildren(): Array<[string, Module]> {
    return [['body', this.body]];
  }

  forward(input: Tensor): Tensor {
    return add(this.body.forward(input), input);
  }

  toJSON(): object {
    return { type: 'Residual' };
  }

  override outputShape(inputShape: readonly number[]): number[] {
    return this.body.outputShape(inputShape);
  }

  toOnnx(graph: OnnxGraph, input: OnnxValue): OnnxValue {
    return graph.node('Add', [graph.module(this.body, input, 'body'), input], input.shape);
  }
}

/** Batch normalisation with running statistics and an affine transform away from their initial values. */
function trainedBatchNorm(channels: number, g: Generator, affine = true): BatchNorm2d {
  const bn = new BatchNorm2d(channels, { affine, eps: 1e-3 });
  bn.runningMean?.data.set(uniform([channels], -1, 1, g).data);
  bn.runningVar?.data.set(uniform([channels], 0.5, 2, g).data);
  bn.weight?.data.set(uniform([channels], 0.5, 1.5, g).data);
  bn.bias?.data.set(uniform([channels], -0.5, 0.5, g).data);
  return bn;
}

export interface OnnxModelCase {
  name: string;
  /** The input's shape for the export; the runtime checks run it at this batch and another. */
  inputShape: number[];
  /** The lowest opset the model exports at, where above the exporter's. */
  minOpset?: number;
  build(g: Generator): Module;
}

export const ONNX_MODEL_CASES: readonly OnnxModelCase[] = [
  { name: 'conv', inputShape: [2, 3, 9, 11], build: (g) => new Conv2d(3, 8, 3, { padding: 1, generator: g }) },
  {
    name: 'conv-attributes', inputShape: [2, 4, 12, 10],
    build: (g) => new Conv2d(4, 6, [3, 2], { stride: [2, 1], padding: [1, 2], dilation: [2, 1], groups: 2, bias: false, generator: g }),
  },
  { name: 'conv-same', inputShape: [2, 3, 8, 9], build: (g) => new Conv2d(3, 4, [4, 3], { padding: 'same', dilation: [1, 2], generator: g }) },
  { name: 'conv-valid', inputShape: [2, 3, 10, 10], build: (g) => new Conv2d(3, 5, 3, { padding: 'valid', stride: 2, generator: g }) },
  { name: 'conv-reflect', inputShape: [2, 3, 8, 8], build: (g) => new Conv2d(3, 4, 3, { padding: [2, 1], paddingMode: 'reflect', generator: g }) },
  { name: 'conv-replicate-crop', inputShape: [2, 2, 9, 8], build: (g) => new Conv2d(2, 3, 3, { padding: [-1, 2], paddingMode: 'replicate', generator: g }) },
  { name: 'conv-circular', inputShape: [2, 3, 7, 8], minOpset: 19, build: (g) => new Conv2d(3, 4, 3, { padding: 'same', paddingMode: 'circular', stride: 1, generator: g }) },
  { name: 'depthwise-separable', inputShape: [2, 6, 10, 10], build: (g) => new DepthwiseSeparableConv2d(6, 8, 3, { stride: 2, dilation: 1, generator: g }) },
  {
    name: 'conv-bn-relu', inputShape: [3, 3, 8, 8],
    build: (g) => new Sequential(new Conv2d(3, 6, 3, { padding: 1, generator: g }), trainedBatchNorm(6, g), new ReLU(), new Conv2d(6, 4, 1, { generator: g }), trainedBatchNorm(4, g, false)),
  },
  { name: 'maxpool-ceil', inputShape: [2, 3, 10, 9], build: () => new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }) },
  { name: 'maxpool-dilated', inputShape: [2, 2, 11, 12], build: () => new MaxPool2d([3, 2], { stride: [2, 1], dilation: [2, 3], ceilMode: true }) },
  // the last window ceil mode would start in the end padding, which PyTorch drops (9x9 pools to 5x5, not 6x6)
  { name: 'maxpool-ceil-edge', inputShape: [2, 2, 9, 9], build: () => new MaxPool2d(2, { stride: 2, padding: 1, ceilMode: true }) },
  { name: 'avgpool-ceil-edge', inputShape: [2, 2, 9, 9], build: () => new AvgPool2d(2, { stride: 2, padding: 1, ceilMode: true }) },
  { name: 'avgpool', inputShape: [2, 3, 9, 10], build: () => new AvgPool2d(2) },
  { name: 'avgpool-pad-ceil', inputShape: [2, 3, 10, 9], build: () => new AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true }) },
  { name: 'avgpool-exclude-pad', inputShape: [2, 3, 10, 9], build: () => new AvgPool2d([3, 2], { stride: [2, 3], padding: [1, 1], ceilMode: true, countIncludePad: false }) },
  { name: 'avgpool-divisor', inputShape: [2, 3, 10, 9], build: () => new AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, divisorOverride: 5 }) },
  { name: 'adaptive-global', inputShape: [2, 5, 7, 6], build: () => new AdaptiveAvgPool2d(1) },
  { name: 'adaptive-even', inputShape: [2, 3, 8, 9], build: () => new AdaptiveAvgPool2d([2, null]) },
  {
    name: 'classifier-head', inputShape: [2, 8, 5, 5],
    build: (g) => new Sequential(new AdaptiveAvgPool2d(1), new Flatten(), new Dropout(0.2, { generator: g }), new Linear(8, 6, { generator: g }), new ReLU6(), new Hardswish(), new Identity(), new Linear(6, 3, { bias: false, generator: g })),
  },
  { name: 'linear-3d', inputShape: [2, 4, 7], build: (g) => new Linear(7, 5, { generator: g }) },
  { name: 'flatten-middle', inputShape: [2, 3, 4, 5], build: () => new Flatten(1, 2) },
  { name: 'flatten-batch', inputShape: [2, 3, 4, 5], build: () => new Flatten(0, -2) },
  { name: 'activations', inputShape: [2, 3, 4, 4], build: () => new Sequential(new Hardswish(), new ReLU6()) },
  { name: 'identity', inputShape: [2, 3], build: () => new Identity() },
  {
    // MobileNetV2's inverted residual: expand 1x1, depthwise 3x3, project 1x1, each with batch norm, plus the input
    name: 'inverted-residual', inputShape: [2, 8, 8, 8],
    build: (g) => new Residual(new Sequential(
      new Conv2d(8, 24, 1, { bias: false, generator: g }), trainedBatchNorm(24, g), new ReLU6(),
      new Conv2d(24, 24, 3, { padding: 1, groups: 24, bias: false, generator: g }), trainedBatchNorm(24, g), new ReLU6(),
      new Conv2d(24, 8, 1, { bias: false, generator: g }), trainedBatchNorm(8, g),
    )),
  },
  // convkit/models: torchvision's architectures, whose blocks declare their own ONNX forms (Add, Concat, Expand)
  { name: 'mobilenet-v2', inputShape: [2, 3, 32, 32], build: (g) => mobilenetV2({ numClasses: 10, widthMult: 0.25, generator: g }) },
  { name: 'resnext-bottleneck', inputShape: [2, 32, 8, 8], build: (g) => resnextBottleneck(32, 16, { stride: 2, groups: 8, generator: g }) },
  { name: 'aspp', inputShape: [2, 16, 9, 9], build: (g) => aspp(16, [1, 2, 3], { outChannels: 8, generator: g }) },
];
