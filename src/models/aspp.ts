/** DeepLabV3's ASPP head: `torchvision.models.segmentation.deeplabv3.ASPP` (0.14), with its module names. */
import { argError, isInt, show } from '../errors.js';
import type { OnnxExportable, OnnxGraph, OnnxValue } from '../io/onnx/graph.js';
import { AdaptiveAvgPool2d } from '../nn/pool.js';
import { BatchNorm2d } from '../nn/batch-norm.js';
import { Conv2d } from '../nn/conv2d.js';
import { Dropout } from '../nn/dropout.js';
import { Module, type ChildInput } from '../nn/module.js';
import { ModuleList } from '../nn/module-list.js';
import { ReLU } from '../nn/relu.js';
import { Sequential } from '../nn/sequential.js';
import { checkOptions, positiveInt } from '../ops/args.js';
import { add } from '../ops/arithmetic.js';
import { cat, catShape } from '../ops/cat.js';
import { defaultGenerator, type Generator } from '../random.js';
import { zeros, type Tensor } from '../tensor.js';
import { NamedSequential, noJSON, sequenceToOnnx } from './sequential-parts.js';
import { inferenceForward } from '../infer/inference.js';

/** torchvision's `ASPPConv(in, out, dilation)`: a bias-free 3x3 convolution padded and dilated by `dilation`, BatchNorm2d, ReLU. */
export class ASPPConv extends NamedSequential {
  constructor(inChannels: number, outChannels: number, dilation: number, generator: Generator = defaultGenerator) {
    super(new Conv2d(inChannels, outChannels, 3, { padding: dilation, dilation, bias: false, generator }), new BatchNorm2d(outChannels), new ReLU());
  }
}

/**
 * torchvision's `ASPPPooling(in, out)`: the image's mean per channel (AdaptiveAvgPool2d(1)), a bias-free
 * 1x1 convolution, BatchNorm2d, ReLU, then spread back over the input's height and width. torchvision
 * spreads it with `F.interpolate(mode='bilinear', align_corners=False)`, which on a 1x1 map gives every
 * pixel the one value: a broadcast, which is what this does.
 */
export class ASPPPooling extends Sequential implements OnnxExportable {
  constructor(inChannels: number, outChannels: number, generator: Generator = defaultGenerator) {
    super(new AdaptiveAvgPool2d(1), new Conv2d(inChannels, outChannels, 1, { bias: false, generator }), new BatchNorm2d(outChannels), new ReLU());
  }

  override forward(input: Tensor): Tensor {
    const pooled = super.forward(input);
    const [n, c, h, w] = pooled.shape;
    // Only a 1x1 map upsamples to a broadcast; AdaptiveAvgPool2d(1) always makes one.
    if (h !== 1 || w !== 1) throw argError('ASPPPooling', `expected the pooled map to be 1x1, got ${show(pooled.shape)}`);
    return add(pooled, zeros([n, c, input.shape[2], input.shape[3]]));
  }

  override outputShape(inputShape: readonly number[]): number[] {
    const [n, c] = super.outputShape(inputShape);
    return [n, c, inputShape[2], inputShape[3]];
  }

  /** The layers, then `Expand` of the 1x1 map to the input's height and width (the batch dimension stays free). */
  toOnnx(graph: OnnxGraph, input: OnnxValue): OnnxValue {
    const pooled = sequenceToOnnx(this.layers, graph, input);
    const shape = this.outputShape(input.shape);
    const size = graph.constant('Constant', [4], 'int64', [1, 1, shape[2], shape[3]]);
    return graph.node('Expand', [pooled, size], shape);
  }

  /** Throws: its forward is not a Sequential's. */
  override toJSON(): object {
    throw noJSON('ASPPPooling', 'aspp()');
  }
}

/**
 * torchvision's `ASPP(in_channels, atrous_rates, out_channels)`: five branches side by side on the same
 * input (`convs`: a 1x1 convolution, three {@link ASPPConv} at the three rates, {@link ASPPPooling}),
 * joined along channels, then `project` (1x1 convolution to `outChannels`, BatchNorm2d, ReLU,
 * Dropout(0.5)). Build it with {@link aspp}.
 */
