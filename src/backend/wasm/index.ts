/**
 * The WebAssembly backend: f32x4 SIMD kernels written in AssemblyScript (kernels/), on all cores in
 * Node. `relu` and its gradient run on one thread, without branches (a JavaScript loop mispredicts on every other sign);
 * `pad` is a copy and stays on the reference kernel.
 */
import { argError, isInt, show } from '../../errors.js';
import type { Backend } from '../backend.js';
import { binary, reduceSum } from '../reference/elementwise.js';
import { gather, gatherGrad } from '../reference/gather.js';
import { pad, padGrad } from '../reference/pad.js';
import { softmax, softmaxGrad } from '../reference/softmax.js';
import { runActivation, runActivationGrad } from './activation.js';
import { avgPool2d, avgPool2dGrad, maxPool2d, maxPool2dGrad } from '../reference/pool.js';
import { runNetwork } from './network.js';
import { runBatchNormInputGrad, runChannelAffine, runChannelGradSums, runChannelMoments } from './batch-norm.js';
import { runMatmul } from './matmul.js';
import { runConv2dBiasGrad } from './bias-grad.js';
import { runConv2d } from './conv2d.js';
import { runConv2dInputGrad } from './input-grad.js';
import { runRelu, runReluGrad } from './relu.js';
import { tuning } from './strategy.js';
import { runConv2dWeightGrad } from './weight-grad.js';
export { chooseStrategy, tuning, type Strategy } from './strategy.js';
import { simdSupported, wasmInstance, wasmInstanceAsync } from './instance.js';
import { availableCores, ThreadPool, threadsSupported, threadsUnsupported, warnOnce } from './pool.js';

/** The most threads setNumThreads takes on a host with fewer cores. */
const MAX_THREADS = 256;

let pool: ThreadPool | null = null;
let threads = availableCores();

function threadPool(): ThreadPool {
  if (pool === null) {
    pool = new ThreadPool(wasmInstance());
    pool.resize(threads);
  }
  return pool;
}

/**
 * Sets how many threads the wasm backend uses (default: the cores the host reports); 1 runs on the caller
 * alone. Threads need a caller that may block and memory threads can share: Node 20.16 or later, or a
 * browser's worker in a cross-origin isolated page (there, `await ready()` after this waits for the threads
 * to start). Elsewhere ops run on one thread, and asking for more warns once, saying why.
 *
 * At most 256 threads (or the host's cores, where more). More threads than the host's cores are allowed, as PyTorch's `set_num_threads` and onnxruntime's
 * `intraOpNumThreads` allow them, with a warning: every op waits for its slowest thread, so threads that
 * share a core can make it many times slower (64 threads on 2 cores: seconds per call).
 */
export function setNumThreads(n: number): void {
  if (!isInt(n) || n < 1) throw argError('setNumThreads', `n must be a positive integer, got ${show(n)}`);
  const cores = availableCores();
  // each thread is a worker with its own instance of the kernels: a count from a typo must not start millions
  const most = Math.max(MAX_THREADS, cores);
  if (n > most) throw argError('setNumThreads', `n must be at most ${most} (${MAX_THREADS}, or the host's cores where more), got ${show(n)}`);
  const unsupported = n > 1 ? threadsUnsupported() : null;
  if (unsupported !== null) warnOnce(`convkit: setNumThreads(${n}): ops run on one thread here: ${unsupported}`);
  else if (n > cores) warnOnce(`convkit: setNumThreads(${n}) is more than the ${cores} cores this host reports: threads that share a core slow every op (each waits for its slowest thread)`);
  threads = n;
  pool?.resize(n);
}

/**
 * Turns Winograd's minimal filtering on (the default) or off: F(2x2, 3x3), F(4x4, 3x3) or F(6x6, 3x3),
 * chosen per layer, for 3x3 stride-1 convolutions, and F(7x7, 2x2) on the input's four phases for 3x3
 * stride-2 ones. It does 1.7-5.1x fewer multiplies, so large 3x3 layers run 1.4-3x faster, but it
 * rounds differently from the direct sum (relative error about 1e-6 to 5e-5 instead of 1e-7): turn it
 * off to get the direct algorithm's rounding.
 */
export function setWinograd(on: boolean): void {
  if (typeof on !== 'boolean') throw argError('setWinograd', `on must be true or false, got ${show(on)}`);
  tuning.winograd = on;
}

/** Whether Winograd is on. */
export function getWinograd(): boolean {
  return tuning.winograd;
}

/** The threads the wasm backend runs on: what `setNumThreads` asked for, where the host can run threads. */
export function getNumThreads(): number {
  return pool?.size ?? (threadsSupported() ? threads : 1);
}

export const wasmBackend: Backend = {
  name: 'wasm',
  conv2d: (geom, input, weight, bias, output, activation) => runConv2d(wasmInstance(), threadPool(), geom, input, weight, bias, output, activation),
  runNetwork: (network, input, output) => runNetwork(wasmInstance(), threadPool(), network, input, output),
  pad,
  relu: (input, output) => runRelu(wasmInstance(), input, output),
  conv2dInputGrad: (geom, gradOutput, weight, gradInput) => runConv2dInputGrad(wasmInstance(), threadPool(), geom, gradOutput, weight, gradInput),
  conv2dWeightGrad: (geom, input, gradOutput, gradWeight) => runConv2dWeightGrad(wasmInstance(), threadPool(), tuning, geom, input, gradOutput, gradWeight),
  conv2dBiasGrad: runConv2dBiasGrad,
  padGrad,
  reluGrad: (output, gradOutput, gradInput) => runReluGrad(wasmInstance(), output, gradOutput, gradInput),
  activation: (kind, input, output) => runActivation(wasmInstance(), kind, input, output),
  activationGrad: (kind, input, gradOutput, gradInput) => runActivationGrad(wasmInstance(), kind, input, gradOutput, gradInput),
  binary,
  reduceSum,
  softmax,
  softmaxGrad,
  gather,
  gatherGrad,
  matmul: (geom, a, b, out) => runMatmul(wasmInstance(), threadPool(), geom, a, b, out),
  channelMoments: (geom, input, mean, variance) => runChannelMoments(wasmInstance(), geom, input, mean, variance),
  channelAffine: (geom, input, centre, scale, shift, output) => runChannelAffine(wasmInstance(), geom, input, centre, scale, shift, output),
  channelGradSums: (geom, gradOutput, input, mean, sumGrad, sumGradCentred) => runChannelGradSums(wasmInstance(), geom, gradOutput, input, mean, sumGrad, sumGradCentred),
  batchNormInputGrad: (geom, gradOutput, input, mean, gradScale, centredScale, shift, gradInput) =>
    runBatchNormInputGrad(wasmInstance(), geom, gradOutput, input, mean, gradScale, centredScale, shift, gradInput),
  maxPool2d,
  maxPool2dGrad,
  avgPool2d,
  avgPool2dGrad,
};

let usable: boolean | null = null;

/** Whether the kernels compile and instantiate here synchronously (tried once). */
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

/**
 * Resolves once the wasm backend's threads have started. Node starts them before `setNumThreads`
 * returns; a browser's worker starts them in the background, and runs ops on one thread until then.
 */
export async function wasmThreadsStarted(): Promise<void> {
  if (threadsSupported() && threads > 1) await threadPool().started();
}

/** Whether the kernels compile and instantiate here, trying asynchronously where the synchronous way failed. */
export async function wasmUsableAsync(): Promise<boolean> {
  if (usable !== true) {
    try {
      usable = simdSupported() && (await wasmInstanceAsync()) !== null;
    } catch {
      usable = false;
    }
  }
  return usable;
}
