/**
 * The backward bench's memory check, in its own process (forked with --expose-gc): many training steps
 * of one small layer, each dropping its graph (nothing keeps y, x or the grads beyond the step), with
 * the process's memory read after a full GC at intervals. A graph or saved tensor that outlived its step
 * would grow the heap or the array buffers by at least the input's size per step; flat means none does.
 */
import * as convkit from '../../src/index.js';

export interface MemorySample {
  /** Steps done since the warm-up. */
  readonly step: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  /** Memory of ArrayBuffers (Float32Arrays' storage, WebAssembly memory), outside the JS heap. */
  readonly arrayBuffersMiB: number;
}

export interface MemoryRequest {
  readonly backend: string;
  readonly threads: number;
  readonly steps: number;
  readonly warmupSteps: number;
}

export interface MemoryReport extends MemoryRequest {
  readonly type: 'memory';
  readonly layer: string;
  readonly input: readonly number[];
  readonly samples: readonly MemorySample[];
  readonly error?: string;
}

/** A small layer: 590k MACs a step, fast even on the reference kernels; its input alone is 16 KiB, so a leak of one per step is 16 MiB. */
const LAYER = { cIn: 8, cOut: 16, k: 3, padding: 1 };
const INPUT = [2, 8, 16, 16];

const MiB = 2 ** 20;

/**
 * After two full GCs with a pause between: V8 frees ArrayBuffers' storage on a background sweeper, so
 * right after one GC the array buffers can still count megabytes that are already garbage.
 */
async function sample(step: number): Promise<MemorySample> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  const m = process.memoryUsage();
  return { step, rssMiB: m.rss / MiB, heapUsedMiB: m.heapUsed / MiB, arrayBuffersMiB: m.arrayBuffers / MiB };
}

async function measure(request: MemoryRequest): Promise<MemorySample[]> {
  convkit.setBackend(request.backend);
  convkit.setNumThreads(request.threads);
  convkit.manualSeed(0);
  const conv = new convkit.Conv2d(LAYER.cIn, LAYER.cOut, LAYER.k, { padding: LAYER.padding });
  const x0 = convkit.randn(INPUT);
  const g = convkit.randn(conv.forward(x0).shape);
  // One training step, as the timed bench's: nothing of it is kept when it returns.
  const step = () => {
    conv.zeroGrad(true);
    const x = new convkit.Tensor(x0.data, INPUT).requiresGrad_();
    conv.forward(x).backward(g);
  };
  for (let i = 0; i < request.warmupSteps; i++) step();
  const samples = [await sample(0)];
  const every = Math.max(1, Math.floor(request.steps / 4));
  for (let i = 1; i <= request.steps; i++) {
    step();
    if (i % every === 0 || i === request.steps) samples.push(await sample(i));
  }
  return samples;
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2]) as MemoryRequest;
  const layer = `Conv2d(${LAYER.cIn}, ${LAYER.cOut}, ${LAYER.k}, padding=${LAYER.padding})`;
  let report: MemoryReport;
  try {
    report = { type: 'memory', ...request, layer, input: INPUT, samples: await measure(request) };
  } catch (err) {
    report = { type: 'memory', ...request, layer, input: INPUT, samples: [], error: err instanceof Error ? err.message : String(err) };
  }
  process.send?.(report, undefined, {}, () => process.exit(0));
}

void main();
