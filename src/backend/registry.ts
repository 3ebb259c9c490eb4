/**
 * Which backend runs the kernels. Ops ask here at every call, so switching takes effect at once.
 * The default, settled at the first op, is 'wasm' where its kernels compile and instantiate
 * synchronously (WebAssembly SIMD, and a host that compiles modules synchronously: Node does, and so do
 * current browsers, but older ones refused modules over 4 KiB on a page's main thread), else
 * 'reference'; `await ready()` compiles the kernels asynchronously where that is the only way.
 */
import { argError, show } from '../errors.js';
import type { Backend } from './backend.js';
import { referenceBackend } from './reference/index.js';
import { wasmBackend, wasmThreadsStarted, wasmUsable, wasmUsableAsync } from './wasm/index.js';

const backends = new Map<string, Backend>([[wasmBackend.name, wasmBackend], [referenceBackend.name, referenceBackend]]);
let active: Backend | null = null;
/** The kernels every backend has (`runNetwork` is optional). */
const KERNELS = [
  'conv2d', 'pad', 'relu', 'conv2dInputGrad', 'conv2dWeightGrad', 'conv2dBiasGrad', 'padGrad', 'reluGrad', 'binary', 'reduceSum',
  'activation', 'activationGrad',
  'softmax', 'softmaxGrad', 'gather', 'gatherGrad',
  'maxPool2d', 'maxPool2dGrad', 'avgPool2d', 'avgPool2dGrad',
] as const;
/** Whether the user chose the backend (then `ready` leaves the choice alone). */
let chosen = false;

/** Makes `backend` selectable by its name with `setBackend`. */
export function registerBackend(backend: Backend): void {
  const b = backend as Partial<Backend> | null;
  if (b === null || typeof b !== 'object' || typeof b.name !== 'string' || b.name === '') {
    throw argError('registerBackend', `backend must be an object with a non-empty string name, got ${show(backend)}`);
  }
  for (const kernel of KERNELS) {
    if (typeof b[kernel] !== 'function') throw argError('registerBackend', `backend ${show(b.name)} lacks the kernel ${kernel}()`);
  }
  backends.set(backend.name, backend);
}

/** Selects the backend that runs every op from now on, by name (`'wasm'` or `'reference'`). */
export function setBackend(name: string): void {
  const backend = backends.get(name);
  if (backend === undefined) {
    throw argError('setBackend', `unknown backend ${show(name)}; registered: ${[...backends.keys()].map(show).join(', ')}`);
  }
  active = backend;
  chosen = true;
}

/** The name of the backend in use. */
export function getBackend(): string {
  return backend().name;
}

export function backend(): Backend {
  active ??= wasmUsable() ? wasmBackend : referenceBackend;
  return active;
}

/**
 * Compiles the wasm kernels asynchronously where a host refuses to compile them synchronously (older
 * browsers on a page's main thread), and makes them the default unless `setBackend` chose otherwise;
 * in a browser's worker, also waits for the wasm backend's threads to start. Never needed in Node,
 * harmless there. Resolves to the name of the backend ops will use.
 *
 * @example
 * await ready(); // 'wasm' where WebAssembly SIMD is there, else 'reference'
 */
export async function ready(): Promise<string> {
  const usable = await wasmUsableAsync();
  if (!chosen) active = usable ? wasmBackend : referenceBackend;
  if (active === wasmBackend) await wasmThreadsStarted();
  return backend().name;
}
