/** The wasm backend's ReLU6 and Hardswish and their gradients: one pass in WebAssembly memory, four floats per step. */
import type { UnaryActivation } from '../backend.js';
import type { WasmInstance } from './instance.js';

/** The kernels' numbering of the kinds (kernels/activation.ts). */
const KIND: Record<UnaryActivation, number> = { relu6: 0, hardswish: 1 };

export function runActivation(instance: WasmInstance, kind: UnaryActivation, input: Float32Array, output: Float32Array): void {
  instance.reset();
  const at = instance.alloc('activation', input.length * 4);
  instance.write(at, input);
  instance.exports.activationFloats(KIND[kind], at, at, input.length);
  instance.readInto(at, output);
}

export function runActivationGrad(instance: WasmInstance, kind: UnaryActivation, input: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void {
  instance.reset();
  const x = instance.alloc('activationGrad', input.length * 4);
  const grad = instance.alloc('activationGrad', input.length * 4);
  instance.write(x, input);
  instance.write(grad, gradOutput);
  instance.exports.activationGradFloats(KIND[kind], x, grad, grad, input.length);
  instance.readInto(grad, gradInput);
}
