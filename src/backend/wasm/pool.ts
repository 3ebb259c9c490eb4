/// <reference path="./platform.d.ts" />
/**
 * Threads for the wasm backend: workers (Node's worker_threads, or a browser's Web Workers), each with its
 * own instance of the kernels over the one shared memory. A run is a kernel and a count of tasks; every
 * thread, the caller included, takes the next task number from a shared counter until none are left, so
 * work balances itself, and since a task's result does not depend on which thread runs it, output is
 * bit-identical for any thread count. The caller blocks on Atomics until every worker has left the run (so
 * none can still be reading the counters when the next run resets them), which keeps ops synchronous.
 * That needs a caller that may block (Node, or a browser's worker, not a page's main thread) and memory
 * that threads can share (SharedArrayBuffer: in browsers, a cross-origin isolated page); elsewhere
 * everything runs on the caller.
 */
import type { WasmInstance } from './instance.js';

/** Control words, in an Int32Array over a SharedArrayBuffer. */
const GENERATION = 0; // bumped to start a run; workers wait on it
const NEXT = 1; // the next task number to take
const TOTAL = 2;
const KERNEL = 3;
const PARAMS = 4;
const READY = 5; // workers that have instantiated the kernels
const STOP = 6;
const FAILED = 7; // a worker's kernel threw: the run is void
const LEFT = 8; // workers that have left the current run; the caller returns only when all have
const AVAILABLE = 9; // tasks whose input is in memory: the caller may still be copying the rest in (a fed run)
const WORDS = 16;
/** How long new workers may take to start. */
const START_MS = 10_000;
/** How long an idle worker spins before it sleeps. */
const SPIN_MS = 0.2;

/** Kernels a task can run, by index into the control word KERNEL. */
export const TASK_KERNELS = [
  'gemmDirectTask', 'gemmIm2colTask', 'padTask', 'depthwiseTask',
  'splitTask', 'winograd4InputTask', 'winogradGemmTask', 'winograd4OutputTask', 'winograd2InputTask', 'winograd2OutputTask',
  'winograd6InputTask', 'winograd6OutputTask', 'winograd7InputTask', 'winograd7OutputTask',
  'weightGradGemmTask', 'weightGradSumTask', 'depthwiseWeightGradTask',
  'winogradWeightGradInputTask', 'winogradWeightGradOutputTask', 'winogradWeightGradGemmTask', 'winogradWeightGradWeightTask',
  'depthwiseInputGradTask', 'denseTask',
] as const;
export type TaskKernel = (typeof TASK_KERNELS)[number];

/** A run's input, copied in by the caller in `chunks` pieces: `copy(i)` copies piece i and returns how many tasks (from 0) can then run. */
export interface Feed {
  chunks: number;
  copy(chunk: number): number;
}

// The worker's script, from source (a worker needs no file of its own next to the bundle). `start` takes
// what the pool sends: Node passes it as workerData, a browser in the first message.
const WORKER_BODY = `
function start({ module, memory, control, index, kernels }) {
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const tasks = kernels.map((name) => exports[name]);
  const c = new Int32Array(control);
  // no run starts before every worker is ready (the pool runs on the caller alone until then)
  let seen = Atomics.load(c, ${GENERATION});
  Atomics.add(c, ${READY}, 1);
  Atomics.notify(c, ${READY});
  for (;;) {
    // an op runs several kernels back to back: spin a little before sleeping, so that the next one
    // starts without a wake-up (about 50 us each)
    const until = performance.now() + ${SPIN_MS};
    let now = seen;
    for (let i = 1; now === seen; i++) {
      now = Atomics.load(c, ${GENERATION});
      if ((i & 255) === 0 && performance.now() > until) break;
    }
    if (now === seen) Atomics.wait(c, ${GENERATION}, seen);
    seen = Atomics.load(c, ${GENERATION});
    if (Atomics.load(c, ${STOP}) !== 0) break;
    const run = tasks[Atomics.load(c, ${KERNEL})];
    const params = Atomics.load(c, ${PARAMS});
    const total = Atomics.load(c, ${TOTAL});
    for (let t = Atomics.add(c, ${NEXT}, 1); t < total; t = Atomics.add(c, ${NEXT}, 1)) {
      while (Atomics.load(c, ${AVAILABLE}) <= t); // the caller is copying the task's input in: microseconds
      try { run(params, t, index); } catch (e) { Atomics.store(c, ${FAILED}, 1); }
    }
    Atomics.add(c, ${LEFT}, 1);
    Atomics.notify(c, ${LEFT});
  }
}
`;

