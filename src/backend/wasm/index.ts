/**
 * The WebAssembly backend: f32x4 SIMD kernels written in AssemblyScript (kernels/), on all cores in
 * Node. `pad` and `relu` are memory-bound and stay on the reference kernels.
 */
import { argError, isInt, show } from '../../errors.js';
import type { Backend } from '../backend.js';
import { pad } from '../reference/pad.js';
import { relu } from '../reference/relu.js';
import { runConv2d } from './conv2d.js';
export { chooseStrategy, tuning, type Strategy } from './conv2d.js';
import { simdSupported, wasmInstance } from './instance.js';
import { availableCores, ThreadPool } from './pool.js';

let pool: ThreadPool | null = null;
let threads = availableCores();

function threadPool(): ThreadPool {
  if (pool === null) {
    pool = new ThreadPool(wasmInstance());
    pool.resize(threads);
  }
  return pool;
}

/** Sets how many threads the wasm backend uses (default: the cores the host reports); 1 runs on the caller alone. */
export function setNumThreads(n: number): void {
  if (!isInt(n) || n < 1) throw argError('setNumThreads', `n must be a positive integer, got ${show(n)}`);
  threads = n;
  pool?.resize(n);
}

/** The threads the wasm backend runs on: what `setNumThreads` asked for, where the host can run threads. */
export function getNumThreads(): number {
  return pool === null ? threads : pool.size;
}

export const wasmBackend: Backend = {
  name: 'wasm',
  conv2d: (geom, input, weight, bias, output) => runConv2d(wasmInstance(), threadPool(), geom, input, weight, bias, output),
  pad,
  relu,
};

let usable: boolean | null = null;

/** Whether the kernels compile and instantiate here (tried once). */
export function wasmUsable(): boolean {
  if (usable === null) {
    try {
      usable = simdSupported() && wasmInstance() !== null;
    } catch {
      usable = false;
    }
  }
  return usable;
}
