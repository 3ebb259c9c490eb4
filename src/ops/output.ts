/**
 * The arrays ops return. Every kernel writes every element of its output (the backend contract), so
 * the array need not start zeroed: where the host offers uninitialised memory (Node's
 * `Buffer.allocUnsafeSlow`, a whole ArrayBuffer of its own) a large output skips the zeroing, which
 * cost about a tenth of a depthwise layer's call (W6: 0.78 ms zeroed, 0.70 ms not, median of 300).
 * Elsewhere, and for small arrays, it is an ordinary zeroed Float32Array.
 */

import { argError, show } from '../errors.js';
import { checkNumel, type Shape } from '../tensor.js';

/** Below this many floats, zeroing costs nothing worth avoiding. */
const UNINITIALISED_MIN = 16384;

type HostBuffer = { allocUnsafeSlow?: (size: number) => Uint8Array };

/**
 * An op's output of `count` floats. An op whose output may be larger than its inputs checks its shape
 * first (`checkNumel`, which names it); the check here keeps every other path from a raw RangeError.
 */
export function outputArray(count: number, where = 'convkit', shape: Shape = [count]): Float32Array {
  checkNumel(where, shape, 'output shape');
  const host = (globalThis as { Buffer?: HostBuffer }).Buffer;
  try {
    if (count < UNINITIALISED_MIN || typeof host?.allocUnsafeSlow !== 'function') return new Float32Array(count);
    const bytes = host.allocUnsafeSlow(count * 4);
    return new Float32Array(bytes.buffer, bytes.byteOffset, count);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw argError(where, `cannot allocate ${Math.ceil((count * 4) / 2 ** 20)} MiB for an output of shape ${show(shape)}: ${e.message}`);
  }
}