export class ASPP extends Module implements OnnxExportable {
  constructor(readonly convs: ModuleList, readonly project: Sequential) {
    super();
  }

  override namedChildren(): Array<[string, Module]> {
    return [['convs', this.convs], ['project', this.project]];
  }

  forward(input: Tensor): Tensor {
    const compiled = inferenceForward(this, input);
    if (compiled !== null) return compiled;
    return this.project.forward(cat(this.convs.modules.map((branch) => branch.forward(input)), 1));
  }

  override outputShape(inputShape: readonly number[]): number[] {
    const { shape } = catShape('ASPP', this.convs.modules.map((branch) => branch.outputShape(inputShape)), 1);
    return this.project.outputShape(shape);
  }

  /** `convs` (every branch) on the block's input; `project` on the branches' outputs joined along channels. */
  override childInputs(inputShape: readonly number[]): ChildInput[] {
    const { shape } = catShape('ASPP', this.convs.modules.map((branch) => branch.outputShape(inputShape)), 1);
    return [{ shape: [...inputShape], from: [''] }, { shape, from: this.convs.namedChildren().map(([i]) => `convs.${i}`) }];
  }

  /** Each branch, `Concat` along channels, `project`. */
  toOnnx(graph: OnnxGraph, input: OnnxValue): OnnxValue {
    const branches = this.convs.modules.map((branch, i) => graph.module(branch, input, `convs.${i}`));
    const { shape } = catShape('ASPP', branches.map((b) => b.shape), 1);
    return graph.module(this.project, graph.node('Concat', branches, shape, { axis: 1 }), 'project');
  }

  /** Throws: built by `aspp`, not JSON. */
  toJSON(): object {
    throw noJSON('ASPP', 'aspp()');
  }
}

/** `aspp`'s options. */
export interface ASPPOptions {
  /** Channels of every branch and of the output. Default 256. */
  outChannels?: number;
  /** Draw the initial weights from this generator instead of the default one. */
  generator?: Generator;
}

/**
 * DeepLabV3's ASPP head as `torchvision.models.segmentation.deeplabv3.ASPP(in_channels, atrous_rates,
 * out_channels=256)` builds it: the same modules, names (`convs.0.0.weight`, `convs.4.1.running_mean`,
 * `project.0.weight`, ...) and printed form. `atrousRates` are the three dilations (DeepLabV3 uses
 * [12, 24, 36], or [6, 12, 18] at output stride 16). Weights start as PyTorch's default initialisation.
 * @example
 * const head = aspp(2048, [12, 24, 36]).eval();
 * noGrad(() => head.forward(features)).shape; // [N, 256, H, W]
 */
export function aspp(inChannels: number, atrousRates: readonly number[], options: ASPPOptions = {}): ASPP {
  const where = 'aspp';
  checkOptions(where, options, ['outChannels', 'generator']);
  positiveInt(where, 'inChannels', inChannels);
  const outChannels = positiveInt(where, 'outChannels', options.outChannels ?? 256);
  if (!Array.isArray(atrousRates) || atrousRates.length !== 3 || !atrousRates.every((r) => isInt(r) && r > 0)) {
    throw argError(where, `atrousRates must be three positive integers, got ${show(atrousRates)}`);
  }
  const generator = options.generator ?? defaultGenerator;
  const convs = new ModuleList(
    new Sequential(new Conv2d(inChannels, outChannels, 1, { bias: false, generator }), new BatchNorm2d(outChannels), new ReLU()),
    ...atrousRates.map((rate) => new ASPPConv(inChannels, outChannels, rate, generator)),
    new ASPPPooling(inChannels, outChannels, generator),
  );
  const project = new Sequential(new Conv2d(convs.length * outChannels, outChannels, 1, { bias: false, generator }), new BatchNorm2d(outChannels), new ReLU(), new Dropout(0.5));
  return new ASPP(convs, project);
}