/** What a worker is sent: the kernels' module, the shared memory, the control words, its thread index. */
interface WorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  index: number;
  kernels: readonly string[];
}

interface Spawned {
  terminate(): unknown;
}

/** How this host starts a worker, and whether the caller may block until it is ready (in a browser, a new worker may need the caller's event loop to start). */
interface WorkerHost {
  spawn(data: WorkerData): Spawned;
  waitsForStart: boolean;
}

type HostProcess = { getBuiltinModule?: (name: string) => unknown };
type NodeWorkerConstructor = new (source: string, options: { eval: true; execArgv: string[]; workerData: unknown }) => Spawned & { unref(): void };
type WebWorkerConstructor = new (url: string) => Spawned & { postMessage(data: unknown): void };
type Web = {
  Worker?: WebWorkerConstructor;
  Blob?: new (parts: string[], options: { type: string }) => object;
  URL?: { createObjectURL(blob: object): string };
};

let host: WorkerHost | null | undefined;

/** Node's worker_threads, else a browser's Web Workers (from a blob: URL), else null; found without importing Node modules. */
function workerHost(): WorkerHost | null {
  if (host !== undefined) return host;
  const node = (globalThis as { process?: HostProcess }).process?.getBuiltinModule?.('node:worker_threads') as { Worker?: NodeWorkerConstructor } | undefined;
  const web = globalThis as Web;
  if (node?.Worker !== undefined) {
    const Worker = node.Worker;
    const source = `${WORKER_BODY}\nstart(require('node:worker_threads').workerData);`;
    host = {
      spawn(data) {
        // the caller's flags (--input-type=module, loaders) are not for this CommonJS script
        const worker = new Worker(source, { eval: true, execArgv: [], workerData: data });
        worker.unref(); // idle workers must not keep the process alive
        return worker;
      },
      waitsForStart: true,
    };
  } else if (web.Worker !== undefined && web.Blob !== undefined && web.URL !== undefined) {
    const Worker = web.Worker;
    const url = web.URL.createObjectURL(new web.Blob([`${WORKER_BODY}\nonmessage = (e) => start(e.data);`], { type: 'text/javascript' }));
    host = {
      spawn(data) {
        const worker = new Worker(url);
        worker.postMessage(data);
        return worker;
      },
      waitsForStart: false,
    };
  } else {
    host = null;
  }
  return host;
}

let blocking: boolean | undefined;

/** Whether this thread may block on Atomics.wait: a browser page's main thread may not. */
function canBlock(): boolean {
  if (blocking === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); // returns at once: the value is not 1
      blocking = true;
    } catch {
      blocking = false;
    }
  }
  return blocking;
}

/** The number of cores the host reports (1 where it does not say). */
export function availableCores(): number {
  const os = (globalThis as { process?: HostProcess }).process?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  return os?.availableParallelism?.() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

/**
 * Whether this host can run the kernels on more than one thread: it has workers, memory they can share
 * (the kernels' instance uses shared memory exactly where SharedArrayBuffer exists), and a caller that may
 * block on Atomics.
 */
export function threadsSupported(): boolean {
  return threadsUnsupported() === null;
}

/** Why this host runs on one thread, or null where it can run more. */
export function threadsUnsupported(): string | null {
  const nodeVersion = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  if (nodeVersion !== undefined && (globalThis as { process?: HostProcess }).process?.getBuiltinModule === undefined) {
    return `threads need Node 20.16 or later (process.getBuiltinModule), this is Node ${nodeVersion}`;
  }
  if (typeof SharedArrayBuffer !== 'function') return 'threads need SharedArrayBuffer (in a browser, a cross-origin isolated page)';
  if (workerHost() === null) return 'this host has no workers';
  if (!canBlock()) return 'this thread may not block on Atomics.wait (a page\'s main thread): run convkit in a Web Worker';
  return null;
}

const warned = new Set<string>();

/** Warns once per message: through process.emitWarning in Node, console.warn elsewhere. */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  const host = globalThis as { process?: { emitWarning?: (message: string, type: string) => void }; console?: { warn(message: string): void } };
  if (typeof host.process?.emitWarning === 'function') host.process.emitWarning(message, 'ConvkitWarning');
  else host.console?.warn(`ConvkitWarning: ${message}`);
}

/** Control words shared with the workers; a plain buffer where there is no SharedArrayBuffer (and so no workers). */
function controlWords(): Int32Array {
  return new Int32Array(typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(WORDS * 4) : new ArrayBuffer(WORDS * 4));
}

export class ThreadPool {
  // new whenever workers are stopped: one still on its way out cannot touch the next workers' words
  private control = controlWords();
  private workers: Spawned[] = [];
  private readonly tasks: Array<(params: number, task: number, worker: number) => void>;

