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
 * What a convolution kernel applies to each output element as it writes it: nothing, or ReLU as
 * `x < 0 ? 0 : x` on the float32 value (NaN and -0 pass through, as in `torch.relu`), so that a layer
 * followed by a ReLU writes its output once.
 */
export type Activation = 'none' | 'relu';

/** One convolution of a chain: what `conv2d` takes, the input aside. */
export interface ConvStep {
  readonly geom: ConvGeometry;
  readonly weight: Float32Array;
  readonly bias: Float32Array | null;
  readonly activation: Activation;
}

export interface Backend {
  readonly name: string;
  conv2d(geom: ConvGeometry, input: Float32Array, weight: Float32Array, bias: Float32Array | null, output: Float32Array, activation: Activation): void;
  /**
   * Optional: runs `steps` in order, each on the previous one's output (`geom.n * geom.cIn * geom.h *
   * geom.w` floats: every step's input is the one before's output), keeping the outputs between them to
   * itself, and writes the last one's into `output`. Returns false, having written nothing, where it
   * cannot; the op then runs the steps one by one through `conv2d`.
   */
  conv2dChain?(steps: readonly ConvStep[], input: Float32Array, output: Float32Array): boolean;
  pad(geom: PadGeometry, input: Float32Array, output: Float32Array): void;
  relu(input: Float32Array, output: Float32Array): void;
}
