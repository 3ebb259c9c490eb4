/**
 * The wasm backend's conv2d: the reference kernel where the strategy says so, else the prepared layer
 * laid out and run on the thread pool.
 */
import type { Activation, ConvGeometry } from '../backend.js';
import { conv2d as referenceConv2d } from '../reference/conv2d.js';
import { execute } from './execute.js';
import type { WasmInstance } from './instance.js';
import type { ThreadPool } from './pool.js';
import { prepare } from './prepare.js';

/** Runs one convolution, copying its arrays in and out of WebAssembly memory. */
export function runConv2d(
  instance: WasmInstance, pool: ThreadPool, g: ConvGeometry,
  input: Float32Array, weight: Float32Array, bias: Float32Array | null, output: Float32Array, activation: Activation,
): void {
  const prepared = prepare(instance, g, weight, bias, 'transformed');
  if (prepared === null) {
    referenceConv2d(g, input, weight, bias, output, activation);
    return;
  }
  instance.reset();
  execute(instance, pool, g, prepared, input, weight, bias, output, activation);
}
