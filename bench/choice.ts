/**
 * `npm run bench:choice [-- --quick]`: checks the wasm backend's strategy choice (`chooseStrategy`)
 * against measurement. For 3x3 layers across ResNet/VGG-like shapes (channels, image size, groups,
 * dilation, stride 1 or 2), it times every strategy that applies, one thread, side by side in one process
 * (rounds interleaved, the lowest time kept), and prints the choice, the fastest, and how much slower
 * the choice is than the fastest.
 */
import { parseArgs } from 'node:util';
import { conv2d, conv2dGeometry, manualSeed, randn, setNumThreads, type Conv2dOptions } from '../src/index.js';
import { chooseStrategy, tuning, type Strategy } from '../src/backend/wasm/index.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const ROUNDS = values.quick ? 3 : 7;

/** [channels in and out, image size, groups, dilation, batch, stride] */
const SHAPES: [number, number, number, number, number, number][] = [
  [64, 56, 1, 1, 1, 1], [64, 112, 1, 1, 1, 1], [128, 28, 1, 1, 1, 1], [128, 56, 1, 1, 1, 1], [256, 14, 1, 1, 1, 1], [256, 28, 1, 1, 1, 1],
  [512, 7, 1, 1, 1, 1], [512, 14, 1, 1, 1, 1], [256, 33, 1, 1, 1, 1], [256, 33, 1, 6, 1, 1], [256, 33, 1, 2, 1, 1], [512, 33, 1, 12, 1, 1],
  [32, 32, 2, 1, 1, 1], [64, 32, 4, 1, 1, 1], [128, 56, 8, 1, 1, 1], [48, 24, 4, 1, 1, 1], [24, 56, 1, 1, 1, 1], [16, 112, 1, 1, 1, 1],
  [64, 16, 1, 1, 8, 1], [128, 10, 1, 1, 4, 1], [512, 5, 1, 1, 1, 1],
  [64, 56, 1, 1, 1, 2], [64, 56, 1, 1, 8, 2], [32, 112, 1, 1, 1, 2], [128, 56, 1, 1, 1, 2], [256, 56, 1, 1, 1, 2], [128, 28, 1, 1, 1, 2],
  [256, 28, 1, 1, 4, 2], [16, 56, 1, 1, 1, 2], [64, 56, 4, 1, 1, 2], [64, 30, 1, 1, 1, 2],
];
const STRATEGIES: Strategy[] = ['gemm-direct', 'gemm-im2col', 'winograd-f2', 'winograd-f4', 'winograd-f6', 'winograd-s2'];

setNumThreads(1);
manualSeed(0);
console.log(`one thread, lowest of ${ROUNDS} rounds; ms per call\n`);
console.log('| layer | chosen | fastest | chosen / fastest | ' + STRATEGIES.join(' | ') + ' |');
console.log('|---|---|---|---:|' + STRATEGIES.map(() => '---:').join('|') + '|');
const worst: number[] = [];
for (const [c, size, groups, d, n, stride] of SHAPES) {
  const x = randn([n, c, size, size]);
  const weight = randn([c, c / groups, 3, 3]);
  const bias = randn([c]);
  const options: Conv2dOptions = { padding: d, dilation: d, groups, stride };
  const geom = conv2dGeometry(x.shape, weight.shape, bias.shape, options);
  const chosen = chooseStrategy(geom);
  // a forced strategy that does not apply falls back to the choice: time only those that apply
  const applicable = STRATEGIES.filter((s) => {
    tuning.force = s;
    const used = chooseStrategy(geom);
    tuning.force = null;
    return used === s;
  });
  const times = new Map<Strategy, number>();
  const repeats = Math.max(1, Math.round(2e7 / (n * c * (c / groups) * 9 * geom.outH * geom.outW)));
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of applicable) {
      tuning.force = s;
      conv2d(x, weight, bias, options);
      const start = performance.now();
      for (let i = 0; i < repeats; i++) conv2d(x, weight, bias, options);
      times.set(s, Math.min(times.get(s) ?? Infinity, (performance.now() - start) / repeats));
    }
  }
  tuning.force = null;
  const fastest = [...times].sort((a, b) => a[1] - b[1])[0];
  const ratio = (times.get(chosen) ?? NaN) / fastest[1];
  worst.push(ratio);
  const cells = STRATEGIES.map((s) => (times.has(s) ? times.get(s)!.toFixed(3) : '-'));
  const title = `(${n},${c},${size},${size}) 3x3 p=${d}${d > 1 ? ` d=${d}` : ''}${stride > 1 ? ` s=${stride}` : ''}${groups > 1 ? ` g=${groups}` : ''}`;
  console.log(`| ${title} | ${chosen} | ${fastest[0]} | ${ratio.toFixed(2)} | ${cells.join(' | ')} |`);
}
console.log(`\nchosen / fastest: median ${worst.sort((a, b) => a - b)[Math.floor(worst.length / 2)].toFixed(2)}, worst ${worst[worst.length - 1].toFixed(2)}`);
