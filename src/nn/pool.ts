/** Pooling layers: PyTorch's `nn.MaxPool2d`, `nn.AvgPool2d` and `nn.AdaptiveAvgPool2d`. */
import type { IntOrPair } from '../ops/args.js';
import {
  adaptiveAvgPool2d, adaptiveAvgPool2dGeometry, adaptiveSizes, avgPool2d, avgPool2dGeometry, maxPool2d, maxPool2dGeometry, poolOutputShape, poolWindow,
  type AdaptiveSize, type AvgPool2dOptions, type MaxPool2dOptions, type PoolWindow,
} from '../ops/pool.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** An argument as Python prints it: an int, or a tuple (`None` for null). */
function py(value: number | boolean | null | readonly (number | null)[]): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  return value.length === 1 ? `(${py(value[0])},)` : `(${value.map(py).join(', ')})`;
}

/** A copy of an int-or-pair argument as given (the form PyTorch prints and JSON keeps). */
function given<T>(value: T): T {
  return (Array.isArray(value) ? [...value] : value) as T;
}

/**
 * Max pooling as a layer, like `nn.MaxPool2d(kernel_size, stride=None, padding=0, dilation=1,
 * ceil_mode=False)`: see `maxPool2d`. The arguments are checked here, the input in `forward`.
 * @example
 * new MaxPool2d(2).forward(randn([128, 64, 28, 28])).shape; // [128, 64, 14, 14]
 */
export class MaxPool2d extends Module {
  /** As given (an int or `[h, w]`), as PyTorch keeps them; `stride` defaults to `kernelSize`. */
  readonly kernelSize: IntOrPair;
  readonly stride: IntOrPair;
  readonly padding: IntOrPair;
  readonly dilation: IntOrPair;
  readonly ceilMode: boolean;
  /** The resolved window: `[h, w]` pairs for the analysis. */
  readonly window: PoolWindow;

  constructor(kernelSize: IntOrPair, options: MaxPool2dOptions = {}) {
    super();
    this.window = poolWindow('MaxPool2d', kernelSize, options, false);
    this.kernelSize = given(kernelSize);
    this.stride = given(options.stride ?? kernelSize);
    this.padding = given(options.padding ?? 0);
    this.dilation = given(options.dilation ?? 1);
    this.ceilMode = this.window.ceilMode;
  }

  private options(): MaxPool2dOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
  }

  forward(input: Tensor): Tensor {
    return maxPool2d(input, this.kernelSize, this.options());
  }

  override outputShape(inputShape: readonly number[]): number[] {
    return poolOutputShape(inputShape, maxPool2dGeometry(inputShape, this.kernelSize, this.options()));
  }

  toJSON(): object {
    return { type: 'MaxPool2d', kernelSize: this.kernelSize, ...this.options() };
  }

  protected override extraRepr(): string {
    return `kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}, padding=${py(this.padding)}, dilation=${py(this.dilation)}, ceil_mode=${py(this.ceilMode)}`;
  }
}

/**
 * Average pooling as a layer, like `nn.AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False,
 * count_include_pad=True, divisor_override=None)`: see `avgPool2d`.
 */
export class AvgPool2d extends Module {
  /** As given (an int or `[h, w]`), as PyTorch keeps them; `stride` defaults to `kernelSize`. */
  readonly kernelSize: IntOrPair;
  readonly stride: IntOrPair;
  readonly padding: IntOrPair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  /** The resolved window: `[h, w]` pairs for the analysis. */
  readonly window: PoolWindow;

  constructor(kernelSize: IntOrPair, options: AvgPool2dOptions = {}) {
    super();
    this.window = poolWindow('AvgPool2d', kernelSize, options, true);
    this.kernelSize = given(kernelSize);
    this.stride = given(options.stride ?? kernelSize);
    this.padding = given(options.padding ?? 0);
    this.ceilMode = this.window.ceilMode;
    this.countIncludePad = this.window.countIncludePad;
    this.divisorOverride = this.window.divisor;
  }

  private options(): AvgPool2dOptions {
    return { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride };
  }

  forward(input: Tensor): Tensor {
    return avgPool2d(input, this.kernelSize, this.options());
  }

  override outputShape(inputShape: readonly number[]): number[] {
    return poolOutputShape(inputShape, avgPool2dGeometry(inputShape, this.kernelSize, this.options()));
  }

  toJSON(): object {
    return { type: 'AvgPool2d', kernelSize: this.kernelSize, ...this.options() };
  }

  /** PyTorch's `AvgPool2d.extra_repr` shows only these three. */
  protected override extraRepr(): string {
    return `kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}, padding=${py(this.padding)}`;
  }
}

/**
 * Adaptive average pooling as a layer, like `nn.AdaptiveAvgPool2d(output_size)`: see `adaptiveAvgPool2d`.
 * `new AdaptiveAvgPool2d(1)` is global average pooling.
 */
export class AdaptiveAvgPool2d extends Module {
  /** As given: an int, or `[h, w]` with null keeping that input size. */
  readonly outputSize: AdaptiveSize;

  constructor(outputSize: AdaptiveSize) {
    super();
    adaptiveSizes('AdaptiveAvgPool2d', outputSize);
    this.outputSize = given(outputSize);
  }

  forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize);
  }

  override outputShape(inputShape: readonly number[]): number[] {
    return poolOutputShape(inputShape, adaptiveAvgPool2dGeometry(inputShape, this.outputSize));
  }

  /**
   * The kernel `[h, w]` (which is also the stride) of its windows on an input of `inputShape` where they
   * tile it evenly (each output size divides the input's, as in global pooling); null where windows differ
   * in size or overlap, so that no kernel and stride describe them.
   */
  uniformWindow(inputShape: readonly number[]): [number, number] | null {
    const g = adaptiveAvgPool2dGeometry(inputShape, this.outputSize);
    const step = (size: number, out: number) => (out > 0 && size % out === 0 ? size / out : 0);
    const kernel: [number, number] = [step(g.h, g.outH), step(g.w, g.outW)];
    return kernel[0] > 0 && kernel[1] > 0 ? kernel : null;
  }

  toJSON(): object {
    return { type: 'AdaptiveAvgPool2d', outputSize: this.outputSize };
  }

  protected override extraRepr(): string {
    return `output_size=${py(this.outputSize)}`;
  }
}
