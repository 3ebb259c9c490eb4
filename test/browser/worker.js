// Runs in a Web Worker of a cross-origin isolated page (test/browser.test.ts serves it with dist/): the
// wasm backend on two threads (this worker and one it starts), then on one, then the reference backend,
// and POSTs what it saw to /result.
import { conv2d, getNumThreads, manualSeed, randn, ready, setBackend, setNumThreads } from '/dist/index.js';
import { postReport, worst } from './report.js';

const cases = [
  // [input shape, weight shape, options]: each strategy of the wasm backend, large enough to run on every thread
  [[1, 64, 32, 32], [64, 64, 3, 3], { padding: 1 }], // Winograd
  [[1, 64, 56, 56], [128, 64, 3, 3], { stride: 2, padding: 1 }], // Winograd on a stride-2 layer's phases
  [[1, 64, 32, 32], [128, 64, 1, 1], {}], // pointwise
  [[1, 96, 112, 112], [96, 1, 3, 3], { stride: 2, padding: 1, groups: 96 }], // depthwise
  [[2, 16, 21, 21], [24, 16, 5, 5], { stride: 2, padding: 2 }], // im2col
];

/** Median milliseconds of `f` over 15 calls, after 3: for the note, not asserted (timings are not tests). */
function ms(f) {
  for (let i = 0; i < 3; i++) f();
  const times = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[7];
}

async function run() {
  manualSeed(0);
  const inputs = cases.map(([x, w, options]) => ({ x: randn(x), w: randn(w), b: randn([w[0]]), options }));
  const outputs = (threads) => {
    setNumThreads(threads);
    return inputs.map(({ x, w, b, options }) => conv2d(x, w, b, options));
  };
  setNumThreads(2);
  const report = { isolated: self.crossOriginIsolated, ready: await ready(), threads: getNumThreads(), cases: [] };
  const two = outputs(2);
  const big = inputs[1];
  const ms2 = ms(() => conv2d(big.x, big.w, big.b, big.options));
  const one = outputs(1);
  const ms1 = ms(() => conv2d(big.x, big.w, big.b, big.options));
  setBackend('reference');
  const reference = outputs(1);
  report.speedup = { case: 1, ms1, ms2 };
  cases.forEach(([x, w, options], i) => {
    report.cases.push({
      name: `conv2d ${JSON.stringify(x)} ${JSON.stringify(w)} ${JSON.stringify(options)}`,
      shape: two[i].shape,
      expectedShape: reference[i].shape,
      sameBits: two[i].data.every((v, k) => Object.is(v, one[i].data[k])),
      error: worst(two[i].data, reference[i].data),
      finite: two[i].data.every(Number.isFinite),
    });
  });
  return report;
}

await postReport(run);
