/**
 * The contract between op semantics (`ops/`) and kernels (`backend/<name>/`). An op validates and
 * resolves every argument into one of these plain descriptions; a kernel receives only that and the
 * arrays, never re-validates, and writes every element of `output`.
 */

/** A fully resolved 2-D convolution over NCHW float32 data: no defaults, no user-facing forms. */
export interface ConvGeometry {
  readonly n: number;
  readonly cIn: number;
  readonly h: number;
  readonly w: number;
  readonly cOut: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padTop: number;
  readonly padBottom: number;
  readonly padLeft: number;
  readonly padRight: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly groups: number;
  readonly outH: number;
  readonly outW: number;
}

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/**
 * 2-D padding of `planes` images of `h` x `w` into `outH` x `outW`. Pads may be negative (cropping).
 * Output column `x` reads input column `x - padLeft`, mapped into the image by `mode`.
 */
export interface PadGeometry {
  readonly planes: number;
  readonly h: number;
  readonly w: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly outH: number;
  readonly outW: number;
  readonly mode: PadMode;
  readonly value: number;
}

/**
 * What a convolution kernel applies to each output element as it writes it: nothing, ReLU as
 * `x < 0 ? 0 : x`, or ReLU6 as `x > 6 ? 6 : x < 0 ? 0 : x`, on the float32 value (NaN and -0 pass
 * through, as in `torch.relu` and `hardtanh`), so that a layer followed by its activation writes its
 * output once.
 */
export type Activation = 'none' | 'relu' | 'relu6';

/** One convolution of a chain: what `conv2d` takes, the input aside. */
export interface ConvStep {
  readonly geom: ConvGeometry;
  readonly weight: Float32Array;
  readonly bias: Float32Array | null;
  readonly activation: Activation;
}

/**
 * A step of a `Network`, reading and writing its values by number. `conv2d` adds `residual` (a value
 * laid out as its output) before the activation; `concat` joins its inputs along the axis after the
 * `outer` first (channels of NCHW data), each input's block of `size / outer` floats in turn; `expand`
 * repeats each input float `repeat` times (an (N, C, 1, 1) value broadcast to (N, C, H, W)).
 */
export type NetworkStep =
  | (ConvStep & { readonly op: 'conv2d'; readonly input: number; readonly residual: number | null; readonly output: number })
  | { readonly op: 'maxPool2d' | 'avgPool2d'; readonly geom: PoolGeometry; readonly input: number; readonly output: number }
  | { readonly op: 'activation'; readonly kind: Exclude<Activation, 'none'> | UnaryActivation; readonly input: number; readonly output: number }
  | { readonly op: 'add'; readonly a: number; readonly b: number; readonly output: number }
  | { readonly op: 'concat'; readonly inputs: readonly number[]; readonly outer: number; readonly output: number }
  | { readonly op: 'expand'; readonly input: number; readonly repeat: number; readonly output: number };

/**
 * A forward pass as a list of steps over numbered float32 values: value 0 is the input, `output` the
 * result, `sizes[v]` the floats of value v. A step never writes a value it reads, and each value is
 * written by one step; the values between are the backend's to keep where it likes.
 */
export interface Network {
  readonly sizes: readonly number[];
  readonly steps: readonly NetworkStep[];
  readonly output: number;
  /** The steps' weight and bias arrays never change: a backend may keep what it derives from them. */
  readonly constant?: boolean;
}

/**
 * An elementwise activation that `activation` applies and `activationGrad` differentiates, each as torch
 * 1.13's CPU kernel does on float32: `relu6` is `hardtanh(x, 0, 6)` (NaN and -0 pass through), `hardswish`
 * is `x * min(max(x + 3, 0), 6) / 6` in that order.
 */
export type UnaryActivation = 'relu6' | 'hardswish';

/** An elementwise operation of two operands that `binary` broadcasts. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

/**
 * Two operands broadcast to `shape` (PyTorch's rules, resolved by the op): element `index` of an
 * operand is at the sum over dimensions of `index[d] * strides[d]`, with stride 0 where it broadcasts.
 */
export interface BroadcastGeometry {
  readonly shape: readonly number[];
  readonly aStrides: readonly number[];
  readonly bStrides: readonly number[];
}

/**
 * A sum over some dimensions of a contiguous tensor of `shape`, divided by `divisor` (1 for a sum, the
 * count of summed elements for a mean). The output holds the kept dimensions in order.
 */
