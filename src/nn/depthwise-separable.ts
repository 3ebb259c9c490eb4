/** The tutorial's `DepthwiseSeparableConv`: a depthwise convolution, then a 1x1 pointwise one. */
import type { Activation } from '../backend/backend.js';
import { checkOptions, positiveInt, type IntOrPair } from '../ops/args.js';
import { conv2dChain, type Conv2dStep, type Padding } from '../ops/conv2d.js';
import type { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { Conv2d } from './conv2d.js';
import { Module } from './module.js';

export interface DepthwiseSeparableOptions {
  /** Padding of the depthwise convolution. Default 1 (the tutorial's), which keeps H and W for a 3x3 kernel. */
  padding?: Padding;
  stride?: IntOrPair;
  dilation?: IntOrPair;
  /** Bias on both convolutions. Default true. */
  bias?: boolean;
  generator?: Generator;
}

/**
 * MobileNet's factorised convolution, as the tutorial's PyTorch module builds it:
 * `depthwise = Conv2d(in, in, k, padding, groups=in)` mixes space per channel, then
 * `pointwise = Conv2d(in, out, 1)` mixes channels. State-dict keys are the tutorial's
 * (`depthwise.weight`, `depthwise.bias`, `pointwise.weight`, `pointwise.bias`), so its weights load unchanged.
 *
 * @example
 * new DepthwiseSeparableConv2d(64, 128).forward(randn([1, 64, 32, 32])).shape; // [1, 128, 32, 32]
 */
export class DepthwiseSeparableConv2d extends Module {
  readonly depthwise: Conv2d;
  readonly pointwise: Conv2d;

  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair = 3, options: DepthwiseSeparableOptions = {}) {
    super();
    checkOptions('DepthwiseSeparableConv2d', options, ['padding', 'stride', 'dilation', 'bias', 'generator']);
    positiveInt('DepthwiseSeparableConv2d', 'inChannels', inChannels);
    const { padding = 1, stride, dilation, bias, generator } = options;
    this.depthwise = new Conv2d(inChannels, inChannels, kernelSize, { padding, stride, dilation, bias, generator, groups: inChannels });
    this.pointwise = new Conv2d(inChannels, outChannels, 1, { bias, generator });
  }

  override namedChildren(): Array<[string, Module]> {
    return [['depthwise', this.depthwise], ['pointwise', this.pointwise]];
  }

  forward(input: Tensor): Tensor {
    return this.forwardActivation(input, 'none');
  }

  /** Both convolutions as steps of a convolution chain, `activation` applied as the pointwise one writes. */
  convSteps(activation: Activation): Conv2dStep[] | null {
    const depthwise = this.depthwise.convSteps('none');
    const pointwise = this.pointwise.convSteps(activation);
    return depthwise && pointwise && [...depthwise, ...pointwise];
  }

  /**
   * `forward`, with `activation` applied as the pointwise convolution writes its output. The two run as
   * one chain: on the wasm backend the depthwise output stays in WebAssembly memory.
   */
  forwardActivation(input: Tensor, activation: Activation): Tensor {
    return conv2dChain(input, this.convSteps(activation) as Conv2dStep[]); // both pad with zeros: never null
  }

  /** The constructor arguments, as `moduleFromJSON` reads them. */
  toJSON(): object {
    const { inChannels, kernelSize, padding, stride, dilation, bias } = this.depthwise;
    return { type: 'DepthwiseSeparableConv2d', inChannels, outChannels: this.pointwise.outChannels, kernelSize, padding, stride, dilation, bias: bias !== null };
  }

  override outputShape(inputShape: readonly number[]): number[] {
    return this.pointwise.outputShape(this.depthwise.outputShape(inputShape));
  }
}
