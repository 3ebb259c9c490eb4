/** torchvision's ResNet `Bottleneck` in its ResNeXt form (grouped 3x3): `torchvision.models.resnet.Bottleneck`, 0.14. */
import { argError, isInt, show } from '../errors.js';
import type { OnnxExportable, OnnxGraph, OnnxValue } from '../io/onnx/graph.js';
import { BatchNorm2d } from '../nn/batch-norm.js';
import { Conv2d } from '../nn/conv2d.js';
import { Module, checkModule, type ChildInput } from '../nn/module.js';
import { ReLU } from '../nn/relu.js';
import { Sequential } from '../nn/sequential.js';
import { checkOptions, positiveInt } from '../ops/args.js';
import { add } from '../ops/arithmetic.js';
import { relu } from '../ops/relu.js';
import { defaultGenerator, type Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { noJSON } from './sequential-parts.js';
import { inferenceForward } from '../infer/inference.js';

/** ResNet's bottleneck widens its output by this: `planes * 4` channels out. */
export const BOTTLENECK_EXPANSION = 4;

/**
 * torchvision's `Bottleneck(inplanes, planes, stride, downsample, groups, base_width)`: conv1 (1x1 to
 * `width = floor(planes * baseWidth / 64) * groups`), bn1, relu, conv2 (3x3, `stride`, `groups`), bn2,
 * relu, conv3 (1x1 to `planes * 4`), bn3, then the input (through `downsample` where given) added and a
 * final relu. Build it with {@link resnextBottleneck}.
 */
export class Bottleneck extends Module implements OnnxExportable {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly relu = new ReLU();

  constructor(inplanes: number, planes: number, stride: number, groups: number, baseWidth: number, readonly downsample: Module | null, generator: Generator) {
    super();
    const width = Math.floor(planes * (baseWidth / 64)) * groups;
    if (width < 1) throw argError('resnextBottleneck', `the grouped width floor(planes * baseWidth / 64) * groups must be positive, got ${width} (planes=${planes}, baseWidth=${baseWidth}, groups=${groups})`);
    this.conv1 = new Conv2d(inplanes, width, 1, { bias: false, generator });
    this.bn1 = new BatchNorm2d(width);
    this.conv2 = new Conv2d(width, width, 3, { stride, padding: 1, groups, bias: false, generator });
    this.bn2 = new BatchNorm2d(width);
    this.conv3 = new Conv2d(width, planes * BOTTLENECK_EXPANSION, 1, { bias: false, generator });
    this.bn3 = new BatchNorm2d(planes * BOTTLENECK_EXPANSION);
  }

  override namedChildren(): Array<[string, Module]> {
    const children: Array<[string, Module]> = [
      ['conv1', this.conv1], ['bn1', this.bn1], ['conv2', this.conv2], ['bn2', this.bn2], ['conv3', this.conv3], ['bn3', this.bn3], ['relu', this.relu],
    ];
    return this.downsample === null ? children : [...children, ['downsample', this.downsample]];
  }

  /** The three layers before the residual add, in order. */
  private get body(): Array<[string, Module, boolean]> {
    return [['conv1', this.conv1, false], ['bn1', this.bn1, true], ['conv2', this.conv2, false], ['bn2', this.bn2, true], ['conv3', this.conv3, false], ['bn3', this.bn3, false]];
  }

  forward(input: Tensor): Tensor {
    const compiled = inferenceForward(this, input);
    if (compiled !== null) return compiled;
    const out = this.body.reduce((x, [, layer, thenRelu]) => (thenRelu ? relu(layer.forward(x)) : layer.forward(x)), input);
    return relu(add(out, this.downsample === null ? input : this.downsample.forward(input)));
  }

  override outputShape(inputShape: readonly number[]): number[] {
    const out = this.body.reduce((shape, [, layer]) => layer.outputShape(shape), [...inputShape]);
    const identity = this.downsample === null ? [...inputShape] : this.downsample.outputShape(inputShape);
    if (out.join() !== identity.join()) {
      throw argError('Bottleneck', `the residual (shape ${show(identity)}) does not match the block's output (shape ${show(out)}): give a downsample`);
    }
    return out;
  }

  /**
   * The body in order, `relu` on bn3's output (its last use is on the residual sum, of that shape), then
   * `downsample` on the block's input.
   */
  override childInputs(inputShape: readonly number[]): ChildInput[] {
    const inputs = super.childInputs(inputShape); // conv1 ... bn3, relu: a chain, as namedChildren lists them
    if (this.downsample !== null) inputs[inputs.length - 1] = { shape: [...inputShape], from: [''] }; // listed last
    return inputs;
  }

  /** The body, `Add` of the (downsampled) input, `Relu`; torch.onnx names the nodes by module the same way. */
  toOnnx(graph: OnnxGraph, input: OnnxValue): OnnxValue {
    const out = this.body.reduce((x, [name, layer, thenRelu]) => {
      const y = graph.module(layer, x, name);
      return thenRelu ? graph.module(this.relu, y, 'relu') : y;
    }, input);
    const identity = this.downsample === null ? input : graph.module(this.downsample, input, 'downsample');
    return graph.module(this.relu, graph.node('Add', [out, identity], out.shape), 'relu');
  }

  /** Throws: built by `resnextBottleneck`, not JSON. */
  toJSON(): object {
    throw noJSON('Bottleneck', 'resnextBottleneck()');
  }
}

/** `resnextBottleneck`'s options: torchvision's `Bottleneck` arguments past `inplanes` and `planes`. */
export interface ResNeXtBottleneckOptions {
  /** The 3x3 convolution's stride (and the downsample's). Default 1. */
  stride?: number;
  /** Groups of the 3x3 convolution (ResNeXt-50 32x4d: 32). Default 32. */
  groups?: number;
  /** Channels per group at `planes = 64` (ResNeXt-50 32x4d: 4). Default 4. */
  baseWidth?: number;
  /**
   * What the input goes through before the add: a module, `null` for none, or left out for what
   * torchvision's `ResNet._make_layer` builds: where `stride != 1` or `inplanes != planes * 4`,
   * `Sequential(Conv2d(inplanes, planes * 4, 1, stride, bias=False), BatchNorm2d(planes * 4))`, else none.
   */
  downsample?: Module | null;
  /** Draw the initial weights from this generator instead of the default one. */
  generator?: Generator;
}

const OPTIONS = ['stride', 'groups', 'baseWidth', 'downsample', 'generator'];

/**
 * A ResNeXt bottleneck block, torchvision's `Bottleneck(inplanes, planes, stride, downsample, groups=32,
 * base_width=4)` as ResNeXt-50 32x4d uses it: module names `conv1`, `bn1`, `conv2`, `bn2`, `conv3`,
 * `bn3`, `relu`, `downsample`, with the same state-dict keys. Weights start as PyTorch's default
 * `Conv2d` initialisation (a standalone torchvision `Bottleneck` does not re-initialise them).
 * @example
 * const block = resnextBottleneck(256, 128, { stride: 2 }); // 256 -> 512 channels, grouped 3x3 of width 256
 */
export function resnextBottleneck(inplanes: number, planes: number, options: ResNeXtBottleneckOptions = {}): Bottleneck {
  const where = 'resnextBottleneck';
  checkOptions(where, options, OPTIONS);
  positiveInt(where, 'inplanes', inplanes);
  positiveInt(where, 'planes', planes);
  const stride = positiveInt(where, 'stride', options.stride ?? 1);
  const groups = positiveInt(where, 'groups', options.groups ?? 32);
  const baseWidth = options.baseWidth ?? 4;
  if (!isInt(baseWidth) || baseWidth < 1) throw argError(where, `baseWidth must be a positive integer, got ${show(baseWidth)}`);
  const generator = options.generator ?? defaultGenerator;
  const outplanes = planes * BOTTLENECK_EXPANSION;
  let downsample = options.downsample;
  if (downsample === undefined) {
    downsample = stride !== 1 || inplanes !== outplanes
      ? new Sequential(new Conv2d(inplanes, outplanes, 1, { stride, bias: false, generator }), new BatchNorm2d(outplanes))
      : null;
  } else if (downsample !== null) checkModule(`${where}: downsample`, downsample);
  return new Bottleneck(inplanes, planes, stride, groups, baseWidth, downsample, generator);
}
