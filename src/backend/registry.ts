/**
 * Which backend runs the kernels. Ops ask here at every call, so switching takes effect at once.
 * The default is 'wasm' where WebAssembly SIMD validates, else 'reference'.
 */
import { argError, show } from '../errors.js';
import type { Backend } from './backend.js';
import { referenceBackend } from './reference/index.js';
import { simdSupported, wasmBackend } from './wasm/index.js';

const backends = new Map<string, Backend>([[wasmBackend.name, wasmBackend], [referenceBackend.name, referenceBackend]]);
let active: Backend = simdSupported() ? wasmBackend : referenceBackend;

/** Makes `backend` selectable by its name with `setBackend`. */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** Selects the backend that runs every op from now on, by name (`'wasm'` or `'reference'`). */
export function setBackend(name: string): void {
  const backend = backends.get(name);
  if (backend === undefined) {
    throw argError('setBackend', `unknown backend ${show(name)}; registered: ${[...backends.keys()].map(show).join(', ')}`);
  }
  active = backend;
}

/** The name of the backend in use. */
export function getBackend(): string {
  return active.name;
}

export function backend(): Backend {
  return active;
}
