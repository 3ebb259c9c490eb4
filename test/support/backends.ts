/**
 * The configurations every parity check runs under: the reference backend, and the wasm backend with
 * its kernels and threads even on tiny cases (which in use go to the reference kernel or one thread),
 * once with its own choice of kernel and once with each Winograd variant wherever it applies.
 */
import { tuning } from '../../src/backend/wasm/index.js';
import { getNumThreads, setBackend, setNumThreads } from '../../src/index.js';

export interface Config {
  name: string;
  backend: string;
  knobs: Partial<typeof tuning>;
}

export const CONFIGS: readonly Config[] = [
  { name: 'reference', backend: 'reference', knobs: {} },
  { name: 'wasm', backend: 'wasm', knobs: { tinyMacs: 0, parallelMacs: 0 } },
  { name: 'wasm-winograd-f4', backend: 'wasm', knobs: { tinyMacs: 0, parallelMacs: 0, force: 'winograd-f4' } },
  { name: 'wasm-winograd-f2', backend: 'wasm', knobs: { tinyMacs: 0, parallelMacs: 0, force: 'winograd-f2' } },
  { name: 'wasm-winograd-f6', backend: 'wasm', knobs: { tinyMacs: 0, parallelMacs: 0, force: 'winograd-f6' } },
  { name: 'wasm-winograd-s2', backend: 'wasm', knobs: { tinyMacs: 0, parallelMacs: 0, force: 'winograd-s2' } },
];

/** Runs `fn` under `config`, restoring the backend and the knobs after. */
export function withConfig<T>(config: Config, fn: () => T): T {
  const saved = { ...tuning };
  setBackend(config.backend);
  Object.assign(tuning, config.knobs);
  try {
    return fn();
  } finally {
    Object.assign(tuning, saved);
    setBackend('wasm');
  }
}

/** Runs `fn` with the wasm backend, the given knobs, and `threads` threads; restores the knobs and threads after. */
export function withWasm<T>(knobs: Partial<typeof tuning>, threads: number, fn: () => T): T {
  const saved = { ...tuning };
  const savedThreads = getNumThreads();
  setBackend('wasm');
  Object.assign(tuning, knobs);
  setNumThreads(threads);
  try {
    return fn();
  } finally {
    Object.assign(tuning, saved);
    setNumThreads(savedThreads);
  }
}
