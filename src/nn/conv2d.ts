/** `Conv2d`: PyTorch's `torch.nn.Conv2d`, with its defaults, initialisation and `padding_mode`. */
import { argError, show } from '../errors.js';
import type { Activation, ConvGeometry } from '../backend/backend.js';
import { CONV2D_OPTIONS, conv2dActivation, conv2dGeometry, resolvePadding, type Conv2dOptions, type Conv2dStep, type Padding, type Sides } from '../ops/conv2d.js';
import { checkOptions, pair, positiveInt, type IntOrPair } from '../ops/args.js';
import { pad, padGeometry } from '../ops/pad.js';
import { defaultGenerator, type Generator } from '../random.js';
import { uniform, type Tensor } from '../tensor.js';
import { Module } from './module.js';

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';
export const PADDING_MODES: readonly PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

export interface Conv2dModuleOptions extends Conv2dOptions {
  /** Learn an additive bias per output channel. Default true. */
  bias?: boolean;
  /** What the padding holds: `'zeros'` (default), or the input mirrored, repeated at the edge, or wrapped around. */
  paddingMode?: PaddingMode;
  /** Draw the initial weights from this generator instead of the default one. */
  generator?: Generator;
}

const MODULE_OPTIONS = [...CONV2D_OPTIONS, 'bias', 'paddingMode', 'generator'];

/**
 * A 2-D convolution layer, exactly PyTorch's `nn.Conv2d(in_channels, out_channels, kernel_size, ...)`:
 * weight `(outChannels, inChannels / groups, kH, kW)` and bias `(outChannels)` start uniform in
 * `±1/sqrt(fan_in)` with `fan_in = inChannels / groups * kH * kW`, drawn from the seeded generator; both
 * require grad, so a forward pass records what `backward` needs (run inference in `noGrad`).
 *
 * @example
 * const conv = new Conv2d(64, 64, 3, { padding: 1, groups: 4 });
 * conv.forward(randn([1, 64, 32, 32])).shape; // [1, 64, 32, 32]
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  /** As given: `[h, w]`, `'same'` or `'valid'`. */
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  weight: Tensor;
  bias: Tensor | null;
  /** The padding of each side that `padding` resolves to (negative: cropped, with a `paddingMode` other than zeros). */
  readonly sides: Readonly<Sides>;

  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, options: Conv2dModuleOptions = {}) {
    super();
    const where = 'Conv2d';
    checkOptions(where, options, MODULE_OPTIONS);
    this.inChannels = positiveInt(where, 'inChannels', inChannels);
    this.outChannels = positiveInt(where, 'outChannels', outChannels);
    this.kernelSize = pair(where, 'kernelSize', kernelSize, 1);
    this.stride = pair(where, 'stride', options.stride ?? 1, 1);
    this.dilation = pair(where, 'dilation', options.dilation ?? 1, 1);
    this.groups = positiveInt(where, 'groups', options.groups ?? 1);
    if (inChannels % this.groups !== 0) throw argError(where, `groups=${this.groups} must divide inChannels=${inChannels}`);
    if (outChannels % this.groups !== 0) throw argError(where, `groups=${this.groups} must divide outChannels=${outChannels}`);
    const paddingMode = options.paddingMode ?? 'zeros';
    if (!PADDING_MODES.includes(paddingMode)) {
      throw argError(where, `paddingMode must be one of ${PADDING_MODES.map(show).join(', ')}, got ${show(paddingMode)}`);
    }
    this.paddingMode = paddingMode;
    const padding: Padding = options.padding ?? 0;
    // With a paddingMode, PyTorch pads with F.pad first, which takes negative sizes (cropping).
    const minPadding = paddingMode === 'zeros' ? 0 : -Infinity;
    this.sides = Object.freeze(resolvePadding(where, padding, this.kernelSize, this.dilation, this.stride, minPadding));
    this.padding = typeof padding === 'string' ? padding : [this.sides.top, this.sides.left];
    const bias = options.bias ?? true;
    if (typeof bias !== 'boolean') throw argError(where, `bias must be true or false, got ${show(bias)}`);

    const generator = options.generator ?? defaultGenerator;
    const bound = 1 / Math.sqrt((inChannels / this.groups) * this.kernelSize[0] * this.kernelSize[1]);
    this.weight = uniform([outChannels, inChannels / this.groups, ...this.kernelSize], -bound, bound, generator).requiresGrad_();
    this.bias = bias ? uniform([outChannels], -bound, bound, generator).requiresGrad_() : null;
  }

  protected override ownParameters(): Array<[string, Tensor]> {
    return this.bias === null ? [['weight', this.weight]] : [['weight', this.weight], ['bias', this.bias]];
  }

  /** The resolved convolution this layer runs on an input of `inputShape`; throws as `forward` would. */
  geometry(inputShape: readonly number[]): ConvGeometry {
    const bias = this.bias === null ? null : this.bias.shape;
    const options = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode === 'zeros') return conv2dGeometry(inputShape, this.weight.shape, bias, { ...options, padding: this.padding });
    const { left, right, top, bottom } = this.sides;
    const p = padGeometry(inputShape, [left, right, top, bottom], this.paddingMode);
    return conv2dGeometry([...inputShape.slice(0, -2), p.outH, p.outW], this.weight.shape, bias, options);
  }

  /** Convolves `input`, `(N, inChannels, H, W)` or `(inChannels, H, W)`. */
  forward(input: Tensor): Tensor {
    return this.forwardActivation(input, 'none');
  }

  /**
   * This layer as a step of a convolution chain, with `activation` applied as it writes (`Sequential`
   * runs consecutive convolutions as one chain); null with a `paddingMode` other than zeros, which pads
   * with `pad` first.
   */
  convSteps(activation: Activation): Conv2dStep[] | null {
    if (this.paddingMode !== 'zeros') return null;
    return [{ weight: this.weight, bias: this.bias, options: { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups }, activation }];
  }

  /** `forward`, with `activation` applied as the output is written (`Sequential` fuses a following ReLU so). */
  forwardActivation(input: Tensor, activation: Activation): Tensor {
    const options = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode === 'zeros') return conv2dActivation(input, this.weight, this.bias, { ...options, padding: this.padding }, activation);
    // As PyTorch does: pad with the mode first, then convolve without padding.
    const { left, right, top, bottom } = this.sides;
    return conv2dActivation(pad(input, [left, right, top, bottom], this.paddingMode), this.weight, this.bias, { ...options, padding: 0 }, activation);
  }

  /** The constructor arguments, as `moduleFromJSON` reads them. */
  toJSON(): object {
    return {
      type: 'Conv2d', inChannels: this.inChannels, outChannels: this.outChannels, kernelSize: this.kernelSize,
      stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups,
      bias: this.bias !== null, paddingMode: this.paddingMode,
    };
  }

  /** The output shape for an input of `inputShape`, from the same geometry `forward` resolves. */
  override outputShape(inputShape: readonly number[]): number[] {
    const g = this.geometry(inputShape);
    return inputShape.length === 4 ? [g.n, g.cOut, g.outH, g.outW] : [g.cOut, g.outH, g.outW];
  }

  protected override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernel_size=(${this.kernelSize.join(', ')}), stride=(${this.stride.join(', ')})`];
    if (typeof this.padding === 'string') parts.push(`padding=${show(this.padding)}`);
    else if (this.padding.some((p) => p !== 0)) parts.push(`padding=(${this.padding.join(', ')})`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=(${this.dilation.join(', ')})`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=False');
    if (this.paddingMode !== 'zeros') parts.push(`padding_mode=${show(this.paddingMode)}`);
    return parts.join(', ');
  }
}