export interface ReduceGeometry {
  readonly shape: readonly number[];
  readonly reduced: readonly boolean[];
  readonly divisor: number;
}

/**
 * A contiguous tensor read as `outer` x `size` x `inner`: the middle axis is the one an op works along
 * (softmax's `dim`, a loss's class dimension), the others are the rows it repeats over.
 */
export interface AxisGeometry {
  readonly outer: number;
  readonly size: number;
  readonly inner: number;
}

/** A softmax along the middle axis; `log` for its logarithm (log-softmax), computed as such rather than as log(softmax). */
export interface SoftmaxGeometry extends AxisGeometry {
  readonly log: boolean;
}

/**
 * A matrix product `C = op(A) @ op(B)` of row-major float32 matrices: C is `m x n`, op(A) `m x k`, op(B)
 * `k x n`, where a transposed operand is stored as its transpose (A as `k x m`, B as `n x k`). `k` may
 * be 0 (C is zeros).
 */
export interface MatmulGeometry {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
}

/**
 * Data laid out as `outer` blocks of `channels` channels of `inner` contiguous elements (NCHW: outer = N,
 * inner = H * W): what batch normalisation's per-channel statistics run over.
 */
export interface ChannelGeometry {
  readonly outer: number;
  readonly channels: number;
  readonly inner: number;
}

/**
 * 2-D pooling over `planes` images of `h` x `w` into `outH` x `outW`, one window per output element.
 * Along each axis, output `o`'s window starts at `o * stride - pad` and takes `kernel` taps `dilation`
 * apart, those inside the image counting; or, where `adaptive`, it is `[floor(o * size / out),
 * ceil((o + 1) * size / out))` (kernel, stride, padding and dilation unused). An average divides by
 * `divisor` where it is not null, else by the window's count of positions, padding included where
 * `countIncludePad` (up to `size + pad`, as torch counts). Averages are never dilated (torch has no such
 * argument): their kernels read every position of the window.
 */
export interface PoolGeometry {
  readonly planes: number;
  readonly h: number;
  readonly w: number;
  readonly outH: number;
  readonly outW: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly adaptive: boolean;
  readonly countIncludePad: boolean;
  readonly divisor: number | null;
}

export interface Backend {
  readonly name: string;
  conv2d(geom: ConvGeometry, input: Float32Array, weight: Float32Array, bias: Float32Array | null, output: Float32Array, activation: Activation): void;
  /**
   * Optional: runs `network` on `input`, keeping the values between its steps to itself, and writes its
   * output into `output`. Without it (or where it returns false, having written nothing) the steps run
   * one by one through the other kernels (`runNetworkSteps`).
   */
  runNetwork?(network: Network, input: Float32Array, output: Float32Array): boolean;
  pad(geom: PadGeometry, input: Float32Array, output: Float32Array): void;
  relu(input: Float32Array, output: Float32Array): void;

