/**
 * The wasm weight gradient against the wasm forward on the bench's layers, side by side in one process
 * (the machine may be shared: the two alternate, and medians are compared), on one thread and on two.
 * GFLOP/s count the forward's MACs for both. Run by hand:
 *   node --import tsx bench/weight-grad.ts [--repeat 15] [--threads 1] [--min] [W5 W10 ...]
 */
import { shapesThrough, WORKLOADS, weightShape } from './workloads.js';
import type { ConvGeometry } from '../src/backend/backend.js';
import { wasmBackend } from '../src/backend/wasm/index.js';
import { Generator, setNumThreads } from '../src/index.js';
import { conv2dGeometry } from '../src/ops/conv2d.js';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const repeat = Number(option('--repeat') ?? 15);
const threadCounts = option('--threads') === undefined ? [1, 2] : [Number(option('--threads'))];
const ids = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--repeat' && args[i - 1] !== '--threads').map((a) => a.toLowerCase());

const random = new Generator(1);
const randomArray = (length: number) => Float32Array.from({ length }, () => random.normal());

interface Layer {
  name: string;
  geom: ConvGeometry;
  input: Float32Array;
  weight: Float32Array;
  gradOutput: Float32Array;
}

const layers: Layer[] = [];
for (const workload of WORKLOADS) {
  if (ids.length > 0 && !ids.includes(workload.id.toLowerCase())) continue;
  const shapes = shapesThrough(workload);
  workload.layers.forEach((l, i) => {
    const geom = conv2dGeometry([...shapes[i]], [...weightShape(l)], null, {
      stride: [l.strideH, l.strideW], padding: [l.padH, l.padW], dilation: [l.dilationH, l.dilationW], groups: l.groups,
    });
    layers.push({
      name: workload.layers.length > 1 ? `${workload.id}.${i + 1}` : workload.id, geom,
      input: randomArray(geom.n * geom.cIn * geom.h * geom.w), weight: randomArray(geom.cOut * (geom.cIn / geom.groups) * geom.kH * geom.kW),
      gradOutput: randomArray(geom.n * geom.cOut * geom.outH * geom.outW),
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
/** `--min`: the fastest run instead of the median, for A/B comparisons on a busy machine. */
const summary = args.includes('--min') ? (xs: number[]) => Math.min(...xs) : median;

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** A layer's forward and weight gradient, as calls into their own output buffers. */
function calls(l: Layer): { forward: () => void; weightGrad: () => void } {
  const g = l.geom;
  const output = new Float32Array(g.n * g.cOut * g.outH * g.outW);
  const gradWeight = new Float32Array(l.weight.length);
  return {
    forward: () => wasmBackend.conv2d(g, l.input, l.weight, null, output, 'none'),
    weightGrad: () => wasmBackend.conv2dWeightGrad(g, l.input, l.gradOutput, gradWeight),
  };
}

/** ms of the forward and of the weight gradient, alternating. */
function measure(l: Layer): { forward: number; weightGrad: number } {
  const { forward, weightGrad } = calls(l);
  const f: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < repeat; i++) {
    f.push(time(forward));
    w.push(time(weightGrad));
  }
  return { forward: summary(f), weightGrad: summary(w) };
}

// V8 runs a kernel's first calls on its baseline compiler until the optimised code is ready: every
// layer runs a few times on every thread count before any is timed
for (const threads of threadCounts) {
  setNumThreads(threads);
  for (const l of layers) {
    const { forward, weightGrad } = calls(l);
    for (let i = 0; i < 3; i++) {
      forward();
      weightGrad();
    }
  }
}

const macs = (g: ConvGeometry) => g.n * g.outH * g.outW * g.cOut * (g.cIn / g.groups) * g.kH * g.kW;
/** One thread's weight-gradient ms per layer, for the 2-thread speedup. */
const oneThread = new Map<string, number>();
console.log('layer    MMACs  threads  forward ms  GFLOP/s  dW ms  GFLOP/s  dW/forward');
for (const threads of threadCounts) {
  setNumThreads(threads);
  for (const l of layers) {
    const { forward, weightGrad } = measure(l);
    const flop = 2 * macs(l.geom);
    const gf = flop / forward / 1e6;
    const gw = flop / weightGrad / 1e6;
    if (threads === 1) oneThread.set(l.name, weightGrad);
    const before = oneThread.get(l.name);
    const speedup = threads === 2 && before !== undefined ? `  2-thread dW speedup ${(before / weightGrad).toFixed(2)}x` : '';
    console.log(`${l.name.padEnd(7)} ${(macs(l.geom) / 1e6).toFixed(1).padStart(6)}  ${threads}        ${forward.toFixed(3).padStart(8)}  ${gf.toFixed(1).padStart(7)}  ${weightGrad.toFixed(3).padStart(6)}  ${gw.toFixed(1).padStart(6)}  ${(gw / gf).toFixed(2).padStart(6)}x${speedup}`);
  }
}
