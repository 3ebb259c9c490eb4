/// <reference path="./platform.d.ts" />
/**
 * Threads for the wasm backend: Node's worker_threads, each with its own instance of the kernels over
 * the one shared memory. A run is a kernel and a count of tasks; every thread, the caller included,
 * takes the next task number from a shared counter until none are left, so work balances itself, and
 * since a task's result does not depend on which thread runs it, output is bit-identical for any
 * thread count. The caller blocks on Atomics until every worker has left the run (so none can still
 * be reading the counters when the next run resets them), which keeps ops synchronous.
 * Where worker_threads are missing (browsers) or memory cannot be shared, everything runs on the caller.
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
const WORDS = 16;
/** How long an idle worker spins before it sleeps. */
const SPIN_MS = 0.2;

/** Kernels a task can run, by index into the control word KERNEL. */
export const TASK_KERNELS = [
  'gemmDirectTask', 'gemmIm2colTask', 'padTask', 'depthwiseTask',
  'splitTask', 'winograd4InputTask', 'winogradGemmTask', 'winograd4OutputTask', 'winograd2InputTask', 'winograd2OutputTask',
  'winograd6InputTask', 'winograd6OutputTask', 'winograd7InputTask', 'winograd7OutputTask',
] as const;
export type TaskKernel = (typeof TASK_KERNELS)[number];

// The worker's script, run with `eval` so that it needs no file of its own next to the bundle.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, index, kernels, generation } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const tasks = kernels.map((name) => exports[name]);
const c = new Int32Array(control);
Atomics.add(c, ${READY}, 1);
Atomics.notify(c, ${READY});
let seen = generation;
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
    try { run(params, t, index); } catch (e) { Atomics.store(c, ${FAILED}, 1); }
  }
  Atomics.add(c, ${LEFT}, 1);
  Atomics.notify(c, ${LEFT});
}
`;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
}
type WorkerConstructor = new (source: string, options: { eval: true; execArgv: string[]; workerData: unknown }) => NodeWorker;
type HostProcess = { getBuiltinModule?: (name: string) => unknown };

/** Node's Worker class, or null where there is none; found without importing Node modules. */
function workerClass(): WorkerConstructor | null {
  const host = (globalThis as { process?: HostProcess }).process;
  const threads = host?.getBuiltinModule?.('node:worker_threads') as { Worker?: WorkerConstructor; isMainThread?: boolean } | undefined;
  return threads?.Worker ?? null;
}

/** The number of cores the host reports (1 where it does not say). */
export function availableCores(): number {
  const host = (globalThis as { process?: HostProcess }).process;
  const os = host?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  return os?.availableParallelism?.() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

/**
 * Whether this host can run the kernels on more than one thread: it has workers, and memory they can
 * share (the kernels' instance uses shared memory exactly where SharedArrayBuffer exists).
 */
export function threadsSupported(): boolean {
  return typeof SharedArrayBuffer === 'function' && workerClass() !== null;
}

export class ThreadPool {
  // shared with the workers; where there is no SharedArrayBuffer (a page that is not cross-origin
  // isolated) there are no workers either, and a plain buffer does
  private readonly control = new Int32Array(typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(WORDS * 4) : new ArrayBuffer(WORDS * 4));
  private workers: NodeWorker[] = [];
  private readonly tasks: Array<(params: number, task: number, worker: number) => void>;

  constructor(private readonly instance: WasmInstance) {
    const exports = instance.exports as unknown as Record<TaskKernel, (p: number, t: number, w: number) => void>;
    this.tasks = TASK_KERNELS.map((name) => exports[name]);
  }

  /** Threads that take part in a run: the caller and the workers. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Starts or stops workers so that runs use `threads` threads, blocking until new workers are ready. */
  resize(threads: number): void {
    const Worker = workerClass();
    const wanted = threadsSupported() && Worker !== null ? threads - 1 : 0;
    if (wanted < this.workers.length) this.stopWorkers();
    if (Worker === null) return;
    const c = this.control;
    while (this.workers.length < wanted) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        execArgv: [], // the caller's flags (--input-type=module, loaders) are not for this CommonJS script
        workerData: {
          module: this.instance.module, memory: this.instance.memory, control: c.buffer, index: this.workers.length + 1,
          kernels: TASK_KERNELS, generation: Atomics.load(c, GENERATION),
        },
      });
      worker.unref(); // idle workers must not keep the process alive
      this.workers.push(worker);
    }
    const deadline = Date.now() + 10_000;
    for (let ready = Atomics.load(c, READY); ready < this.workers.length; ready = Atomics.load(c, READY)) {
      if (Date.now() > deadline) {
        this.stopWorkers();
        throw new Error('convkit: wasm worker threads did not start within 10 s');
      }
      Atomics.wait(c, READY, ready, 100);
    }
  }

  private stopWorkers(): void {
    const c = this.control;
    Atomics.store(c, STOP, 1);
    Atomics.add(c, GENERATION, 1);
    Atomics.notify(c, GENERATION);
    for (const worker of this.workers) void worker.terminate();
    this.workers = [];
    Atomics.store(c, STOP, 0);
    Atomics.store(c, READY, 0);
  }

  /**
   * Runs tasks `0 .. total-1` of `kernel` with the parameter block at `params`, on every thread of the
   * pool when `parallel` (the caller is thread 0), else on the caller alone; returns when all are done.
   */
  run(kernel: TaskKernel, params: number, total: number, parallel: boolean): void {
    const run = this.tasks[TASK_KERNELS.indexOf(kernel)];
    if (!parallel || this.workers.length === 0 || total <= 1) {
      for (let t = 0; t < total; t++) run(params, t, 0);
      return;
    }
    const c = this.control;
    Atomics.store(c, NEXT, 0);
    Atomics.store(c, LEFT, 0);
    Atomics.store(c, TOTAL, total);
    Atomics.store(c, KERNEL, TASK_KERNELS.indexOf(kernel));
    Atomics.store(c, PARAMS, params);
    Atomics.store(c, FAILED, 0);
    Atomics.add(c, GENERATION, 1);
    Atomics.notify(c, GENERATION);
    for (let t = Atomics.add(c, NEXT, 1); t < total; t = Atomics.add(c, NEXT, 1)) run(params, t, 0);
    // the workers usually finish within microseconds of the caller: spin before sleeping
    const until = performance.now() + SPIN_MS;
    for (let i = 1; Atomics.load(c, LEFT) < this.workers.length && ((i & 255) !== 0 || performance.now() < until); i++);
    for (let left = Atomics.load(c, LEFT); left < this.workers.length; left = Atomics.load(c, LEFT)) Atomics.wait(c, LEFT, left);
    if (Atomics.load(c, FAILED) !== 0) throw new Error('convkit: a wasm kernel failed on a worker thread');
  }
}
