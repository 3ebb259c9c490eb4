/** The wasm backend's ReLU: one pass in WebAssembly memory, four floats per step, without branches. */
import type { WasmInstance } from './instance.js';

export function runRelu(instance: WasmInstance, input: Float32Array, output: Float32Array): void {
  instance.reset();
  const at = instance.alloc('relu', input.length * 4);
  instance.write(at, input);
  instance.exports.reluFloats(at, at, input.length);
  instance.readInto(at, output);
}
