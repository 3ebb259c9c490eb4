/**
 * ReLU6 and Hardswish and their gradients, as torch 1.13's CPU kernels compute them in float32: each
 * intermediate is rounded to float32 (`Math.fround`) where torch's float arithmetic rounds it.
 */
import type { Activation, UnaryActivation } from '../backend.js';

/** `x < 0 ? 0 : ...` rather than `Math.max`: NaN and -0 pass through, as torch's clamp leaves them. */
const FORWARD: Record<UnaryActivation, (x: number) => number> = {
  relu6: (x) => (x < 0 ? 0 : x > 6 ? 6 : x),
  hardswish: (x) => Math.fround(Math.fround(x * Math.min(Math.max(Math.fround(x + 3), 0), 6)) / 6),
};

/** A convolution's fused activation (see `Activation`) of one float32 value. */
export const FUSED: Record<Activation, (x: number) => number> = {
  none: (x) => x,
  relu: (x) => (x < 0 ? 0 : x),
  relu6: FORWARD.relu6,
};

/**
 * torch's vectorised loop, which runs all but the last few elements of a tensor (its scalar tail decides
 * NaN and x = 3 otherwise: relu6 passes the gradient of a NaN, hardswish gives 1.5 * grad at 3).
 */
const BACKWARD: Record<UnaryActivation, (x: number, grad: number) => number> = {
  relu6: (x, grad) => (x > 0 && x < 6 ? grad : 0),
  hardswish: (x, grad) => (x < -3 ? 0 : x >= 3 ? grad : Math.fround(grad * Math.fround(Math.fround(x / 3) + 0.5))),
};

export function activation(kind: UnaryActivation, input: Float32Array, output: Float32Array): void {
  const f = FORWARD[kind];
  for (let i = 0; i < input.length; i++) output[i] = f(input[i]);
}

export function activationGrad(kind: UnaryActivation, input: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void {
  const f = BACKWARD[kind];
  for (let i = 0; i < input.length; i++) gradInput[i] = f(input[i], gradOutput[i]);
}