  constructor(private readonly instance: WasmInstance) {
    const exports = instance.exports as unknown as Record<TaskKernel, (p: number, t: number, w: number) => void>;
    this.tasks = TASK_KERNELS.map((name) => exports[name]);
  }

  /** Threads that take part in a run: the caller and the workers. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Whether every worker has started: until then, runs go to the caller alone. */
  private allReady(): boolean {
    return Atomics.load(this.control, READY) >= this.workers.length;
  }

  /**
   * Starts or stops workers so that runs use `threads` threads. Node blocks until new workers are ready;
   * a browser starts them in the background (`started` resolves once they are), and where it refuses
   * them (a content security policy without blob: workers) runs stay on the caller.
   */
  resize(threads: number): void {
    const workers = workerHost();
    const wanted = threadsSupported() ? threads - 1 : 0;
    if (wanted < this.workers.length) this.stopWorkers();
    if (workers === null) return;
    const c = this.control;
    try {
      while (this.workers.length < wanted) {
        const { module, memory } = this.instance;
        this.workers.push(workers.spawn({ module, memory, control: c.buffer as SharedArrayBuffer, index: this.workers.length + 1, kernels: TASK_KERNELS }));
      }
    } catch (e) {
      this.stopWorkers();
      if (workers.waitsForStart) throw e;
      return;
    }
    if (!workers.waitsForStart) return;
    const deadline = Date.now() + START_MS;
    for (let ready = Atomics.load(c, READY); ready < this.workers.length; ready = Atomics.load(c, READY)) {
      if (Date.now() > deadline) {
        this.stopWorkers();
        throw new Error(`convkit: wasm worker threads did not start within ${START_MS / 1000} s`);
      }
      Atomics.wait(c, READY, ready, 100);
    }
  }

  /** Resolves once every worker has started, or has been given up on after START_MS (runs then stay on the caller). */
  async started(): Promise<void> {
    const deadline = Date.now() + START_MS;
    while (!this.allReady()) {
      if (Date.now() > deadline) {
        this.stopWorkers();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private stopWorkers(): void {
    const c = this.control;
    Atomics.store(c, STOP, 1);
    Atomics.add(c, GENERATION, 1);
    Atomics.notify(c, GENERATION);
    for (const worker of this.workers) void worker.terminate();
    this.workers = [];
    this.control = controlWords();
  }

  /**
   * Runs tasks `0 .. total-1` of `kernel` with the parameter block at `params`, on every thread of the
   * pool when `parallel` (the caller is thread 0), else on the caller alone; returns when all are done.
   * With `feed`, the caller first copies the tasks' input in, chunk by chunk, while the workers run the
   * tasks whose input is there.
   */
  run(kernel: TaskKernel, params: number, total: number, parallel: boolean, feed: Feed | null = null): void {
    const run = this.tasks[TASK_KERNELS.indexOf(kernel)];
    if (!parallel || this.workers.length === 0 || total <= 1 || !this.allReady()) {
      if (feed !== null) for (let i = 0; i < feed.chunks; i++) feed.copy(i);
      for (let t = 0; t < total; t++) run(params, t, 0);
      return;
    }
    const c = this.control;
    Atomics.store(c, NEXT, 0);
    Atomics.store(c, LEFT, 0);
    Atomics.store(c, TOTAL, total);
    Atomics.store(c, AVAILABLE, feed === null ? total : 0);
    Atomics.store(c, KERNEL, TASK_KERNELS.indexOf(kernel));
    Atomics.store(c, PARAMS, params);
    Atomics.store(c, FAILED, 0);
    Atomics.add(c, GENERATION, 1);
    Atomics.notify(c, GENERATION);
    if (feed !== null) for (let i = 0; i < feed.chunks; i++) Atomics.store(c, AVAILABLE, feed.copy(i));
    for (let t = Atomics.add(c, NEXT, 1); t < total; t = Atomics.add(c, NEXT, 1)) run(params, t, 0);
    // the workers usually finish within microseconds of the caller: spin before sleeping
    const until = performance.now() + SPIN_MS;
    for (let i = 1; Atomics.load(c, LEFT) < this.workers.length && ((i & 255) !== 0 || performance.now() < until); i++);
    for (let left = Atomics.load(c, LEFT); left < this.workers.length; left = Atomics.load(c, LEFT)) Atomics.wait(c, LEFT, left);
    if (Atomics.load(c, FAILED) !== 0) throw new Error('convkit: a wasm kernel failed on a worker thread');
  }
}
