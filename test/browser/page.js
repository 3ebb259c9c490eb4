// Runs in a browser page (test/browser.test.ts serves it with dist/): the wasm backend on the page's main
// thread (plain memory, one thread: no cross-origin isolation here) against the reference backend, and
// POSTs what it saw to /result.
import { conv2d, Conv2d, DepthwiseSeparableConv2d, getBackend, getNumThreads, manualSeed, randn, ready, setBackend } from '/dist/index.js';
import { postReport, worst } from './report.js';

const cases = [
  // [input shape, weight shape, options]: each strategy of the wasm backend
  [[1, 32, 24, 24], [32, 32, 3, 3], { padding: 1 }], // Winograd F(4x4)
  [[2, 32, 9, 9], [32, 32, 3, 3], { padding: 1 }], // Winograd F(2x2), batch 2
  [[1, 32, 30, 30], [32, 32, 3, 3], { padding: 'same' }], // Winograd F(6x6)
  [[1, 32, 20, 20], [32, 32, 3, 3], { padding: 4, dilation: 4 }], // dilated Winograd
  [[1, 64, 16, 16], [64, 16, 3, 3], { padding: 1, groups: 4 }], // grouped
  [[1, 32, 17, 17], [32, 1, 3, 3], { padding: 1, groups: 32 }], // depthwise, stride 1
  [[1, 32, 17, 17], [64, 1, 3, 3], { stride: 2, padding: 1, groups: 32 }], // depthwise, stride 2, multiplier 2
  [[1, 48, 20, 20], [40, 48, 1, 1], {}], // pointwise
  [[2, 16, 21, 21], [24, 16, 5, 5], { stride: 2, padding: 2 }], // im2col
  [[1, 8, 512, 512], [8, 8, 1, 1], {}], // 16 MiB in and out: WebAssembly memory grows past its first 16 MiB
];

async function run() {
  const report = { backendAtStart: getBackend(), ready: await ready(), threads: getNumThreads(), cases: [] };
  manualSeed(0);
  const both = (f) => {
    setBackend('wasm');
    const fast = f();
    setBackend('reference');
    const slow = f();
    setBackend('wasm');
    return { shape: fast.shape, expectedShape: slow.shape, error: worst(fast.data, slow.data), finite: fast.data.every(Number.isFinite) };
  };
  for (const [x, w, options] of cases) {
    const input = randn(x);
    const weight = randn(w);
    const bias = randn([w[0]]);
    report.cases.push({ name: `conv2d ${JSON.stringify(x)} ${JSON.stringify(w)} ${JSON.stringify(options)}`, ...both(() => conv2d(input, weight, bias, options)) });
  }
  const dsc = new DepthwiseSeparableConv2d(64, 128);
  const conv = new Conv2d(64, 64, 3, { padding: 1, paddingMode: 'reflect' });
  const x = randn([1, 64, 32, 32]);
  report.cases.push({ name: 'DepthwiseSeparableConv2d(64, 128)', ...both(() => dsc.forward(x)) });
  report.cases.push({ name: "Conv2d(64, 64, 3, padding=1, padding_mode='reflect')", ...both(() => conv.forward(x)) });
  return report;
}

await postReport(run);