  /** dL/dinput of `conv2d` (activation none): `n * cIn * h * w` floats, every element written. */
  conv2dInputGrad(geom: ConvGeometry, gradOutput: Float32Array, weight: Float32Array, gradInput: Float32Array): void;
  /** dL/dweight of `conv2d`: `cOut * (cIn / groups) * kH * kW` floats, every element written. */
  conv2dWeightGrad(geom: ConvGeometry, input: Float32Array, gradOutput: Float32Array, gradWeight: Float32Array): void;
  /** dL/dbias of `conv2d`: per output channel, the sum of `gradOutput` over the batch and positions. */
  conv2dBiasGrad(geom: ConvGeometry, gradOutput: Float32Array, gradBias: Float32Array): void;
  /** dL/dinput of `pad`: each input element gets the sum of the gradients of the outputs that read it. */
  padGrad(geom: PadGeometry, gradOutput: Float32Array, gradInput: Float32Array): void;
  /** dL/dinput of `relu`, from its output: `gradOutput` where `output > 0`, else 0 (as torch's threshold_backward). */
  reluGrad(output: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void;
  /** `kind` of every element of `input`, into `output` (of the same length). */
  activation(kind: UnaryActivation, input: Float32Array, output: Float32Array): void;
  /**
   * dL/dinput of `activation(kind)` from its input x and dL/dy, as the vectorised loop of torch 1.13's
   * backward kernel: relu6 passes the gradient where 0 < x < 6 (0 for NaN); hardswish gives 0 where
   * x < -3, the gradient where x >= 3, else `grad * (x / 3 + 0.5)` (NaN for NaN).
   */
  activationGrad(kind: UnaryActivation, input: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void;
  /** `out = a op b`, broadcast over `geom.shape`. */
  binary(op: BinaryOp, geom: BroadcastGeometry, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** The sum (or mean) over `geom`'s reduced dimensions. */
  reduceSum(geom: ReduceGeometry, input: Float32Array, output: Float32Array): void;
  /**
   * The maximum of each window (NaN wins, ties go to the first in row-major scan order), and in `indices`
   * its position `y * w + x` within its plane; -1 where a window holds no input position (dilated taps
   * all in the padding), whose output is -Infinity.
   */
  maxPool2d(geom: PoolGeometry, input: Float32Array, output: Float32Array, indices: Int32Array): void;
  /** dL/dinput of `maxPool2d`: each output's gradient added at the position `indices` names (none for -1). */
  maxPool2dGrad(geom: PoolGeometry, gradOutput: Float32Array, indices: Int32Array, gradInput: Float32Array): void;
  /** The sum of each window's input positions over its divisor (see `PoolGeometry`). */
  avgPool2d(geom: PoolGeometry, input: Float32Array, output: Float32Array): void;
  /** dL/dinput of `avgPool2d`: each output's gradient over its divisor, added to every position of its window. */
  avgPool2dGrad(geom: PoolGeometry, gradOutput: Float32Array, gradInput: Float32Array): void;
  /**
   * Softmax (or log-softmax) of every `size`-long line of `input` along the middle axis, as torch
   * computes it: the line's maximum subtracted before exponentiating, so large inputs do not overflow.
   */
  softmax(geom: SoftmaxGeometry, input: Float32Array, output: Float32Array): void;
  /**
   * dL/dinput of `softmax` from its output y and dL/dy, along each line: `y * (g - sum(g * y))`, or for
   * log-softmax `g - exp(y) * sum(g)` (torch's `_softmax_backward_data` / `_log_softmax_backward_data`).
   */
  softmaxGrad(geom: SoftmaxGeometry, output: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void;
  /**
   * `output[o, i] = input[o, index[o, i], i]` (`outer * inner` floats): one element of each line, as
   * `torch.gather` with an index of size 1 along the axis. An index of -1 picks nothing and gives 0.
   */
  gather(geom: AxisGeometry, input: Float32Array, index: Int32Array, output: Float32Array): void;
  /** dL/dinput of `gather`: `gradOutput[o, i]` where `gather` read, 0 elsewhere (every element written). */
  gatherGrad(geom: AxisGeometry, index: Int32Array, gradOutput: Float32Array, gradInput: Float32Array): void;
  /** `out = op(a) @ op(b)` (see `MatmulGeometry`): `m * n` floats, every element written. */
  matmul(geom: MatmulGeometry, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** Each channel's mean and biased variance over its `outer * inner` elements (at least one). */
  channelMoments(geom: ChannelGeometry, input: Float32Array, mean: Float64Array, variance: Float64Array): void;
  /** `output = (input - centre[c]) * scale[c] + shift[c]`, `c` each element's channel: batch normalisation's transform. */
  channelAffine(geom: ChannelGeometry, input: Float32Array, centre: Float64Array, scale: Float64Array, shift: Float64Array, output: Float32Array): void;
  /** Per channel, the sum of `gradOutput` and of `gradOutput * (input - mean[c])`: batch normalisation's backward sums. */
  channelGradSums(geom: ChannelGeometry, gradOutput: Float32Array, input: Float32Array, mean: Float64Array, sumGrad: Float64Array, sumGradCentred: Float64Array): void;
  /**
   * `gradInput = gradOutput * gradScale[c] + (input - mean[c]) * centredScale[c] + shift[c]`: batch
   * normalisation's input gradient in training mode, with the coefficients the op derives from the sums.
   */
  batchNormInputGrad(
    geom: ChannelGeometry, gradOutput: Float32Array, input: Float32Array, mean: Float64Array,
    gradScale: Float64Array, centredScale: Float64Array, shift: Float64Array, gradInput: Float32Array,
  ): void;
}
